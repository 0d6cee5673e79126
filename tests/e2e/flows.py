"""Steps the tests share: signing in through the form, checking the keyring, accepting."""

import subprocess
from decimal import Decimal

from appdriver import App
from conftest import APP_ID


def sign_in(app: App, name: str, url: str, dialect: str, account: str, token: str,
            minute_ms: int | None = None, shot_prefix: str = "00"):
    """Fills the profile form (token included) and signs in; ends on the dashboard."""
    app.wait_screen("signin", 60)
    app.wait_testid("signin-form")
    app.shot(f"{shot_prefix}-signin-empty")
    app.type("signin-name", name)
    app.type("signin-url", url)
    app.set_value('[data-testid="signin-dialect"]', dialect)
    app.type("signin-account", account)
    app.type("signin-token", token)
    if minute_ms:
        app.wd.execute_script("document.querySelector('details.advanced').open = true")
        app.type("signin-minute-ms", str(minute_ms))
    assert app.find("signin-token").get_attribute("type") == "password"
    app.shot(f"{shot_prefix}-signin-filled")
    app.click("signin-submit")
    app.wait_screen("dashboard", 30)


def keyring_secrets() -> str:
    """What the Secret Service holds for the app (secret-tool prints `secret = …` lines)."""
    out = subprocess.run(["secret-tool", "search", "--all", "--unlock", "service", APP_ID],
                         capture_output=True, text=True, timeout=20)
    return out.stdout + out.stderr


def request_card(app: App, timeout: float = 20):
    return app.until(lambda: (app.find_prefix("request-card-") or [None])[0], timeout,
                     "the incoming request card")


def money(el) -> Decimal:
    return Decimal(el.get_attribute("data-amount"))


def open_consultation(app: App):
    """The consultation screen (the app switches to it by itself; the card opens it too)."""
    def there():
        if app.screen() == "consultation":
            return True
        if app.find_all("open-consultation"):
            app.find("open-consultation").click()
        return False
    app.until(there, 20, "the consultation screen")
    return app.wait_testid("consultation-screen")
