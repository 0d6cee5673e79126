"""Updates in the real window: the app (built with the suite's test public key) asks a local
update feed, offers version 0.99.0 (a real build of the app with that version, made by run.sh),
refuses it when the file does not match its signature (nothing changes), then installs the
genuine signed file and restarts into the new version."""

import hashlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from appdriver import App
from conftest import MINUTE_MS
from flows import sign_in
from proctree import processes
from refserver import ROOT

TAURI = ROOT / "ui" / "node_modules" / ".bin" / "tauri"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sign(path: Path) -> str:
    """The update's signature with the suite's test key (the tauri CLI's minisign)."""
    subprocess.run([str(TAURI), "signer", "sign", "--private-key-path",
                    os.environ["PARLOR_E2E_UPDATE_KEY"], "--password", "parlor-e2e", str(path)],
                   check=True, capture_output=True, cwd=ROOT)
    return Path(f"{path}.sig").read_text().strip()


class Feed:
    """A local update server: latest.json and the files it names."""

    def __init__(self, root: Path):
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


def test_a_signed_update_installs_and_a_tampered_one_is_refused(
        bins, sandbox, server000, request):
    assert os.environ.get("PARLOR_E2E_NEXT_APP") and Path(os.environ["PARLOR_E2E_NEXT_APP"]).exists(), \
        "run through tests/e2e/run.sh, which builds the 0.99.0 update"
    tmp = sandbox["tmp"]
    # The running app is a copy in a folder of its own: the update replaces that file.
    installed = tmp / "app" / "parlor-desktop"
    installed.parent.mkdir()
    shutil.copy2(bins["app"], installed)
    before = sha(installed)

    feed_dir = tmp / "feed"
    feed_dir.mkdir()
    genuine = feed_dir / "parlor-0.99.0"
    shutil.copy2(os.environ["PARLOR_E2E_NEXT_APP"], genuine)
    signature = sign(genuine)
    tampered = feed_dir / "parlor-0.99.0-tampered"
    data = bytearray(genuine.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    feed = Feed(feed_dir)

    def offer(file: Path):
        (feed_dir / "latest.json").write_text(json.dumps({
            "version": "0.99.0", "notes": "Faster rings.", "pub_date": "2026-12-01T00:00:00Z",
            "platforms": {"linux-x86_64": {"signature": signature, "url": f"{feed.url}/{file.name}"}},
        }))

    sandbox["env"]["PARLOR_UPDATE_URL"] = f"{feed.url}/latest.json"
    driver = request.getfixturevalue("driver")  # after the env change: the app inherits it
    restarted = []
    app = None
    try:
        app = App(driver, str(installed), [], prefix="update")
        token = server000.mint("a-sharma")
        sign_in(app, "Reference 000", server000.url, "billing-chat", "a-sharma", token, MINUTE_MS)
        app.click("nav-settings")

        offer(tampered)
        app.click("update-check")
        offered = app.wait_testid("update-available")
        assert offered.get_attribute("data-version") == "0.99.0"
        app.shot("01-update-offered")
        app.click("update-install")
        err = app.wait_testid("update-error", 60)
        assert "refused" in err.text.lower() and "signature" in err.text.lower(), err.text
        assert sha(installed) == before, "a tampered update changed the app"
        app.wd.execute_script("arguments[0].scrollIntoView({block: 'center'})", err)
        app.shot("02-tampered-refused")

        offer(genuine)
        old_pids = {p for p, (_, exe, _) in processes().items() if exe == str(installed)}
        app.click("update-install")
        # The app installs the update into its own file and restarts into it.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and sha(installed) != sha(genuine):
            time.sleep(0.5)
        assert sha(installed) == sha(genuine), "the genuine update was not installed"
        while time.monotonic() < deadline:
            restarted = [p for p, (_, exe, _) in processes().items()
                         if exe == str(installed) and p not in old_pids]
            if restarted:
                break
            time.sleep(0.3)
        assert restarted, "the app did not restart after installing the update"
        log_dir = sandbox["home"] / "state" / "app.parlor.desktop" / "logs"
        while time.monotonic() < deadline:
            text = "".join(p.read_text(errors="replace") for p in log_dir.glob("parlor*.log"))
            if "version=0.99.0" in text and "Parlor starting" in text:
                break
            time.sleep(0.3)
        assert "version=0.99.0" in text, "the restarted app is not the new version"
    finally:
        if app:
            app.quit()
        for p in restarted:
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        feed.stop()
