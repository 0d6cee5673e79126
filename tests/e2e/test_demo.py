"""The README's demo in the real window: the app launched with `--demo <profile.toml>` signs in
by itself and `parlor demo-user` (the scripted user of tests/demo.sh) plays the user: on 001
(the demo's default) the expert goes online, accepts and answers in the window, the user's
messages arrive; on 000 the user waits for a billed minute. The user ends; both sides see the
same bill."""

import subprocess
import threading
from decimal import Decimal

import pytest

from conftest import MINUTE_MS, assert_token_nowhere
from flows import money, request_card

DEMOS = {
    "billing-chat": ("server000", "a-sharma"),
    "presence-sessions": ("server001", "astro_sharma"),
}


@pytest.mark.parametrize("dialect", list(DEMOS))
def test_demo_mode_with_the_scripted_user(dialect, launch, bins, sandbox, request):
    fixture, expert = DEMOS[dialect]
    server = request.getfixturevalue(fixture)
    token_file = sandbox["tmp"] / "expert.token"
    token_file.write_text(server.mint(expert))
    token_file.chmod(0o600)
    profile = sandbox["tmp"] / "expert.toml"
    profile.write_text(
        f'name = "Demo: Pandit Sharma"\ndialect = "{dialect}"\nsocket_url = "{server.url}"\n'
        f'rest_url = "{server.url}"\naccount_id = "{expert}"\nbilling_minute_ms = {MINUTE_MS}\n'
        f'[token]\nfile = "{token_file}"\n')
    app = launch(["--demo", str(profile)])
    app.prefix += f"-{dialect}"
    app.wait_screen("dashboard", 30)
    # The server's name for the account when it says one, else the account id.
    app.until(lambda: app.text("account-name") in (expert, "Pandit Sharma"), 10,
              "the signed-in account's name")
    app.shot("01-signed-in")

    user = subprocess.Popen(
        [bins["parlor"], "demo-user", "--url", server.url, "--dialect", dialect,
         "--billing-minute-ms", str(MINUTE_MS), "--patience-secs", "60", "--pace-ms", "500",
         "--reply-wait-secs", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    transcript: list[str] = []
    reader = threading.Thread(target=lambda: transcript.extend(user.stdout), daemon=True)
    reader.start()
    try:
        if dialect == "presence-sessions":
            app.click("presence-online")
        card = request_card(app, 30)
        assert app.text("request-user", card) == "Asha Verma"
        app.shot("02-request")
        app.click("request-accept", card)
        if dialect == "presence-sessions":
            app.until(lambda: app.find_all("message-bubble"), 20, "the user's first message")
            app.wait_testid("chat-input").send_keys("Yes: Jupiter favours you from June.")
            app.click("chat-send")
            app.shot("03-chat")
        app.until(lambda: app.attr("meter", "data-running") == "true", 20, "the meter to run")
        app.shot("04-meter")
        bill = app.wait_testid("bill-dialog", MINUTE_MS / 1000 + 60)
        app.shot("05-bill")
        assert user.wait(timeout=20) == 0, "".join(transcript)
    finally:
        if user.poll() is None:
            user.kill()
            user.wait()
    reader.join(5)
    text = "".join(transcript)
    if dialect == "presence-sessions":
        assert f"{expert:<16} says: Yes: Jupiter favours you from June." in text, text
    line = next(l for l in text.splitlines() if "] bill" in l)
    total = line.split(" = ")[1].split()[0]
    assert money(app.find("bill-total", bill)) == Decimal(total), text
    app.quit()
    assert_token_nowhere(token_file.read_text(), sandbox)
