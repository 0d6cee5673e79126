"""A server restart in the middle of a billed consultation (000, state file): the window
shows the reconnecting banner, then recovers by itself and the consultation goes on."""

from conftest import MINUTE_MS
from flows import open_consultation, request_card, sign_in


def test_server_restart_shows_the_banner_and_recovers(launch, server000, user_factory):
    token = server000.mint("a-sharma")
    app = launch()
    sign_in(app, "Reference 000", server000.url, "billing-chat", "a-sharma", token, MINUTE_MS)
    assert not app.find_all("reconnect-banner")

    user = user_factory(server000, "billing-chat", "u-asha", MINUTE_MS)
    user.call("wait_connected")
    user.call("request_consultation", expert_id="a-sharma", kind="text")
    app.click("request-accept", request_card(app))
    open_consultation(app)
    app.click("consultation-start")
    app.until(lambda: app.attr("meter", "data-running") == "true", 10, "the meter to run")
    app.shot("01-running")

    server000.stop()
    banner = app.wait_testid("reconnect-banner", 20)
    assert banner.get_attribute("data-state") in ("reconnecting", "connecting")
    assert banner.text.strip(), "the banner says something"
    app.until(lambda: app.attr("meter", "data-running") == "false", 10,
              "the meter to stop while the server is away")
    app.shot("02-reconnecting")

    server000.restart()
    app.wait_gone("reconnect-banner", 30)
    app.until(lambda: app.attr("consultation-screen", "data-state") == "active", 20,
              "the consultation active again")
    user.call("wait_connected", timeout=30)
    app.until(lambda: app.attr("meter", "data-running") == "true", 20, "the meter to run again")
    app.shot("03-recovered")

    app.click("consultation-end")
    app.click("confirm-ok")
    app.wait_testid("bill-dialog", 15)
    app.shot("04-bill")
