"""The desktop app in its real window: tauri-driver (which runs WebKitWebDriver) launches the
built app for a WebDriver session; helpers find elements by their data-testid
(/work/desk/.coord/TESTIDS.md, ui/) and save screenshots of the X display."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from proctree import descendants, processes
from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.support.ui import WebDriverWait

SHOTS = Path(__file__).resolve().parent / "screenshots"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TauriDriver:
    """A tauri-driver process; the app it launches inherits `env`."""

    def __init__(self, binary: str, env: dict, log: Path):
        self.port, self.native_port = free_port(), free_port()
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--native-port", str(self.native_port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        # Both must accept: tauri-driver forwards to WebKitWebDriver on the native port.
        while not (port_open(self.port) and port_open(self.native_port)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tauri-driver did not start (see {log})")
            time.sleep(0.1)

    def stop(self):
        # The app can outlive its session (hidden in the tray it ignores a close) and the
        # WebKitWebDriver between: a leftover app would take the next launch's place (the
        # app is single-instance) and that session would never start. Kill what is left.
        left = descendants(processes(), self.proc.pid)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.log.close()


class App:
    """One launch of the app through a WebDriver session."""

    def __init__(self, driver: TauriDriver, application: str, args: list[str] | None = None,
                 prefix: str = "app"):
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": application, "args": args or []})
        self.launched_at = time.monotonic()
        # A WebDriver command that never answers fails after a minute instead of hanging.
        config = ClientConfig(remote_server_addr=f"http://127.0.0.1:{driver.port}", timeout=60)
        self.wd = webdriver.Remote(command_executor=config.remote_server_addr, options=opts,
                                   client_config=config)
        self.prefix = prefix
        self.shots: list[Path] = []

    # --- finding -------------------------------------------------------------------------------

    def find(self, testid: str, within=None):
        return (within or self.wd).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def find_all(self, testid: str, within=None):
        return (within or self.wd).find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def find_prefix(self, prefix: str):
        return self.wd.find_elements(By.CSS_SELECTOR, f'[data-testid^="{prefix}"]')

    def until(self, fn, timeout: float = 20, what: str = "a condition"):
        """Polls `fn` (None/False/exception = not yet) until it returns something truthy."""
        def probe(_):
            try:
                return fn()
            except (NoSuchElementException, StaleElementReferenceException):
                return None
        try:
            return WebDriverWait(self.wd, timeout, poll_frequency=0.1).until(probe)
        except Exception as e:
            self.shot(f"FAILED-{what.replace(' ', '-')[:40]}")
            raise AssertionError(f"app: {what} did not happen within {timeout} s") from e

    def wait_testid(self, testid: str, timeout: float = 20):
        return self.until(lambda: self.find(testid), timeout, f"{testid} to appear")

    def wait_gone(self, testid: str, timeout: float = 20):
        self.until(lambda: not self.find_all(testid), timeout, f"{testid} to go away")

    def screen(self) -> str:
        return self.find("app-root").get_attribute("data-screen")

    def wait_screen(self, name: str, timeout: float = 20):
        self.until(lambda: self.screen() == name, timeout, f"the {name} screen")

    def text(self, testid: str, within=None) -> str:
        """The element's text content, visible or not (a collapsed sidebar still names it)."""
        return (self.find(testid, within).get_attribute("textContent") or "").strip()

    def attr(self, testid: str, name: str) -> str | None:
        return self.find(testid).get_attribute(name)

    def click(self, testid: str, within=None, timeout: float = 10):
        el = self.until(lambda: (lambda e: e if e.is_enabled() and e.is_displayed() else None)(
            self.find(testid, within)), timeout, f"{testid} to be clickable")
        el.click()
        return el

    def click_to_quit(self, testid: str, timeout: float = 10):
        """Clicks a control that quits the app. The app may be gone before the driver answers
        the click (it then answers with an error): that is the click's effect, not a failure;
        the caller checks that the process has ended."""
        el = self.until(lambda: (lambda e: e if e.is_enabled() and e.is_displayed() else None)(
            self.find(testid)), timeout, f"{testid} to be clickable")
        try:
            el.click()
        except WebDriverException:
            pass

    def type(self, testid: str, text: str):
        el = self.find(testid)
        el.clear()
        el.send_keys(text)

    def set_value(self, css: str, value: str):
        """Sets an input/select value the way a person's change would (input + change events)."""
        self.wd.execute_script(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];"
            "e.dispatchEvent(new Event('input', {bubbles: true}));"
            "e.dispatchEvent(new Event('change', {bubbles: true}));", css, value)

    # --- pictures ------------------------------------------------------------------------------

    def shot(self, name: str) -> Path:
        """Saves the X display as screenshots/<prefix>-<name>.png (the WebDriver view if no X)."""
        SHOTS.mkdir(exist_ok=True)
        path = SHOTS / f"{self.prefix}-{name}.png"
        time.sleep(0.3)  # let transitions settle
        done = False
        if os.environ.get("DISPLAY"):
            done = subprocess.run(["import", "-window", "root", str(path)],
                                  capture_output=True).returncode == 0
        if not done:
            self.wd.save_screenshot(str(path))
        self.shots.append(path)
        return path

    def quit(self):
        try:
            self.wd.quit()
        except Exception:
            pass
