#!/usr/bin/env python3
"""`parlor load` beside Artillery 2 (its socket.io engine) on the same 001 reference server:
memory per extra virtual user and CPU for users that connect and hold, side by side in one run.

    tests/harness/peers/load_vs_artillery.py [--users 500,2000] [--ramp 20] [--hold 60]
                                              [--rounds 2] [--json FILE]

Each generator runs against a fresh server of its own, with the same accounts and tokens:
N users arrive over RAMP seconds, each connects (websocket, token in the handshake's auth)
and holds HOLD seconds. The generator's process tree is sampled every half second; its RSS
while everyone holds (half-way through the hold), its peak RSS and its CPU seconds (user +
system, children included) are what the table shows. Who goes first alternates by round;
the figures are medians over rounds. Memory per extra user is the slope of the holding RSS
between the smallest and the largest N (what a user costs beyond a fixed base). parlor
load's CPU includes the Node child that mints its tokens at the start (Artillery's tokens
are minted before it starts): a small bias against parlor.

Artillery (pinned below) is installed on first use under $PARLOR_TOOLS_DIR/artillery (npm,
its Playwright browser download skipped: the socket.io engine does not use it). The parlor
binary is the release build of tests/harness (built when missing)."""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ARTILLERY_VERSION = "2.0.34"
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests/e2e"))
from proctree import tree_rss_kib  # noqa: E402  (the desktop suite's process-tree walk)
SERVER = ROOT / "tests/servers/001_presence_sessions.js"
TOOLS = Path(os.environ.get("PARLOR_TOOLS_DIR", "/var/tmp/parlor-tools"))
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", "/var/tmp/parlor-target"))


def artillery_bin() -> Path:
    home = TOOLS / "artillery"
    exe = home / "node_modules/.bin/artillery"
    installed = home / "node_modules/artillery/package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != ARTILLERY_VERSION:
        print(f"-- installing artillery {ARTILLERY_VERSION} into {home}", file=sys.stderr)
        home.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
        subprocess.run(["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund",
                        "--loglevel=error", f"artillery@{ARTILLERY_VERSION}"], check=True, env=env)
    return exe


def parlor_bin() -> Path:
    """The release `parlor`, built from this tree (cargo does nothing when it is current)."""
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "parlor-harness",
                    "--bin", "parlor"], check=True, cwd=ROOT)
    return TARGET / "release/parlor"


class Server:
    """A fresh 001 server with N load accounts, on a free port."""

    def __init__(self, users: int):
        self.env = dict(os.environ, PARLOR_LOAD_ACCOUNTS=str(users),
                        PARLOR_REQUEST_TIMEOUT_MS="15000")
        self.proc = subprocess.Popen(["node", str(SERVER), "--port", "0"], env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"001 did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def tokens(self) -> dict:
        out = subprocess.run(["node", str(SERVER), "--mint-all"], env=self.env, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def measure(cmd: list, env: dict, log: Path, hold_at: float) -> dict:
    """Runs `cmd`; its tree's RSS (KiB) `hold_at` seconds in and at its peak, its CPU seconds
    and wall time. The RSS while everyone holds is what the slope uses: the peak may be a
    passing helper's (parlor load mints its tokens with a Node child at the start)."""
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        peak, holding = [0], [0]
        done = threading.Event()

        def sample():
            while not done.wait(0.5):
                rss = tree_rss_kib(proc.pid)
                peak[0] = max(peak[0], rss)
                if not holding[0] and time.monotonic() - start >= hold_at:
                    holding[0] = rss

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        except BaseException:
            proc.kill()
            raise
        finally:
            done.set()
            sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}); see {log}")
    if not holding[0]:
        raise RuntimeError(f"{cmd[0]} ended before everyone held ({hold_at:.0f} s in); see {log}")
    return {"holding_rss_kib": holding[0], "peak_rss_kib": peak[0],
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "wall_s": time.monotonic() - start}


def run_parlor(users: int, args, work: Path) -> dict:
    server = Server(users)
    try:
        out = work / f"parlor-{users}"
        cmd = [str(parlor_bin()), "load", "--url", server.url, "--users", str(users),
               "--experts", "0", "--ramp", str(args.ramp), "--duration", str(args.hold),
               "--think", f"{args.hold * 1000}", "--out", str(out)]
        m = measure(cmd, dict(os.environ, PARLOR_SERVERS_DIR=str(ROOT / "tests/servers")),
                    work / f"parlor-{users}.log", args.ramp + args.hold / 2)
        report = json.loads((out / "load-report.json").read_text())
        m["connected"] = report.get("connected", 0)
        m["failed"] = sum(report.get("errors", {}).values())
        return m
    finally:
        server.stop()


def run_artillery(users: int, args, work: Path) -> dict:
    server = Server(users)
    try:
        tokens = server.tokens()
        csv = work / f"tokens-{users}.csv"
        csv.write_text("".join(f"{tokens[f'load_user_{i}']}\n" for i in range(1, users + 1)))
        script = work / f"hold-{users}.json"
        script.write_text(json.dumps({
            "config": {
                "target": server.url,
                "phases": [{"duration": args.ramp, "arrivalCount": users}],
                "payload": {"path": str(csv), "fields": ["token"], "order": "sequence"},
            },
            # Per scenario, not in config: Artillery resolves config templates once, at load.
            "scenarios": [{
                "engine": "socketio",
                "socketio": {"transports": ["websocket"], "auth": {"token": "{{ token }}"}},
                "flow": [{"think": args.hold}],
            }],
        }))
        report = work / f"artillery-{users}.json"
        env = dict(os.environ, ARTILLERY_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
        m = measure([str(artillery_bin()), "run", "--output", str(report), str(script)], env,
                    work / f"artillery-{users}.log", args.ramp + args.hold / 2)
        counters = json.loads(report.read_text())["aggregate"]["counters"]
        m["connected"] = counters.get("vusers.created", 0) - counters.get("vusers.failed", 0)
        m["failed"] = counters.get("vusers.failed", 0)
        return m
    finally:
        server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", default="500,2000", help="comma-separated user counts")
    ap.add_argument("--ramp", type=int, default=20, help="seconds over which users arrive")
    ap.add_argument("--hold", type=int, default=60, help="seconds each user holds")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    # Artillery's users leave HOLD seconds after they arrive, parlor's all at the end: the RSS
    # is sampled at RAMP + HOLD/2, when the last user has arrived and the first has not left.
    if args.hold <= 2 * args.ramp:
        ap.error("--hold must be more than twice --ramp (everyone holds when RSS is sampled)")
    counts = sorted({int(n) for n in args.users.split(",")})
    if len(counts) < 2 or counts[0] < 1:
        ap.error("--users: give at least two positive counts (the slope is between them)")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of sockets
    artillery_bin(), parlor_bin()
    runners = {"parlor load": run_parlor, "Artillery": run_artillery}
    results = {name: {n: [] for n in counts} for name in runners}
    with tempfile.TemporaryDirectory(prefix="load-vs-artillery-") as tmp:
        work = Path(tmp)
        for r in range(args.rounds):
            order = list(runners) if r % 2 == 0 else list(reversed(runners))
            for n in counts:
                for name in order:
                    m = runners[name](n, args, work)
                    print(f"-- round {r + 1}, {n} users, {name}: {json.dumps(m)}", file=sys.stderr)
                    results[name][n].append(m)

    med = lambda name, n, key: statistics.median(m[key] for m in results[name][n])
    lo, hi = counts[0], counts[-1]
    slope = {name: (med(name, hi, "holding_rss_kib") - med(name, lo, "holding_rss_kib"))
             / (hi - lo) for name in runners}
    print(f"{'measure':<60}{'parlor load':>14}{'Artillery':>14}{'ratio':>8}")
    for n in counts:
        worst = [min(m["connected"] for m in results[name][n]) for name in runners]
        print(f"{f'users connected of {n} (worst round)':<60}{worst[0]:>14}{worst[1]:>14}")

    def line(label, a, b, fmt):
        ratio = f"{a / b:.2f}" if b else "-"
        print(f"{label:<60}{fmt.format(a):>14}{fmt.format(b):>14}{ratio:>8}")

    for n in counts:
        line(f"RSS while {n} users hold (MiB)", med("parlor load", n, "holding_rss_kib") / 1024,
             med("Artillery", n, "holding_rss_kib") / 1024, "{:.1f}")
        line(f"peak RSS with {n} users (MiB)", med("parlor load", n, "peak_rss_kib") / 1024,
             med("Artillery", n, "peak_rss_kib") / 1024, "{:.1f}")
    line(f"memory per extra user, {lo} → {hi} (KiB)", slope["parlor load"], slope["Artillery"],
         "{:.1f}")
    for n in counts:
        line(f"CPU for {n} users arriving in {args.ramp} s, holding {args.hold} s (CPU-s)",
             med("parlor load", n, "cpu_s"), med("Artillery", n, "cpu_s"), "{:.1f}")
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)},
                                         "runs": results, "slope_kib": slope}, indent=1))


if __name__ == "__main__":
    main()
