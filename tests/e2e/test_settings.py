"""Settings, language and support in the real window (dialect 000): the settings screen, start
at login (the autostart entry appears and goes), the ring volume and a test chime through the
file-backed speakers, quick replies in the chat box, "Copy diagnostics" (version, the profile
without its token, log lines), the log file under the XDG state dir without the token, and the
whole app in Hindi with money as Indian readers read it. Screenshots of each screen in English
and Hindi."""

import subprocess

from conftest import MINUTE_MS, assert_token_nowhere
from flows import open_consultation, request_card, sign_in


def test_settings_language_autostart_and_diagnostics(launch, server000, user_factory, sandbox):
    token = server000.mint("a-sharma")
    app = launch()
    sign_in(app, "Reference 000", server000.url, "billing-chat", "a-sharma", token, MINUTE_MS)
    app.click("nav-settings")
    app.wait_testid("settings-screen")
    app.shot("01-settings-en")

    # Start at login: the desktop's autostart entry appears, starting Parlor in the tray.
    entry = sandbox["home"] / ".config" / "autostart" / "Parlor.desktop"
    assert not entry.exists()
    app.click("settings-autostart")
    app.until(entry.exists, 10, "the autostart entry")
    assert "--autostart" in entry.read_text(), entry.read_text()

    # The ring's volume, tried with the test button: one chime at 50 % on the file speakers.
    app.set_value('[data-testid="settings-volume"]', "50")
    app.until(lambda: '"ring_volume": 50' in (sandbox["home"] / "config" / "app.parlor.desktop"
                                              / "settings.json").read_text(), 10,
              "the volume saved")
    app.click("settings-test-ring")
    from test_attention import audible, chime_reference, samples
    chime, peak = chime_reference(0.5)
    app.until(lambda: audible(sandbox["played"]) >= chime * 0.9, 10, "the test chime to play")
    loudest = max(abs(x) for x in samples(sandbox["played"]))
    assert 0.4 * peak <= loudest <= 0.6 * peak, (loudest, peak)

    # Quick replies: a new phrase is saved and listed.
    app.type("settings-phrase-new", "Your Saturn period ends in March.")
    app.click("settings-phrase-add")
    app.until(lambda: "Saturn period" in app.text("settings-phrases"), 10, "the new phrase")

    # Diagnostics: what support needs, never the token.
    app.click("settings-diagnostics")
    text = app.until(lambda: app.find("settings-diagnostics-text").get_attribute("value"), 10,
                     "the diagnostics")
    assert "Parlor 0.1.0" in text and "billing-chat" in text and "a-sharma" in text, text
    assert "Last log lines" in text and "parlor" in text.lower()
    assert token not in text
    app.shot("02-diagnostics")
    logs = list((sandbox["home"] / "state" / "app.parlor.desktop" / "logs").glob("parlor*.log"))
    assert logs and logs[0].stat().st_size > 0, "no log file under the XDG state dir"

    app.click("settings-autostart")
    app.until(lambda: not entry.exists(), 10, "the autostart entry removed")

    # Hindi: the whole page switches at once, and stays after a restart of the screen.
    app.set_value('[data-testid="settings-language"]', "hi")
    app.until(lambda: app.text("nav-settings") == "सेटिंग्स", 10, "the page in Hindi")
    app.shot("03-settings-hi")
    app.click("nav-dashboard")
    app.until(lambda: "आने वाले अनुरोध" in app.find("app-root").text, 10, "the dashboard in Hindi")
    # Money: the rupee and Indian grouping from the start (no consultation yet: ₹0.00).
    assert "₹0.00" in app.text("earnings-today") or "0.00" in app.text("earnings-today")
    app.shot("04-dashboard-hi")

    user = user_factory(server000, "billing-chat", "u-asha", MINUTE_MS)
    user.call("wait_connected")
    user.call("request_consultation", expert_id="a-sharma", kind="text")
    card = request_card(app)
    assert app.text("request-accept", card) == "स्वीकार करें"
    assert "₹10.00" in app.text("request-rate", card)
    app.shot("05-request-hi")
    app.click("request-accept", card)
    open_consultation(app)
    app.wait_testid("client-context")
    app.shot("06-consultation-hi")
    app.click("consultation-end")
    app.click("confirm-ok")
    app.wait_testid("bill-dialog")
    app.shot("07-bill-hi")
    app.click("bill-close")
    app.click("nav-history")
    app.wait_screen("history")
    app.shot("08-history-hi")

    app.click("nav-signout")
    app.wait_screen("signin")
    app.until(lambda: "साइन इन" in app.find("app-root").text, 10, "the sign-in in Hindi")
    app.shot("09-signin-hi")
    app.quit()
    assert_token_nowhere(token, sandbox)
    # The desktop notification plugin and the log never saw it either.
    out = subprocess.run(["grep", "-rl", token, str(sandbox["home"])], capture_output=True)
    assert out.stdout == b"", out.stdout
