"""Reference servers (tests/servers/*.js) as child processes: port from their READY line,
tokens from their --mint, restart on the same port (with a state file, rooms survive)."""

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ROOT / "tests" / "servers"


def mint(script: str, account: str) -> str:
    """A token for a seeded account, minted by the server script itself."""
    out = subprocess.run(
        ["node", str(SERVERS / script), "--mint", account],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


class RefServer:
    """One running reference server."""

    def __init__(self, script: str, env: dict, state_file: Path | None = None, log: Path | None = None):
        self.script = script
        self.env = {**os.environ, **{k: str(v) for k, v in env.items()}}
        self.state_file = state_file
        self.log = log
        self.port = 0
        self.proc = None
        self._launch()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _launch(self):
        args = ["node", str(SERVERS / self.script), "--port", str(self.port)]
        if self.state_file:
            args += ["--state-file", str(self.state_file)]
        err = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(args, env=self.env, stdout=subprocess.PIPE, stderr=err, text=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("READY "):
                self.port = int(line.split()[1])
                return
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError(f"{self.script} did not print READY")

    def stop(self):
        """Graceful stop (SIGTERM; the server saves its state), then wait."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        """Starts it again on the same port."""
        self.stop()
        self._launch()

    def mint(self, account: str) -> str:
        return mint(self.script, account)
