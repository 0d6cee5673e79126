"""The user's side, played through the harness: `parlor connect` with JSON lines (commands on
stdin, replies and events on stdout; see tests/harness/src/connect.rs)."""

import json
import os
import queue
import subprocess
import threading
import time


class HarnessUser:
    """One `parlor connect` process; events are collected as they arrive."""

    def __init__(self, parlor: str, url: str, dialect: str, account: str, token: str,
                 minute_ms: int | None = None, log=None):
        args = [parlor, "connect", "--url", url, "--dialect", dialect, "--account-id", account,
                "--linger-ms", "0"]
        if minute_ms:
            args += ["--billing-minute-ms", str(minute_ms)]
        env = {**os.environ, "PARLOR_TOKEN": token}
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log or subprocess.DEVNULL, text=True, bufsize=1)
        self.lines: "queue.Queue[dict]" = queue.Queue()
        self.seen: list[dict] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if line:
                self.lines.put(json.loads(line))

    def _pump(self, timeout: float) -> dict | None:
        try:
            item = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        self.seen.append(item)
        return item

    def send(self, cmd: str, **fields) -> int:
        """Sends a command; returns its id (the reply comes as `{"reply_to": id, ...}`)."""
        self._next_id += 1
        self.proc.stdin.write(json.dumps({"id": self._next_id, "cmd": cmd, **fields}) + "\n")
        self.proc.stdin.flush()
        return self._next_id

    def call(self, cmd: str, timeout: float = 15, **fields) -> dict:
        """Sends a command and waits for its reply; fails on an error reply."""
        rid = self.send(cmd, **fields)
        reply = self.wait(lambda m: m.get("reply_to") == rid, timeout, f"reply to {cmd}")
        assert reply.get("ok"), f"{cmd} failed: {reply}"
        return reply

    def wait(self, pred, timeout: float = 15, what: str = "an event") -> dict:
        """The first message (seen before or arriving within `timeout`) that `pred` accepts."""
        for m in self.seen:
            if pred(m):
                self.seen.remove(m)
                return m
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self._pump(max(0.05, deadline - time.monotonic()))
            if m is not None and pred(m):
                self.seen.remove(m)
                return m
        recent = [json.dumps(m)[:200] for m in self.seen[-8:]]
        raise AssertionError(f"user: no {what} within {timeout} s; last: {recent}")

    def drain(self):
        """Forgets everything seen so far: the next wait sees only what arrives after now."""
        while self._pump(0.2) is not None:
            pass
        self.seen.clear()

    def event(self, name: str, timeout: float = 15, **match) -> dict:
        """Waits for event `name` whose fields equal `match`."""
        return self.wait(
            lambda m: m.get("event") == name and all(m.get(k) == v for k, v in match.items()),
            timeout, name)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except Exception:
                self.proc.kill()
                self.proc.wait()
