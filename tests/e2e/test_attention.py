"""A request that cannot be missed, and an app that is always there, in the real window with
the desktop around it played on D-Bus (desktop_bus.py) and speakers made of a file (conftest's
ALSA device): closing the window while available hides it to the tray (said once); a request
rings again and again (the bundled chime, at the settings' volume) and raises a notification;
clicking it brings the window back at the request; accepting stops the ring. The tray shows the
presence, changes it, and quitting from it asks, then goes offline on the server first."""

import array
import os
import time
import wave
from pathlib import Path

from conftest import MINUTE_MS
from flows import request_card, sign_in
from proctree import descendants, processes
from refserver import ROOT

RING_WAV = ROOT / "core" / "src" / "voice" / "ring.wav"
SILENCE = 300  # |sample| below this is silence


def played_files(path: Path) -> list[Path]:
    """What the speakers got: ALSA's file device does not append to an existing file, it opens
    `<file>.0001`, `.0002`, … instead, so every opening of the device (one per chime) is a file."""
    return sorted(path.parent.glob(path.name + "*"))


def samples(path: Path) -> array.array:
    data = array.array("h")
    for f in played_files(path):
        raw = f.read_bytes()
        data.frombytes(raw[: len(raw) // 2 * 2])
    return data


def audible(path: Path) -> int:
    """Samples above silence that the app has played so far."""
    return sum(1 for x in samples(path) if x > SILENCE or x < -SILENCE)


def played_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in played_files(path))


def chime_reference(volume: float = 0.8) -> tuple[int, int]:
    """The bundled chime at 48 kHz as the app plays it at `volume`: (audible samples, peak at
    full volume)."""
    with wave.open(str(RING_WAV)) as w:
        rate, raw = w.getframerate(), w.readframes(w.getnframes())
    data = array.array("h")
    data.frombytes(raw)
    loud = sum(1 for x in data if abs(x) * volume > SILENCE)
    return loud * 48_000 // rate, max(abs(x) for x in data)


def app_pids(bins, driver):
    procs = processes()
    app = os.path.realpath(bins["app"])
    return [p for p in descendants(procs, driver.proc.pid) if procs[p][1] == app]


def stays_still(path: Path, seconds: float) -> bool:
    """True when nothing more is played for `seconds` (longer than the ring's period)."""
    size = played_bytes(path)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if played_bytes(path) != size:
            return False
        time.sleep(0.1)
    return True


def test_a_request_rings_until_answered_and_its_notification_brings_the_window(
        launch, server000, user_factory, sandbox, desktop, xwin):
    played = sandbox["played"]
    token = server000.mint("a-sharma")
    app = launch()
    sign_in(app, "Reference 000", server000.url, "billing-chat", "a-sharma", token, MINUTE_MS)
    app.wait_testid("request-empty")
    assert "available" in app.text("request-empty-text")

    # The tray icon registers with the desktop's tray host and says the presence.
    app.until(desktop.tray_item, 20, "the tray icon to register")
    app.until(lambda: any(i["label"] == "Online" for i in desktop.tray_menu()), 15,
              "the tray menu to say Online")
    assert {"Go online", "Set busy", "Go offline", "Open Parlor", "Quit"} <= {
        i["label"] for i in desktop.tray_menu()}

    # Closing the window while available keeps Parlor running in the tray, and says so once.
    xwin.close()
    app.until(lambda: not xwin.shown(), 10, "the window to hide in the tray")
    app.until(lambda: any(n["summary"] == "Parlor is still running" for n in desktop.shown()),
              10, "the still-running notice")
    assert app_pids(app.bins, app.driver), "closing the window quit the app"

    user = user_factory(server000, "billing-chat", "u-asha", MINUTE_MS)
    user.call("wait_connected")
    sent = user.call("request_consultation", expert_id="a-sharma", kind="text")
    room = next(e["consultation_id"] for e in sent["result"]
                if e["event"] == "consultation_request_sent")

    # A notification names who asks; the window stays hidden until it is clicked.
    note = app.until(lambda: next((n for n in desktop.shown()
                                   if n["summary"] == "New consultation request"), None),
                     15, "the request's notification")
    assert note["body"] == "Asha Verma asks for a chat.", note
    assert "default" in note["actions"]
    # The ring repeats while the request waits: two chimes of the bundled sound at 80 %.
    chime, peak = chime_reference()
    app.until(lambda: audible(played) >= chime * 1.8, 20, "the ring to chime twice")
    # One opening of the speakers per chime: it repeats, it does not hold the device.
    assert len(played_files(played)) >= 2
    loudest = max(abs(x) for x in samples(played))
    assert 0.7 * peak <= loudest <= 0.9 * peak, (loudest, peak)
    app.until(lambda: xwin.title() == "(1) Parlor", 5, "the title to count the request")
    assert any("1 waiting" in i["label"] for i in desktop.tray_menu()), desktop.tray_menu()
    assert not xwin.shown()

    desktop.click(note["id"])
    app.until(xwin.shown, 10, "the notification's click to show the window")
    card = request_card(app)
    assert card.get_attribute("data-consultation-id") == room
    app.until(lambda: card.get_attribute("data-highlight") == "true", 5, "the request highlighted")
    app.shot("01-request-from-notification")

    app.click("request-accept", card)
    user.event("consultation_answered", outcome="accepted", consultation_id=room)
    app.until(lambda: xwin.title() == "Parlor", 10, "the title to drop the count")
    rang = audible(played)
    # Stopped: nothing more is played over longer than the ring's 3 s period.
    app.until(lambda: stays_still(played, 0.5), 10, "the last chime to end")
    assert stays_still(played, 4.5), "the ring went on after the request was accepted"
    assert rang >= chime * 1.8
    app.shot("02-accepted-ring-stopped")


def test_the_tray_changes_presence_and_quitting_goes_offline_first(
        launch, server001, user_factory, sandbox, desktop, xwin):
    token = server001.mint("astro_sharma")
    app = launch()
    sign_in(app, "Reference 001", server001.url, "presence-sessions", "astro_sharma", token,
            MINUTE_MS)
    user = user_factory(server001, "presence-sessions", "user_asha")
    user.call("wait_connected")
    user.call("watch_experts")
    app.until(desktop.tray_item, 20, "the tray icon to register")
    app.until(lambda: any(i["label"] == "Offline" for i in desktop.tray_menu()), 15,
              "the tray to say Offline")

    def seen_online(online: bool):
        return lambda m: (m.get("event") in ("experts_online", "expert_updated", "expert_removed")
                          and "astro_sharma" in str(m)
                          and (('"online"' in str(m).replace("'", '"')) == online
                               or (not online and m.get("event") == "expert_removed")))

    user.drain()
    desktop.tray_click("Go online")
    user.wait(seen_online(True), 15, "the expert online for the user")
    app.until(lambda: app.attr("presence-toggle", "data-presence") == "online", 10,
              "the window's toggle to follow the tray")
    app.until(lambda: any(i["label"] == "Online" for i in desktop.tray_menu()), 10, "tray: Online")

    user.drain()
    desktop.tray_click("Set busy")
    app.until(lambda: app.attr("presence-toggle", "data-presence") == "busy", 10, "busy")
    user.wait(seen_online(False), 15, "busy is offline for the user")
    assert "busy" in app.text("request-empty-text").lower()
    app.shot("03-busy")

    user.drain()
    desktop.tray_click("Go online")
    user.wait(seen_online(True), 15, "online again")
    user.drain()
    desktop.tray_click("Quit")
    app.wait_testid("confirm-dialog")
    assert "offline" in app.text("confirm-dialog").lower()
    app.shot("04-quit-asks")
    pids = app_pids(app.bins, app.driver)
    assert pids
    app.click_to_quit("confirm-ok")
    user.wait(seen_online(False), 15, "the expert offline for the user before the app quits")
    app.until(lambda: not app_pids(app.bins, app.driver), 15, "the app to quit")
