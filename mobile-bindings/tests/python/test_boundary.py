"""The boundary itself, through the real shared library: profiles and dialects, the secret
store and refused tokens, the coarse errors, the outbox offline, task handles, and the
observed list of chats."""

import asyncio
import tempfile
from datetime import datetime, timedelta

import pytest

import parlor_ffi as ffi
from conftest import Events, MemorySecrets, run, until
from parlor_ffi import streams


def test_profiles_and_invalid_input():
    p = ffi.profile_from_toml(
        'name = "demo"\ndialect = "telecaller"\nsocket_url = "http://127.0.0.1:5004"\n'
        'namespace = "/user"\n[token]\nenv = "PARLOR_TOKEN"\n')
    assert (p.name, p.dialect, p.namespace) == ("demo", ffi.Dialect.TELECALLER(), "/user")
    assert p.billing_minute == timedelta(minutes=1)
    p = ffi.profile_new(ffi.Dialect.PRESENCE_SESSIONS(), "http://x:1")
    assert p.dialect.is_presence_sessions()
    # A dialect the app registered in its own Rust code is named; here none is.
    with pytest.raises(ffi.ParlorError.InvalidInput):
        ffi.ParlorClient.connect(ffi.profile_new(ffi.Dialect.OTHER("no-such-dialect"), "http://x:1"),
                                 MemorySecrets(), "k", tempfile.mkdtemp())
    with pytest.raises(ffi.ParlorError.InvalidInput):
        ffi.profile_new(ffi.Dialect.OTHER("not a name!"), "http://x:1")
    with pytest.raises(ffi.ParlorError.InvalidInput):
        ffi.profile_from_toml("dialect = 3")


def test_refused_token_is_an_auth_error_and_store_is_asked(server, data_dir):
    srv = server("001_presence_sessions.js")

    async def flow():
        profile = ffi.profile_new(ffi.Dialect.PRESENCE_SESSIONS(), srv.url)
        secrets = MemorySecrets({"k": "not-a-jwt"})
        client = ffi.ParlorClient.connect(profile, secrets, "k", data_dir)
        with pytest.raises(ffi.ParlorError.Auth):
            await client.wait_connected(timedelta(seconds=10))
        assert client.connection_state().is_auth_failed()
        assert secrets.reads >= 1
        await client.disconnect()

        empty = MemorySecrets()
        client = ffi.ParlorClient.connect(profile, empty, "missing", data_dir)
        with pytest.raises(ffi.ParlorError):
            await client.wait_connected(timedelta(seconds=3))
        assert empty.reads >= 1
        await client.disconnect()

    run(flow())


def test_offline_send_is_queued_and_commands_fail_coarsely(data_dir):
    """Nothing listens on port 9: sending goes to the outbox (pending, in the cache); a
    command that needs the server fails as Offline; a bad JSON command as InvalidInput."""

    async def flow():
        profile = ffi.profile_new(ffi.Dialect.TAROT_CHAT(), "http://127.0.0.1:9")
        profile.account_id = "me"
        client = ffi.ParlorClient.connect(profile, MemorySecrets({"k": "t"}), "k", data_dir)
        await client.send_message("room-1", "hello offline")
        page = client.history("room-1", None, 10)
        assert [(m.text, m.state) for m in page.messages] == [
            ("hello offline", ffi.DeliveryState.PENDING)]
        assert isinstance(page.messages[0].time, datetime)
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
        profile = ffi.profile_new(ffi.Dialect.TAROT_CHAT(), "http://127.0.0.1:9")
        client = ffi.ParlorClient.connect(profile, MemorySecrets({"k": "t"}), "k", data_dir)
        events = Events()
        handle = client.subscribe(events)
        # The first event is the connection state now.
        first = await events.expect(ffi.Event.CONNECTION)
        assert isinstance(first.state, ffi.ConnectionState)
        assert not handle.is_finished()
        handle.cancel()
        await until("finished", handle.is_finished)
        n = len(events.names())
        await client.send_message("room-1", "after cancel")  # publishes chat_message_changed
        await asyncio.sleep(0.3)
        assert len(events.names()) == n
        await client.disconnect()

    run(flow())




def test_the_list_of_chats_is_observed_from_the_cache(server, connect):
    """003: the support agent joins two chats and writes in one: the observed list holds
    both, joined, and the one written in has its last activity (an instant)."""
    srv = server("003_support_chat.js")

    async def flow():
        agent = await connect(srv, ffi.Dialect.SUPPORT_CHAT(), "10")  # the support agent
        first, second = "chat-1", "chat-2"
        async with streams.chats(agent.client) as chats:
            await agent.client.join_conversation(first)
            await agent.client.join_conversation(second)
            await agent.client.send_message(second, "How can I help?")
            listed = await chats.next(list, lambda items: len(items) == 2 and all(
                c.joined for c in items) and items[0].last_activity is not None, timeout=8)
        # Newest activity first: the chat written in, then the other.
        assert [c.id for c in listed] == [second, first]
        assert isinstance(listed[0].last_activity, datetime)

    run(flow())


class Flaky(ffi.EventListener):
    """Throws on every other event, as an app's buggy listener might."""

    def __init__(self):
        self.calls = 0
        self.kept = []

    def on_event(self, event):
        self.calls += 1
        if self.calls % 2 == 1:
            raise ValueError("the app's bug")
        self.kept.append(event)


def test_a_listener_that_throws_does_not_end_its_subscription(data_dir):
    """Offline: every message sent publishes its cached change; the listener throws on half of
    the events and still receives the others, to the last."""

    async def flow():
        profile = ffi.profile_new(ffi.Dialect.TAROT_CHAT(), "http://127.0.0.1:9")
        profile.account_id = "me"
        client = ffi.ParlorClient.connect(profile, MemorySecrets({"k": "t"}), "k", data_dir)
        flaky = Flaky()
        handle = client.subscribe(flaky)
        for i in range(6):
            await client.send_message("room-1", f"note {i}")
        await until("the last message's change delivered", lambda: any(
            isinstance(e, ffi.Event.CHAT_MESSAGE_CHANGED) and e.message.text == "note 5"
            for e in flaky.kept) or flaky.calls >= 12)
        assert not handle.is_finished()
        assert flaky.calls >= 7 and flaky.kept
        handle.cancel()
        await client.disconnect()

    run(flow())


class LockedSecrets(MemorySecrets):
    """A Keychain that is locked: reading throws."""

    def get(self, key):
        self.reads += 1
        raise PermissionError("the keychain is locked")


def test_a_secret_store_that_throws_is_an_auth_failure_not_a_crash(server, data_dir):
    srv = server("001_presence_sessions.js")

    async def flow():
        profile = ffi.profile_new(ffi.Dialect.PRESENCE_SESSIONS(), srv.url)
        locked = LockedSecrets()
        client = ffi.ParlorClient.connect(profile, locked, "k", data_dir)
        with pytest.raises(ffi.ParlorError):
            await client.wait_connected(timedelta(seconds=3))
        assert locked.reads >= 1
        # The client is still there and answers.
        assert not client.connection_state().is_connected()
        await client.disconnect()

    run(flow())
