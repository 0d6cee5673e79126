"""The expert's working session in the real window (dialect 000, billing chat): sign in with
the token kept in the keyring, a user's request with a countdown, accept, the live meter,
pause, resume, end, the bill, the history. The user is the harness (`parlor connect`)."""

import time
from decimal import Decimal

from conftest import MINUTE_MS, assert_token_nowhere
from flows import keyring_secrets, money, open_consultation, request_card, sign_in


def test_expert_runs_a_billed_consultation(launch, server000, user_factory, sandbox):
    token = server000.mint("a-sharma")
    app = launch()
    sign_in(app, "Reference 000", server000.url, "billing-chat", "a-sharma", token, MINUTE_MS)
    app.shot("02-dashboard")
    app.until(lambda: app.text("account-name") in ("a-sharma", "Pandit Sharma"), 10,
              "the signed-in account's name")
    # 000 has no presence toggle: online while connected, and the app says so.
    app.wait_testid("presence-note")
    app.wait_testid("request-empty")
    assert token in keyring_secrets(), "the token is not in the keyring"

    user = user_factory(server000, "billing-chat", "u-asha", MINUTE_MS)
    user.call("wait_connected")
    sent = user.call("request_consultation", expert_id="a-sharma", kind="text")
    room = next(e["consultation_id"] for e in sent["result"]
                if e["event"] == "consultation_request_sent")

    card = request_card(app)
    assert card.get_attribute("data-consultation-id") == room
    assert card.get_attribute("data-kind") == "text"
    assert app.text("request-user", card) == "Asha Verma"
    assert "chat" in app.text("request-kind", card).lower()
    assert "10.00" in app.text("request-rate", card)
    left = int(app.find("request-countdown", card).get_attribute("data-seconds-left"))
    assert 0 < left <= 120
    app.until(lambda: int(app.find("request-countdown", card).get_attribute("data-seconds-left")) < left,
              5, "the countdown to count down")
    app.shot("03-request")

    app.click("request-accept", card)
    user.event("consultation_answered", outcome="accepted", consultation_id=room)
    screen = open_consultation(app)
    assert screen.get_attribute("data-consultation-id") == room
    app.until(lambda: app.text("consultation-peer") == "Asha Verma", 10, "the user's name")
    # 000 carries no chat messages: the screen says so instead of offering a composer.
    app.wait_testid("chat-unsupported")
    app.shot("04-accepted")

    # Either party starts billing on 000; the expert does it here, in the window.
    app.click("consultation-start")
    user.event("consultation_started", timeout=10)
    app.until(lambda: app.attr("meter", "data-running") == "true", 10, "the meter to run")
    tick = user.wait(lambda m: m.get("event") == "meter_tick" and m.get("minutes") == "1",
                     MINUTE_MS / 1000 + 10, "the first billed minute")
    app.until(lambda: money(app.find("meter-cost")) >= Decimal(tick["cost"]["amount"]), 10,
              "the window's meter to show the billed minute")
    elapsed = int(app.attr("meter-elapsed", "data-elapsed-ms"))
    assert elapsed >= MINUTE_MS
    # 000 tells only the user their balance (chat-timer), so the expert's meter shows no
    # remaining time here; 001 and the unit tests cover it.
    app.shot("05-meter")

    app.click("consultation-pause")
    user.event("consultation_paused", consultation_id=room, timeout=10)
    app.until(lambda: app.attr("consultation-screen", "data-state") == "paused", 10, "paused")
    app.until(lambda: app.attr("meter", "data-running") == "false", 5, "the meter to stop")
    frozen = app.attr("meter-elapsed", "data-elapsed-ms")
    time.sleep(2)
    assert app.attr("meter-elapsed", "data-elapsed-ms") == frozen, "the meter moved while paused"
    app.shot("06-paused")

    app.click("consultation-resume")
    user.event("consultation_resumed", consultation_id=room, timeout=10)
    app.until(lambda: app.attr("consultation-screen", "data-state") == "active", 10, "active again")
    app.until(lambda: int(app.attr("meter-elapsed", "data-elapsed-ms")) > int(frozen), 5,
              "the meter to run again")
    app.shot("07-resumed")

    app.click("consultation-end")
    app.wait_testid("confirm-dialog")
    app.shot("08-confirm-end")
    app.click("confirm-ok")
    ended = user.event("consultation_ended", timeout=10)
    bill = app.wait_testid("bill-dialog")
    minutes = Decimal(ended["minutes"])
    total = Decimal(ended["total"]["amount"])
    assert minutes >= 2 and total == minutes * Decimal("10.00")
    assert money(app.find("bill-total", bill)) == total
    assert str(minutes.normalize()) in app.text("bill-minutes", bill)
    assert "10.00" in app.text("bill-rate", bill)
    assert app.text("bill-ended-by", bill)
    app.shot("09-bill")

    app.click("bill-close")
    app.wait_screen("dashboard")
    app.click("nav-history")
    app.wait_screen("history")
    row = app.wait_testid(f"history-row-{room}")
    assert money(app.find("history-amount", row)) == total
    assert "Asha Verma" in app.text("history-peer", row)
    app.until(lambda: money(app.find("earnings-total")) >= total, 5, "the earnings to count it")
    app.shot("10-history")

    app.quit()
    assert_token_nowhere(token, sandbox)
