"""Push and logging through the real shared library: push payload fixtures of each kind (an
incoming request, an incoming call, a new message) decode into the same typed events the
socket brings and reach the client's services; registering a push token is Unsupported on
servers whose documents carry none; the app's logger receives the core's log lines and never a
token."""

import json
import os
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import parlor_ffi as ffi
from conftest import MemorySecrets, run, until

E = ffi.Event
FIXTURES = Path(__file__).parent / "push"


def offline_client(dialect, data_dir, account="me", namespace="/"):
    """A client of `dialect` whose server is down (port 9): a push wakes an app that is not
    connected yet."""
    profile = ffi.profile_new(dialect, "http://127.0.0.1:9")
    profile.rest_url = "http://127.0.0.1:9"
    profile.account_id = account
    profile.namespace = namespace
    return ffi.ParlorClient.connect(profile, MemorySecrets({"k": "t0ken-value"}), "k",
                                    os.path.join(data_dir, account))


def fixture(name):
    return (FIXTURES / name).read_text()


def test_a_pushed_request_is_the_same_typed_event_and_is_recorded(data_dir):
    client = offline_client(ffi.Dialect.BILLING_CHAT(), data_dir, "a-sharma")
    [event] = client.handle_push_payload(fixture("request_fcm_billing_chat.json"))
    assert isinstance(event, E.CONSULTATION_REQUESTED)
    assert event.consultation_id == "room_push_1"
    assert (event.user.id, event.user.name) == ("u-asha", "Asha")
    assert event.kind == ffi.ConsultationKind.TEXT
    assert event.rate_per_minute.amount == Decimal("12.50")
    # The consultation service took it in: the expert's app shows the request.
    record = run(until("the request recorded", lambda: client.consultation("room_push_1")))
    assert record.state == ffi.ConsultationState.REQUESTED()
    run(client.disconnect())


def test_a_pushed_call_is_the_same_typed_event(data_dir):
    client = offline_client(ffi.Dialect.TELECALLER(), data_dir,
                            "507f1f77bcf86cd799439031", "/telecaller")
    events = client.handle_push_payload(fixture("call_apns_voip_telecaller.json"))
    incoming = next(e for e in events if isinstance(e, E.CALL_INCOMING))
    assert incoming.call_id == "call_push_1"
    assert incoming.media == ffi.CallMedia.VIDEO
    assert incoming.caller.id == "507f1f77bcf86cd799439011"
    run(client.disconnect())


def test_a_push_as_androids_string_map_reads_the_same(data_dir):
    client = offline_client(ffi.Dialect.TELECALLER(), data_dir,
                            "507f1f77bcf86cd799439031", "/telecaller")
    data = json.loads(fixture("call_apns_voip_telecaller.json"))
    # RemoteMessage.data: every value a string.
    events = client.handle_push_data({"event": data["type"], "data": json.dumps(data["data"])})
    assert [e.call_id for e in events if isinstance(e, E.CALL_INCOMING)] == ["call_push_1"]
    run(client.disconnect())


def test_a_pushed_message_is_cached(data_dir):
    client = offline_client(ffi.Dialect.SUPPORT_CHAT(), data_dir, "10")
    [event] = client.handle_push_payload(fixture("message_fcm_support_chat.json"))
    assert isinstance(event, E.MESSAGE_RECEIVED)
    assert event.message.id == "msg_push_1" and event.message.text == "Is anyone there?"
    cached = run(until("the message in the cache", lambda: client.history("chat-1", None, 10)
                       .messages))
    assert [m.server_id for m in cached] == ["msg_push_1"]
    assert cached[0].state == ffi.DeliveryState.RECEIVED
    run(client.disconnect())


def test_a_push_that_names_nothing_readable_is_invalid_input(data_dir):
    client = offline_client(ffi.Dialect.SUPPORT_CHAT(), data_dir)
    for bad in ["not json", json.dumps({"aps": {"alert": "hi"}}),
                json.dumps({"event": "newMessage", "data": {"no": "message"}})]:
        with pytest.raises(ffi.ParlorError.InvalidInput):
            client.handle_push_payload(bad)
    assert client.history("chat-1", None, 10).messages == []
    run(client.disconnect())


def test_no_seed_server_takes_a_push_token(data_dir):
    client = offline_client(ffi.Dialect.PRESENCE_SESSIONS(), data_dir)
    with pytest.raises(ffi.ParlorError.Unsupported):
        run(client.register_push_token(ffi.PushPlatform.FCM, "fcm-device-token"))
    run(client.disconnect())


class Lines(ffi.Logger):
    def __init__(self):
        self.lock = threading.Lock()
        self.records = []

    def log(self, record):
        with self.lock:
            self.records.append(record)


def test_the_apps_logger_gets_the_core_lines_and_never_a_token(server, connect, data_dir):
    """Every level down to trace (the dependencies' wire traffic too) while two clients
    connect with their tokens and exchange a message: lines arrive, none holds a token."""
    lines = Lines()
    ffi.set_logger(lines, ffi.LogLevel.TRACE)
    try:
        srv = server("001_presence_sessions.js")

        async def flow():
            user = await connect(srv, ffi.Dialect.PRESENCE_SESSIONS(), "user_asha")
            expert = await connect(srv, ffi.Dialect.PRESENCE_SESSIONS(), "astro_sharma")
            await expert.client.set_presence(True)
            return [user.secrets.values[k] for k in user.secrets.values] + \
                   [expert.secrets.values[k] for k in expert.secrets.values]

        tokens = run(flow())
    finally:
        ffi.set_logger(None, ffi.LogLevel.ERROR)
    time.sleep(0.3)  # a line already on its way when the logger was removed lands
    with lines.lock:
        records = list(lines.records)
    assert len(records) > 20, f"only {len(records)} lines"
    assert {r.level for r in records} >= {ffi.LogLevel.DEBUG, ffi.LogLevel.TRACE}
    assert any(r.target.startswith("parlor_core") for r in records)
    for token in tokens:
        assert len(token) > 20
        leaked = [r for r in records if token in r.message or token[-16:] in r.message]
        assert not leaked, leaked[:3]
    # After the logger is removed, nothing more arrives.
    n = len(records)
    after = offline_client(ffi.Dialect.TAROT_CHAT(), data_dir, "after")
    run(after.disconnect())
    assert len(lines.records) == n
