"""The generated Python bindings against the reference servers, through the real shared
library, with typed events only: a consultation with messages (001), the meter and the wallet
(000), a call's signalling with the LiveKit credentials handed to the app (004). The boundary
itself is in test_boundary.py, voice notes in test_voice.py, push and logging in
test_push_and_logging.py."""

from datetime import timedelta
from decimal import Decimal

import pytest

import parlor_ffi as ffi
from conftest import run, until
from parlor_ffi import streams

E = ffi.Event


def test_presence_sessions_consultation_with_messages(server, connect):
    """001: presence, request → accept, chat both ways through the outbox, history and
    search from the cache, Agora join info, end with the bill."""
    srv = server("001_presence_sessions.js")

    async def flow():
        user = await connect(srv, ffi.Dialect.PRESENCE_SESSIONS(), "user_asha")
        expert = await connect(srv, ffi.Dialect.PRESENCE_SESSIONS(), "astro_sharma")
        assert user.client.connection_state() == ffi.ConnectionState.CONNECTED()
        async with streams.experts(user.client) as online:
            await online.next(list, timeout=8)  # the list now, before any change
            await expert.client.set_presence(True)
            listed = await online.next(list, lambda experts: any(
                e.id == "astro_sharma" and e.presence == ffi.Presence.ONLINE for e in experts),
                timeout=8)
        assert [e.id for e in listed] == [e.id for e in user.client.experts()]

        answer = await user.client.request_consultation(
            "astro_sharma", ffi.ConsultationKind.TEXT, Decimal("10.00"))
        session = next(e.consultation_id for e in answer
                       if isinstance(e, E.CONSULTATION_REQUEST_SENT))
        assert session
        request = await expert.events.expect(E.CONSULTATION_REQUESTED,
                                             lambda e: e.consultation_id == session)
        assert request.user.id == "user_asha"
        assert request.kind == ffi.ConsultationKind.TEXT
        await expert.client.answer_consultation(session, True)
        answered = await user.events.expect(E.CONSULTATION_ANSWERED)
        assert answered.outcome == ffi.RequestOutcome.ACCEPTED

        await user.client.join_conversation(session)
        await expert.client.join_conversation(session)
        # 001's join is an emit with no answer: the room must hold the expert before the
        # user's message goes to it (the server's own view, not a pause).
        await until("the expert in the session's room", lambda: "astro_sharma" in
                    srv.debug(f"/debug/rooms?session={session}")["members"])
        chat = await streams.messages(user.client, session, 50).__aenter__()
        assert await chat.next(timeout=8) == []  # the cached conversation now: empty
        await user.client.send_message(session, "Namaste, will my business grow this year?")
        # In the cache at once (pending), then sent.
        page = user.client.history(session, None, 50)
        assert [m.text for m in page.messages] == ["Namaste, will my business grow this year?"]
        assert page.messages[0].own
        assert page.messages[0].kind == ffi.MessageKind.TEXT
        got = await expert.events.expect(E.MESSAGE_RECEIVED)
        assert "business" in got.message.text
        assert got.message.sender.id == "user_asha"
        await expert.client.send_message(session, "Jupiter favours you from June.")
        await until("the reply in the user's cache", lambda: any(
            m.text == "Jupiter favours you from June." and not m.own
            for m in user.client.history(session, None, 50).messages))
        await until("our message sent", lambda: any(
            m.own and m.state in (ffi.DeliveryState.SENT, ffi.DeliveryState.DELIVERED,
                                  ffi.DeliveryState.READ) for m in
            user.client.history(session, None, 50).messages))
        # The observed conversation: ours, then the reply, oldest first.
        both = await chat.next(list, lambda items: len(items) >= 2, timeout=8)
        assert [m.own for m in both] == [True, False]
        chat.close()
        found = user.client.search_messages("Jupiter", None, 10)
        assert [m.text for m in found] == ["Jupiter favours you from June."]
        assert user.client.search_messages("Jupiter", "no-such-conversation", 10) == []

        join = await user.client.request_agora_token(f"session_{session}", None)
        assert join.app_id and join.token and join.channel == f"session_{session}"

        ended = await user.client.end_consultation(session, Decimal("10.00"))
        assert any(isinstance(e, E.CONSULTATION_ENDED) for e in ended)
        await expert.events.expect(E.CONSULTATION_ENDED)
        record = await until("the bill", lambda: (c := user.client.consultation(session))
                             and c.bill is not None and c)
        assert record.state.is_ended()
        assert record.side == ffi.Side.USER

    run(flow())


def test_billing_chat_meter_and_wallet(server, connect):
    """000: request → accept → start; the live meter bills minutes (1.5 s here) and reports
    the wallet; pause, end; the bill is minutes × rate."""
    srv = server("000_billing_chat.js", {"PARLOR_BILLING_MINUTE_MS": "1500"})
    minute = timedelta(milliseconds=1500)

    async def flow():
        expert = await connect(srv, ffi.Dialect.BILLING_CHAT(), "a-sharma", minute=minute)
        user = await connect(srv, ffi.Dialect.BILLING_CHAT(), "u-asha", minute=minute)
        await user.client.request_consultation("a-sharma", ffi.ConsultationKind.TEXT, None)
        sent = await user.events.expect(E.CONSULTATION_REQUEST_SENT)
        room = sent.consultation_id
        await expert.events.expect(E.CONSULTATION_REQUESTED)
        await expert.client.answer_consultation(room, True)
        await user.events.expect(E.CONSULTATION_ANSWERED)
        await user.client.start_consultation(room)
        await user.events.expect(E.CONSULTATION_STARTED)
        # The live meter as events: a billed minute, its cost a Decimal, the time a timedelta.
        tick = await user.events.expect(E.METER_UPDATE, lambda e: e.consultation_id == room
                                        and e.meter.billed_minutes >= 1, timeout=10)
        assert isinstance(tick.meter.cost.amount, Decimal) and tick.meter.cost.amount > 0
        assert isinstance(tick.meter.elapsed, timedelta)
        live = user.client.consultation(room)
        assert live.state == ffi.ConsultationState.ACTIVE()
        assert isinstance(user.client.wallet_balance().amount, Decimal)
        await user.client.pause_consultation(room)
        await until("paused", lambda: user.client.consultation(room).state
                    == ffi.ConsultationState.PAUSED())
        await user.client.resume_consultation(room)
        await expert.client.end_consultation(room, None)
        ended = await user.events.expect(E.CONSULTATION_ENDED)
        assert ended.consultation_id == room
        bill = await until("the bill", lambda: (c := user.client.consultation(room))
                           and c.bill is not None and c.bill)
        # Decimal arithmetic, exact: the bill is minutes × rate.
        assert bill.total.amount == bill.minutes * bill.rate_per_minute.amount

    run(flow())


def test_telecaller_call_signalling(server, connect):
    """004: the expert goes online, the user calls, the expert accepts, both get the LiveKit
    credentials for their native SDK, the user hangs up, both see the end."""
    srv = server("004_telecaller_calls.js")
    jane_id = "507f1f77bcf86cd799439031"

    async def flow():
        telecaller = ffi.Dialect.TELECALLER()
        user = await connect(srv, telecaller, "507f1f77bcf86cd799439011", "/user")
        jane = await connect(srv, telecaller, jane_id, "/telecaller")
        assert ffi.Capability.CALLS in user.client.capabilities()
        await jane.client.set_presence(True)
        await user.events.expect(E.EXPERT_PRESENCE, lambda e: e.expert_id == jane_id
                                 and e.presence == ffi.Presence.ONLINE)
        await user.client.initiate_call(jane_id, ffi.CallMedia.AUDIO)
        ringing = await user.events.expect(E.CALL_RINGING)
        call = ringing.call_id
        incoming = await jane.events.expect(E.CALL_INCOMING, lambda e: e.call_id == call)
        assert incoming.media == ffi.CallMedia.AUDIO
        await jane.client.accept_call(call)
        for side in (user, jane):
            acc = await side.events.expect(E.CALL_ACCEPTED)
            assert acc.call_id == call
            assert acc.livekit.url and acc.livekit.token and acc.livekit.room
        now = user.client.call()
        assert now.call_id == call and now.phase == ffi.CallPhase.ACCEPTED()
        assert now.role == ffi.CallRole.CALLER
        await user.client.end_call(call)
        await jane.events.expect(E.CALL_ENDED, lambda e: e.call_id == call)

    run(flow())
