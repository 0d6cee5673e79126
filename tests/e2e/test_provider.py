"""Sign-in for experts through their provider (dialect 001 with the reference server's login
endpoint, our extension in tests/servers/login.js): the provider file names the server and the
login URL; the expert sees the provider's name and only a user name and password. A wrong
password is refused in the login server's words; the right one signs in; a token near its
expiry is replaced by a fresh login before the app uses it again (the REST call that takes the
expert online); a quick reply goes into the chat with Ctrl+1; the client's earlier
consultations sit beside the chat. Neither the password nor a token is written to a file."""

import json
import time
import urllib.request

from conftest import MINUTE_MS, assert_token_nowhere
from flows import open_consultation, request_card

PASSWORD = "parlor-demo"
TTL_S = 8  # tokens from the login live 8 s: the app must refresh within the test


def logins(server) -> int:
    with urllib.request.urlopen(f"{server.url}/api/login/stats", timeout=5) as r:
        return json.load(r)["logins"]


def provider_file(sandbox, server) -> str:
    path = sandbox["tmp"] / "provider.toml"
    path.write_text(
        'name = "AstroVani"\n'
        'tagline = "Your clients are waiting"\n'
        'accent = "#0f766e"\naccent_dark = "#042f2e"\ncurrency = "INR"\n'
        f'dialect = "presence-sessions"\nsocket_url = "{server.url}"\nrest_url = "{server.url}"\n'
        f"billing_minute_ms = {MINUTE_MS}\n"
        f'[login]\nurl = "{server.url}/api/login"\nusername_label = "Astrologer id"\n')
    return str(path)


def test_an_expert_signs_in_with_their_provider_login(launch, sandbox, user_factory, request):
    import os
    os.environ["PARLOR_LOGIN_TOKEN_TTL_S"] = str(TTL_S)
    try:
        server = request.getfixturevalue("server001")
    finally:
        del os.environ["PARLOR_LOGIN_TOKEN_TTL_S"]
    app = launch(["--provider", provider_file(sandbox, server)])
    app.wait_screen("signin", 60)
    app.wait_testid("provider-form")
    if app.find_all("provider-forget"):  # the suite's keyring is shared: an earlier test's login
        app.click("provider-forget")
    assert app.text("signin-brand") == "AstroVani"
    # Only the expert's own credentials; the server's details are for app teams, folded away.
    assert not app.find_all("signin-dialect") or not app.find("signin-dialect").is_displayed()
    app.shot("01-provider-signin-en")

    app.type("provider-username", "astro_sharma")
    app.type("provider-password", "not-my-password")
    app.click("provider-submit")
    err = app.wait_testid("provider-error")
    assert "Wrong user name or password" in err.text, err.text
    app.shot("02-provider-wrong-password")

    app.type("provider-password", PASSWORD)
    app.click("provider-submit")
    app.wait_screen("dashboard", 30)
    signed_in_at = time.monotonic()
    assert logins(server) == 1
    app.until(lambda: app.text("account-name") in ("astro_sharma", "Pandit Sharma"), 10, "who")

    # The token lives 8 s and is replaced 5 s before its end: going online (a REST call) after
    # that logs in again first, so the server accepts it.
    while time.monotonic() - signed_in_at < 3.5:
        time.sleep(0.2)
    user = user_factory(server, "presence-sessions", "user_asha")
    user.call("wait_connected")
    user.call("watch_experts")
    app.click("presence-online")
    app.until(lambda: app.attr("presence-toggle", "data-presence") == "online", 10, "online")
    user.wait(lambda m: m.get("event") in ("experts_online", "expert_updated")
              and "astro_sharma" in str(m) and '"online"' in str(m).replace("'", '"'),
              10, "the expert online for the user")
    assert logins(server) >= 2, "the token near its expiry was not refreshed"

    sent = user.call("request_consultation", expert_id="astro_sharma", kind="text")
    session = next(e["consultation_id"] for e in sent["result"]
                   if e["event"] == "consultation_request_sent")
    app.click("request-accept", request_card(app))
    user.event("consultation_answered", outcome="accepted", consultation_id=session)
    open_consultation(app)
    user.call("join_conversation", conversation_id=session)
    app.wait_testid("client-context")
    box = app.wait_testid("chat-input")
    from selenium.webdriver.common.keys import Keys
    box.send_keys(Keys.CONTROL, "1")
    app.until(lambda: app.find("chat-input").get_attribute("value").startswith("Namaste!"), 5,
              "the first quick reply in the box")
    app.click("chat-send")
    user.wait(lambda m: m.get("event") == "message_received"
              and m["message"].get("text", "").startswith("Namaste! I am looking at your chart"),
              15, "the quick reply at the user")
    app.shot("03-quick-reply-and-client")
    app.click("consultation-end")
    app.click("confirm-ok")
    app.wait_testid("bill-dialog")
    app.click("bill-close")

    # Signed out, the provider offers to continue as the same expert (credentials in the keyring).
    app.click("nav-signout")
    app.wait_testid("provider-saved")
    assert "astro_sharma" in app.text("provider-saved-signin")
    app.shot("04-provider-continue-as")
    app.quit()
    assert_token_nowhere(PASSWORD, sandbox)


def test_first_start_speaks_the_systems_language(sandbox, request):
    """A Hindi system (LANG=hi_IN) gets the app in Hindi at first start, provider screen too."""
    sandbox["env"]["LANG"] = "hi_IN.UTF-8"
    server = request.getfixturevalue("server001")
    launch = request.getfixturevalue("launch")  # after the env change: the app inherits it
    app = launch(["--provider", provider_file(sandbox, server)])
    app.wait_testid("provider-form")
    if app.find_all("provider-forget"):  # the suite's keyring is shared: an earlier test's login
        app.click("provider-forget")
    app.until(lambda: app.text("provider-submit") == "साइन इन करें", 10, "the sign-in in Hindi")
    app.shot("05-provider-signin-hi")
    app.type("provider-username", "astro_sharma")
    app.type("provider-password", PASSWORD)
    app.click("provider-submit")
    app.wait_screen("dashboard", 30)
    app.until(lambda: app.text("presence-online") == "ऑनलाइन", 10, "the dashboard in Hindi")
    app.shot("06-dashboard-hi")
    app.click("presence-busy")
    app.until(lambda: "व्यस्त" in app.text("request-empty-text"), 10, "the busy text in Hindi")
    app.shot("07-busy-hi")
