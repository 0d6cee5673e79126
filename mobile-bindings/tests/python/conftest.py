"""Fixtures for the Python suite: the reference servers (tests/servers), tokens minted by
them, and clients made through the bindings, so every test goes through the real shared
library. `parlor_ffi` is the installed one (tests/run.sh installs the wheel into a fresh venv);
PARLOR_PY_BINDINGS=build/bindings/python imports the generated files mobile-bindings/generate.sh
wrote there instead."""

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVERS = ROOT / "tests" / "servers"
if os.environ.get("PARLOR_PY_BINDINGS"):
    sys.path.insert(0, os.environ["PARLOR_PY_BINDINGS"])

import parlor_ffi as ffi  # noqa: E402
from parlor_ffi import streams  # noqa: E402


def run(coro):
    return asyncio.run(coro)


async def until(what, check, timeout=8.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = check()
        if got:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"waited {timeout} s for {what}")


class RefServer:
    """One reference server on a free port, killed at the end."""

    def __init__(self, script, env=None):
        self.script = script
        full_env = dict(os.environ, **(env or {}))
        self.proc = subprocess.Popen(
            ["node", str(SERVERS / script), "--port", "0"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=full_env, text=True,
        )
        deadline = time.time() + 20
        self.port = None
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("READY "):
                self.port = int(line.split()[1])
                break
        if self.port is None:
            self.proc.kill()
            raise RuntimeError(f"{script} did not start")
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}"

    def debug(self, path):
        """A test-only debug route of the server (`GET /debug/...`), as JSON."""
        import json
        import urllib.request
        with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as r:
            return json.loads(r.read())

    def mint(self, account):
        out = subprocess.run(["node", str(SERVERS / self.script), "--mint", account],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def server():
    started = []

    def start(script, env=None):
        s = RefServer(script, env)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


class MemorySecrets(ffi.SecretStore):
    """What an app's Keychain/Keystore adapter does, in memory; counts reads."""

    def __init__(self, values=None):
        self.values = dict(values or {})
        self.reads = 0

    def get(self, key):
        self.reads += 1
        return self.values.get(key)

    def set(self, key, value):
        self.values[key] = value

    def delete(self, key):
        self.values.pop(key, None)


class Events(ffi.EventListener):
    """A bare listener that collects events (called on a Rust thread): for the tests of the
    listener API itself; the others read a party's event stream."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = []

    def on_event(self, event):
        with self.lock:
            self.seen.append(event)

    def names(self):
        with self.lock:
            return [type(e).__name__ for e in self.seen]

    async def expect(self, kind, timeout=8.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for i, e in enumerate(self.seen):
                    if isinstance(e, kind):
                        return self.seen.pop(i)
            await asyncio.sleep(0.02)
        raise AssertionError(f"waited {timeout} s for {kind.__name__}; saw {self.names()[-12:]}")


class Inbox:
    """A party's event stream (parlor_ffi.streams.events) read as a test reads it: `expect`
    takes the first event of a class (`ffi.Event.CALL_ACCEPTED`) that passes a check, keeping
    the events it passes over for later expectations."""

    def __init__(self, stream):
        self.stream = stream
        self.kept = []

    def names(self):
        return [type(e).__name__ for e in self.kept]

    async def expect(self, kind, pred=lambda e: True, timeout=8.0):
        for i, e in enumerate(self.kept):
            if isinstance(e, kind) and pred(e):
                return self.kept.pop(i)
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            try:
                e = await asyncio.wait_for(self.stream.__anext__(), max(left, 0.001))
            except asyncio.TimeoutError:
                raise AssertionError(f"waited {timeout} s for {kind.__name__}; "
                                     f"passed over {self.names()[-12:]}") from None
            if isinstance(e, kind) and pred(e):
                return e
            self.kept.append(e)


class Party:
    """A signed-in client with its event stream."""

    def __init__(self, client, events, secrets):
        self.client = client
        self.events = events
        self.secrets = secrets


@pytest.fixture
def data_dir():
    with tempfile.TemporaryDirectory(prefix="parlor-ffi-") as d:
        yield d


@pytest.fixture
def connect(data_dir):
    made = []

    async def make(srv, dialect, account, namespace="/", minute=timedelta(minutes=1), token=None):
        profile = ffi.profile_new(dialect, srv.url)
        profile.namespace = namespace
        profile.rest_url = srv.url
        profile.account_id = account
        profile.billing_minute = minute
        key = f"parlor.token.{account}"
        secrets = MemorySecrets({key: token if token is not None else srv.mint(account)})
        client = ffi.ParlorClient.connect(profile, secrets, key, os.path.join(data_dir, account))
        stream = await streams.events(client).__aenter__()
        await client.wait_connected(timedelta(seconds=10))
        p = Party(client, Inbox(stream), secrets)
        made.append(p)
        return p

    yield make
    for p in made:
        p.events.stream.close()
        asyncio.run(p.client.disconnect())
