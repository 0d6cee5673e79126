"""The generated Python bindings against the reference servers, through the real shared
library: a consultation with messages (001), the meter and the wallet (000), a call's
signalling with the LiveKit credentials handed to the app (004), and the boundary itself
(profiles, the secret store, the coarse errors, list observers, task handles)."""

import asyncio
import os
import threading
import time

import pytest

import parlor_ffi as ffi
from conftest import Events, MemorySecrets


def run(coro):
    return asyncio.run(coro)


class ExpertList(ffi.ExpertListListener):
    def __init__(self):
        self.calls = []

    def on_snapshot(self, experts):
        self.calls.append(("snapshot", [e.id for e in experts]))

    def on_update(self, expert):
        self.calls.append(("update", expert.id, expert.presence))

    def on_remove(self, expert_id):
        self.calls.append(("remove", expert_id))


class MessageList(ffi.MessageListListener):
    def __init__(self):
        self.lock = threading.Lock()
        self.snapshots = []
        self.items = {}

    def on_snapshot(self, messages):
        with self.lock:
            self.snapshots.append([m.text for m in messages])
            self.items = {m.local_id: m for m in messages}

    def on_change(self, message):
        with self.lock:
            self.items[message.local_id] = message


async def until(what, check, timeout=8.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = check()
        if got:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"waited {timeout} s for {what}")


def test_presence_sessions_consultation_with_messages(server, connect):
    """001: presence, request → accept, chat both ways through the outbox, history and
    search from the cache, Agora join info, end with the bill."""
    srv = server("001_presence_sessions.js")

    async def flow():
        user = await connect(srv, "presence-sessions", "user_asha")
        expert = await connect(srv, "presence-sessions", "astro_sharma")
        assert user.client.connection_state() == "connected"
        experts = ExpertList()
        watch = user.client.observe_experts(experts)
        await expert.client.set_presence(True)
        await until("astro_sharma online", lambda: any(
            "astro_sharma" in c[1] if c[0] == "snapshot" else c[1] == "astro_sharma"
            for c in experts.calls))
        assert experts.calls[0][0] == "snapshot"
        watch.cancel()
        assert any(e.id == "astro_sharma" for e in user.client.experts())

        answer = await user.client.request_consultation(
            "astro_sharma", ffi.ConsultationKind.TEXT, "10.00")
        session = next(e.consultation_id for e in answer if e.name == "consultation_request_sent")
        assert session
        await expert.events.expect("the request", lambda e: e.name == "consultation_requested"
                                   and e.consultation_id == session)
        await expert.client.answer_consultation(session, True)
        await user.events.expect("acceptance", lambda e: e.name == "consultation_answered")

        await user.client.join_conversation(session)
        await expert.client.join_conversation(session)
        # 001's join is an emit with no answer: the room must hold the expert before the
        # user's message goes to it (the server's own view, not a pause).
        await until("the expert in the session's room", lambda: "astro_sharma" in
                    srv.debug(f"/debug/rooms?session={session}")["members"])
        chat = MessageList()
        observe = user.client.observe_messages(session, 50, chat)
        await user.client.send_message(session, "Namaste, will my business grow this year?")
        # In the cache at once (pending), then sent.
        page = user.client.history(session, None, 50)
        assert [m.text for m in page.messages] == ["Namaste, will my business grow this year?"]
        assert page.messages[0].own
        got = await expert.events.expect("the message", lambda e: e.name == "message_received")
        assert "business" in got.json
        await expert.client.send_message(session, "Jupiter favours you from June.")
        await until("the reply in the user's cache", lambda: any(
            m.text == "Jupiter favours you from June." and not m.own
            for m in user.client.history(session, None, 50).messages))
        await until("our message sent", lambda: any(
            m.own and m.state in ("sent", "delivered", "read") for m in
            user.client.history(session, None, 50).messages))
        # The list observer saw the snapshot (empty) and then both messages.
        await until("observer has both", lambda: len(chat.items) >= 2)
        assert chat.snapshots[0] == []
        observe.cancel()
        found = user.client.search_messages("Jupiter", None, 10)
        assert [m.text for m in found] == ["Jupiter favours you from June."]
        assert user.client.search_messages("Jupiter", "no-such-conversation", 10) == []

        join = await user.client.request_agora_token(f"session_{session}", None)
        assert join.app_id and join.token and join.channel == f"session_{session}"

        ended = await user.client.end_consultation(session, "10.00")
        assert any(e.name == "consultation_ended" for e in ended)
        await expert.events.expect("session:ended", lambda e: e.name == "consultation_ended")
        record = await until("the bill", lambda: (c := user.client.consultation(session))
                             and c.bill_total is not None and c)
        assert record.state == "ended"
        assert record.side == "user"

    run(flow())


def test_billing_chat_meter_and_wallet(server, connect):
    """000: request → accept → start; the live meter bills minutes (1.5 s here) and reports
    the wallet; pause, end; the bill is minutes × rate."""
    srv = server("000_billing_chat.js", {"PARLOR_BILLING_MINUTE_MS": "1500"})

    async def flow():
        expert = await connect(srv, "billing-chat", "a-sharma", minute_ms=1500)
        user = await connect(srv, "billing-chat", "u-asha", minute_ms=1500)
        await user.client.request_consultation("a-sharma", ffi.ConsultationKind.TEXT, None)
        sent = await user.events.expect("request sent",
                                        lambda e: e.name == "consultation_request_sent")
        room = sent.consultation_id
        await expert.events.expect("incoming", lambda e: e.name == "consultation_requested")
        await expert.client.answer_consultation(room, True)
        await user.events.expect("accepted", lambda e: e.name == "consultation_answered")
        await user.client.start_consultation(room)
        await user.events.expect("started", lambda e: e.name == "consultation_started")
        live = await until("a billed minute", lambda: (c := user.client.consultation(room))
                           and float(c.meter.billed_minutes) >= 1 and c)
        assert live.state == "active"
        assert float(live.meter.cost) > 0
        assert user.client.wallet_balance() is not None
        await user.client.pause_consultation(room)
        await until("paused", lambda: user.client.consultation(room).state == "paused")
        await user.client.resume_consultation(room)
        await expert.client.end_consultation(room, None)
        ended = await user.events.expect("ended", lambda e: e.name == "consultation_ended")
        assert ended.consultation_id == room
        bill = await until("the bill", lambda: (c := user.client.consultation(room))
                           and c.bill_total is not None and c)
        assert float(bill.bill_total) == pytest.approx(
            float(bill.bill_minutes) * float(bill.rate_per_minute))

    run(flow())


def test_telecaller_call_signalling(server, connect):
    """004: the expert goes online, the user calls, the expert accepts, both get the LiveKit
    credentials for their native SDK, the user hangs up, both see the end."""
    srv = server("004_telecaller_calls.js")
    jane_id = "507f1f77bcf86cd799439031"

    async def flow():
        user = await connect(srv, "telecaller", "507f1f77bcf86cd799439011", "/user")
        jane = await connect(srv, "telecaller", jane_id, "/telecaller")
        assert "calls" in user.client.capabilities()
        await jane.client.set_presence(True)
        await user.events.expect("presence", lambda e: e.name == "expert_presence"
                                 and jane_id in e.json)
        await user.client.initiate_call(jane_id, ffi.CallMedia.AUDIO)
        ringing = await user.events.expect("ringing", lambda e: e.name == "call_ringing")
        call = ringing.call_id
        await jane.events.expect("incoming", lambda e: e.name == "call_incoming"
                                 and e.call_id == call)
        await jane.client.accept_call(call)
        for side in (user, jane):
            acc = await side.events.expect("accepted", lambda e: e.name == "call_accepted")
            assert acc.call_id == call
            assert acc.livekit is not None
            assert acc.livekit.url and acc.livekit.token and acc.livekit.room
        snap = user.client.call_snapshot_json()
        assert snap and call in snap
        await user.client.end_call(call)
        await jane.events.expect("ended", lambda e: e.name == "call_ended" and e.call_id == call)

    run(flow())


def test_profiles_and_invalid_input():
    p = ffi.profile_from_toml(
        'name = "demo"\ndialect = "telecaller"\nsocket_url = "http://127.0.0.1:5004"\n'
        'namespace = "/user"\n[token]\nenv = "PARLOR_TOKEN"\n')
    assert (p.name, p.dialect, p.namespace) == ("demo", "telecaller", "/user")
    assert ffi.profile_new("001", "http://x:1").dialect == "presence-sessions"
    with pytest.raises(ffi.ParlorError.InvalidInput):
        ffi.profile_new("no-such-dialect", "http://x:1")
    with pytest.raises(ffi.ParlorError.InvalidInput):
        ffi.profile_from_toml("dialect = 3")


def test_refused_token_is_an_auth_error_and_store_is_asked(server, data_dir):
    srv = server("001_presence_sessions.js")

    async def flow():
        profile = ffi.profile_new("presence-sessions", srv.url)
        secrets = MemorySecrets({"k": "not-a-jwt"})
        client = ffi.ParlorClient.connect(profile, secrets, "k", data_dir)
        with pytest.raises(ffi.ParlorError.Auth):
            await client.wait_connected(10000)
        assert secrets.reads >= 1
        await client.disconnect()

        empty = MemorySecrets()
        client = ffi.ParlorClient.connect(profile, empty, "missing", data_dir)
        with pytest.raises(ffi.ParlorError):
            await client.wait_connected(3000)
        assert empty.reads >= 1
        await client.disconnect()

    run(flow())


def test_offline_send_is_queued_and_commands_fail_coarsely(data_dir):
    """Nothing listens on port 9: sending goes to the outbox (pending, in the cache); a
    command that needs the server fails as Offline; a bad JSON command as InvalidInput."""

    async def flow():
        profile = ffi.profile_new("tarot-chat", "http://127.0.0.1:9")
        profile.account_id = "me"
        client = ffi.ParlorClient.connect(profile, MemorySecrets({"k": "t"}), "k", data_dir)
        await client.send_message("room-1", "hello offline")
        page = client.history("room-1", None, 10)
        assert [(m.text, m.state) for m in page.messages] == [("hello offline", "pending")]
        with pytest.raises(ffi.ParlorError.Offline) as err:
            await client.join_conversation("room-1")
        assert err.value.retryable
        with pytest.raises(ffi.ParlorError.InvalidInput):
            await client.send_command_json("{\"cmd\": \"no_such_command\"}")
        with pytest.raises(ffi.ParlorError):
            await client.send_command_json('{"cmd": "join_conversation", "conversation_id": "r"}')
        await client.disconnect()

    run(flow())


def test_cancel_stops_a_subscription(data_dir):
    async def flow():
        profile = ffi.profile_new("tarot-chat", "http://127.0.0.1:9")
        client = ffi.ParlorClient.connect(profile, MemorySecrets({"k": "t"}), "k", data_dir)
        events = Events()
        handle = client.subscribe(events)
        # The first event is the connection state now.
        await events.expect("the state", lambda e: e.name == "connection")
        assert not handle.is_finished()
        handle.cancel()
        await until("finished", handle.is_finished)
        n = len(events.names())
        await client.send_message("room-1", "after cancel")  # publishes chat_message_changed
        await asyncio.sleep(0.3)
        assert len(events.names()) == n
        await client.disconnect()

    run(flow())


SARAH = "11111111-1111-4111-8111-111111111111"
SAMIA = "22222222-2222-4222-8222-222222222222"
ACTIVE_SESSION = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"


def tone_wav(path, secs=1.5, rate=16000):
    """A 440 Hz tone as a 16-bit mono WAV (the core resamples and encodes it to Ogg/Opus)."""
    import math
    import struct
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(secs * rate))))


def test_voice_note_upload_with_progress_reaches_the_other_party(server, connect, data_dir):
    """002: a voice note from a WAV file: in the cache at once with its waveform, uploaded
    with byte progress, then the other party receives it with its file URL."""
    import json

    srv = server("002_tarot_chat.js")
    wav = os.path.join(data_dir, "note.wav")
    tone_wav(wav)

    async def flow():
        sarah = await connect(srv, "tarot-chat", SARAH)
        samia = await connect(srv, "tarot-chat", SAMIA)
        await sarah.client.join_conversation(ACTIVE_SESSION)
        await samia.client.join_conversation(ACTIVE_SESSION)
        upload = await sarah.client.send_voice_note(ACTIVE_SESSION, wav)
        cid = upload.client_id()
        assert cid
        sent = await sarah.events.expect("the note sent", lambda e: e.name == "voice_note_changed"
                                         and json.loads(e.json)["state"] == "sent", timeout=20)
        note = json.loads(sent.json)
        assert note["client_id"] == cid and note["duration_ms"] == 1500
        assert len(note["waveform"]) == 64 and note["file_url"]
        with sarah.events.lock:
            progress = [json.loads(e.json) for e in sarah.events.seen
                        if e.name == "voice_note_changed"
                        and json.loads(e.json)["state"] == "sending"]
        assert progress, "upload progress was reported"
        assert progress[-1]["sent"] == progress[-1]["total"] > 0
        item = await until("the note in Sarah's cache", lambda: next(
            (m for m in sarah.client.history(ACTIVE_SESSION, None, 50).messages
             if m.client_id == cid and m.state == "sent"), None))
        assert item.kind == "voice" and item.own
        assert item.duration_ms == 1500 and list(item.waveform) == note["waveform"]
        assert item.file_url == note["file_url"]
        got = await samia.events.expect("the note at Samia's", lambda e: e.name == "message_received"
                                        and note["file_url"] in e.json, timeout=10)
        assert json.loads(got.json)["message"]["kind"] == "voice"

    run(flow())


def test_a_queued_voice_note_can_be_cancelled(data_dir):
    """Offline, a voice note waits in the outbox (shown as pending); its handle cancels it and
    it leaves the conversation."""
    wav = os.path.join(data_dir, "note.wav")
    tone_wav(wav, secs=0.5)

    async def flow():
        profile = ffi.profile_new("tarot-chat", "http://127.0.0.1:9")
        profile.rest_url = "http://127.0.0.1:9"
        profile.account_id = SARAH
        secrets = MemorySecrets({"k": "t"})
        client = ffi.ParlorClient.connect(profile, secrets, "k", os.path.join(data_dir, "sarah"))
        upload = await client.send_voice_note(ACTIVE_SESSION, wav)
        cid = upload.client_id()
        # In the conversation's cache as soon as the call returns, as a text message is.
        page = client.history(ACTIVE_SESSION, None, 50)
        assert [(m.client_id, m.kind) for m in page.messages] == [(cid, "voice")]
        assert page.messages[0].state in ("pending", "sending")
        await upload.cancel()
        await until("the note gone", lambda: not client.history(ACTIVE_SESSION, None, 50).messages)
        await client.disconnect()

    run(flow())
