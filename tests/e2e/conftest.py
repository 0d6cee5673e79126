"""Fixtures of the desktop end-to-end suite: the built app and tools, a scratch home for the
app's data/config/cache dirs, tauri-driver, app launches, reference servers, harness users.
Run through tests/e2e/run.sh (Xvfb, a D-Bus session with an unlocked gnome-keyring)."""

import os
from pathlib import Path

import pytest

from appdriver import App, TauriDriver
from harness_user import HarnessUser
from refserver import ROOT, RefServer

TARGET = Path(os.environ.get("CARGO_TARGET_DIR", "/var/tmp/parlor-target"))
TOOLS = Path(os.environ.get("PARLOR_TOOLS_DIR", "/var/tmp/parlor-tools"))
APP_ID = "app.parlor.desktop"
# A billed minute of 3 s: the meter ticks within the test's patience.
MINUTE_MS = 3000


@pytest.fixture(scope="session")
def bins():
    b = {
        "app": os.environ.get("PARLOR_DESKTOP_APP", str(TARGET / "debug" / "parlor-desktop")),
        "parlor": os.environ.get("PARLOR_BIN", str(TARGET / "debug" / "parlor")),
        "tauri_driver": os.environ.get("PARLOR_TAURI_DRIVER",
                                       str(TOOLS / "cargo" / "bin" / "tauri-driver")),
    }
    for name, path in b.items():
        assert os.access(path, os.X_OK), f"{name} not built: {path} (tests/e2e/run.sh builds it)"
    return b


@pytest.fixture
def sandbox(tmp_path):
    """The app's XDG dirs (data, config, cache, state) in a scratch folder, plus logs."""
    home = tmp_path / "xdg"
    dirs = {k: home / k.lower() for k in ("DATA", "CONFIG", "CACHE", "STATE")}
    for d in dirs.values():
        d.mkdir(parents=True)
    env = {**os.environ, **{f"XDG_{k}_HOME": str(v) for k, v in dirs.items()},
           "RUST_LOG": os.environ.get("RUST_LOG", "debug"),
           # No GPU under Xvfb: software rendering, without the DMA-BUF renderer's warnings.
           "WEBKIT_DISABLE_DMABUF_RENDERER": "1"}
    logs = tmp_path / "logs"
    logs.mkdir()
    return {"env": env, "home": home, "logs": logs, "tmp": tmp_path}


@pytest.fixture
def driver(bins, sandbox):
    d = TauriDriver(bins["tauri_driver"], sandbox["env"], sandbox["logs"] / "tauri-driver.log")
    yield d
    d.stop()


@pytest.fixture
def launch(bins, driver, request):
    """Launches the app (`args`: e.g. ["--demo", profile]); screenshots take the test's name."""
    apps = []
    prefix = request.node.originalname.removeprefix("test_")

    def go(args=None):
        app = App(driver, bins["app"], args, prefix=prefix)
        apps.append(app)
        return app
    yield go
    for a in apps:
        a.quit()


@pytest.fixture
def server000(sandbox):
    s = RefServer("000_billing_chat.js",
                  {"PARLOR_BILLING_MINUTE_MS": MINUTE_MS, "PARLOR_REQUEST_TIMEOUT_MS": 120000},
                  state_file=sandbox["tmp"] / "000-state.json", log=sandbox["logs"] / "server.log")
    yield s
    s.stop()


@pytest.fixture
def server001(sandbox):
    s = RefServer("001_presence_sessions.js",
                  {"PARLOR_BILLING_MINUTE_MS": MINUTE_MS, "PARLOR_REQUEST_TIMEOUT_MS": 120000},
                  log=sandbox["logs"] / "server.log")
    yield s
    s.stop()


@pytest.fixture
def user_factory(bins, sandbox):
    users = []

    def make(server, dialect, account, minute_ms=None):
        log = open(sandbox["logs"] / f"user-{account}.log", "ab")
        u = HarnessUser(bins["parlor"], server.url, dialect, account, server.mint(account),
                        minute_ms=minute_ms, log=log)
        users.append(u)
        return u
    yield make
    for u in users:
        u.close()


def assert_token_nowhere(token: str, sandbox):
    """The token is in no file of the app's dirs and in no log (it lives in the keyring)."""
    needle = token.encode()
    leaks = []
    for root in (sandbox["home"], sandbox["logs"]):
        for p in Path(root).rglob("*"):
            try:
                if p.is_file() and needle in p.read_bytes():
                    leaks.append(str(p))
            except FileNotFoundError:
                pass  # WebKit removing its scratch storage as the app quits

    assert not leaks, f"the token was written to {leaks}"
    # The app did write something there, or the check above proves nothing.
    written = [p for p in Path(sandbox["home"]).rglob("*") if p.is_file()]
    assert any(APP_ID in str(p) for p in written), f"the app stored nothing: {written}"
