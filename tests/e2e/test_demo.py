"""The README's demo in the real window: the app launched with `--demo <profile.toml>` signs in
by itself, `parlor demo-user` (the scripted user of tests/demo.sh) asks for a chat, the expert
accepts in the window, the user waits for a billed minute and ends, both see the bill."""

import subprocess
import threading
from decimal import Decimal

from conftest import MINUTE_MS, assert_token_nowhere
from flows import money, request_card


def test_demo_mode_with_the_scripted_user(launch, bins, server000, sandbox):
    token_file = sandbox["tmp"] / "expert.token"
    token_file.write_text(server000.mint("a-sharma"))
    token_file.chmod(0o600)
    profile = sandbox["tmp"] / "expert.toml"
    profile.write_text(
        f'name = "Demo: Pandit Sharma"\ndialect = "billing-chat"\nsocket_url = "{server000.url}"\n'
        f'account_id = "a-sharma"\nbilling_minute_ms = {MINUTE_MS}\n'
        f'[token]\nfile = "{token_file}"\n')
    app = launch(["--demo", str(profile)])
    app.wait_screen("dashboard", 30)
    assert app.text("account-name") == "a-sharma"
    app.shot("01-signed-in")

    user = subprocess.Popen(
        [bins["parlor"], "demo-user", "--url", server000.url, "--dialect", "billing-chat",
         "--billing-minute-ms", str(MINUTE_MS), "--patience-secs", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    transcript: list[str] = []
    reader = threading.Thread(target=lambda: transcript.extend(user.stdout), daemon=True)
    reader.start()
    try:
        card = request_card(app, 30)
        assert app.text("request-user", card) == "Asha Verma"
        app.shot("02-request")
        app.click("request-accept", card)
        app.until(lambda: app.attr("meter", "data-running") == "true", 20, "the meter to run")
        app.shot("03-meter")
        bill = app.wait_testid("bill-dialog", MINUTE_MS / 1000 + 30)
        app.shot("04-bill")
        assert user.wait(timeout=20) == 0, "".join(transcript)
    finally:
        if user.poll() is None:
            user.kill()
            user.wait()
    reader.join(5)
    text = "".join(transcript)
    line = next(l for l in text.splitlines() if "] bill" in l)
    total = line.split(" = ")[1].split()[0]
    assert money(app.find("bill-total", bill)) == Decimal(total), text
    app.quit()
    assert_token_nowhere(token_file.read_text(), sandbox)
