"""Presence and chat in the real window (dialect 001, presence + sessions): the expert goes
online and the user sees it, the request is accepted in the window, messages flow both ways,
the expert ends and sees the bill. The user is the harness (`parlor connect`)."""

from decimal import Decimal

from conftest import MINUTE_MS, assert_token_nowhere
from flows import money, open_consultation, request_card, sign_in


def test_expert_goes_online_and_chats_both_ways(launch, server001, user_factory, sandbox):
    token = server001.mint("astro_sharma")
    app = launch()
    sign_in(app, "Reference 001", server001.url, "presence-sessions", "astro_sharma", token,
            MINUTE_MS)

    user = user_factory(server001, "presence-sessions", "user_asha")
    user.call("wait_connected")
    user.call("watch_experts")
    app.click("presence-online")
    app.until(lambda: app.attr("presence-toggle", "data-presence") == "online", 10, "online")
    user.wait(lambda m: m.get("event") in ("experts_online", "expert_updated")
              and "astro_sharma" in str(m) and '"online"' in str(m).replace("'", '"'),
              10, "the expert to show online to the user")
    app.shot("01-online")

    sent = user.call("request_consultation", expert_id="astro_sharma", kind="text")
    session = next(e["consultation_id"] for e in sent["result"]
                   if e["event"] == "consultation_request_sent")
    card = request_card(app)
    assert app.text("request-user", card) == "Asha Verma"
    app.shot("02-request")
    app.click("request-accept", card)
    user.event("consultation_answered", outcome="accepted", consultation_id=session)
    open_consultation(app)
    user.call("join_conversation", conversation_id=session)

    user.call("send_message", conversation_id=session, client_id="u-1",
              text="Namaste! Will my business grow this year?")
    app.until(lambda: [b for b in app.find_all("message-bubble")
                       if b.get_attribute("data-own") == "false"
                       and "business grow" in app.text("message-text", b)],
              15, "the user's message in the window")
    app.shot("03-message-in")

    box = app.wait_testid("chat-input")
    box.send_keys("Jupiter favours you from June.")
    app.click("chat-send")
    got = user.wait(lambda m: m.get("event") == "message_received"
                    and m["message"].get("text") == "Jupiter favours you from June.",
                    15, "the expert's reply")
    assert got["message"]["sender"]["id"] == "astro_sharma"
    app.until(lambda: [b for b in app.find_all("message-bubble")
                       if b.get_attribute("data-own") == "true"
                       and b.get_attribute("data-state") in ("sent", "delivered", "read")],
              15, "the reply confirmed as sent")
    app.shot("04-message-out")

    app.until(lambda: int(app.attr("meter-elapsed", "data-elapsed-ms")) > 0, 10, "the meter")
    app.click("consultation-end")
    app.wait_testid("confirm-dialog")
    app.click("confirm-ok")
    ended = user.event("consultation_ended", timeout=15)
    bill = app.wait_testid("bill-dialog")
    total = Decimal(ended["total"]["amount"])
    assert total >= Decimal("10.00"), ended  # at least one started minute at 10.00
    assert money(app.find("bill-total", bill)) == total
    app.shot("05-bill")
    app.click("bill-close")
    app.click("nav-history")
    app.wait_testid(f"history-row-{session}")
    app.shot("06-history")

    app.quit()
    assert_token_nowhere(token, sandbox)
