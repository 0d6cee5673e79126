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


# A sound card made of files (tests/harness/tests/voice.rs does the same): the default ALSA
# device writes what the app plays to ALSA_PLAYBACK_OUT as raw 16-bit mono 48 kHz, appending
# every time it is opened (the ring opens it for each chime), so the suite can measure it.
ASOUND_CONF = """
pcm.!default { type asym  playback.pcm "fileplay"  capture.pcm "filecap" }
pcm.filecap  { type plug slave { pcm "filecap_raw" format S16_LE rate 48000 channels 1 } }
pcm.filecap_raw { type file slave.pcm "nullsink" file "/dev/null"
    infile { @func getenv vars [ ALSA_CAPTURE_IN ] default "/dev/zero" } format "raw" }
pcm.fileplay { type plug slave { pcm "fileplay_raw" format S16_LE rate 48000 channels 1 } }
pcm.fileplay_raw { type file slave.pcm "nullsink" truncate false
    file { @func getenv vars [ ALSA_PLAYBACK_OUT ] default "/dev/null" } format "raw" }
pcm.nullsink { type null }
"""


@pytest.fixture
def sandbox(tmp_path):
    """The app's XDG dirs (data, config, cache, state) and home in a scratch folder, its
    speakers as a file (`played`), plus logs."""
    home = tmp_path / "xdg"
    dirs = {k: home / k.lower() for k in ("DATA", "CONFIG", "CACHE", "STATE")}
    for d in dirs.values():
        d.mkdir(parents=True)
    asound = tmp_path / "asound.conf"
    asound.write_text(ASOUND_CONF)
    played = tmp_path / "played.raw"
    env = {**os.environ, **{f"XDG_{k}_HOME": str(v) for k, v in dirs.items()},
           # Start-at-login entries go to $HOME/.config/autostart (the autostart crate's rule).
           "HOME": str(home),
           "ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{asound}",
           "ALSA_PLAYBACK_OUT": str(played),
           "LANG": "en_IN.UTF-8",
           "RUST_LOG": os.environ.get("RUST_LOG", "debug"),
           # No GPU under Xvfb: software rendering, without the DMA-BUF renderer's warnings.
           "WEBKIT_DISABLE_DMABUF_RENDERER": "1"}
    logs = tmp_path / "logs"
    logs.mkdir()
    return {"env": env, "home": home, "logs": logs, "tmp": tmp_path, "played": played}


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
    if bins["app"].startswith("/usr/"):
        prefix = f"installed-{prefix}"

    def go(args=None):
        app = App(driver, bins["app"], args, prefix=prefix)
        app.bins, app.driver = bins, driver
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


@pytest.fixture(scope="session")
def desktop():
    """The notification daemon and tray host on the suite's D-Bus session (desktop_bus.py)."""
    from desktop_bus import DesktopBus
    bus = DesktopBus()
    yield bus
    bus.stop()


@pytest.fixture
def xwin():
    from xwindow import XWindows
    return XWindows()


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


def files_under(root) -> list[Path]:
    """Every file under `root`; folders that vanish while walking (WebKit removing its scratch
    storage as the app quits) are skipped."""
    out = []
    for dirpath, _dirs, names in os.walk(root, onerror=lambda _e: None):
        out += [Path(dirpath) / n for n in names]
    return out


def assert_token_nowhere(token: str, sandbox):
    """The token is in no file of the app's dirs and in no log (it lives in the keyring)."""
    needle = token.encode()
    leaks = []
    for root in (sandbox["home"], sandbox["logs"]):
        for p in files_under(root):
            try:
                if needle in p.read_bytes():
                    leaks.append(str(p))
            except (FileNotFoundError, IsADirectoryError):
                pass  # WebKit removing its scratch storage as the app quits

    assert not leaks, f"the token was written to {leaks}"
    # The app did write something there, or the check above proves nothing.
    written = files_under(sandbox["home"])
    assert any(APP_ID in str(p) for p in written), f"the app stored nothing: {written}"
