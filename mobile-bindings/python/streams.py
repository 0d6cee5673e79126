"""asyncio streams over parlor_ffi's listeners: the Python twin of ParlorFlows.kt (Kotlin) and
ParlorStreams.swift. A stream subscribes when entered and cancels its subscription (the
TaskHandle) when left, so `async with` ties the subscription to the block:

    from parlor_ffi import Event
    from parlor_ffi.streams import events

    async with events(client) as stream:
        async for event in stream:
            if isinstance(event, Event.MESSAGE_RECEIVED):
                print(event.message.text)

The listeners are called on the library's threads; each item is handed to the event loop that
entered the stream (call_soon_threadsafe), in order, without bound (the core's own queue drops
nothing: a subscriber that falls far behind gets Event.LAGGED).
"""

import asyncio

from . import ChatListListener, EventListener, ExpertListListener, MessageListListener

__all__ = ["Stream", "events", "experts", "messages", "chats"]


class Stream:
    """Items from a subscription, as an async iterator, while inside `async with`."""

    def __init__(self, subscribe):
        self._subscribe = subscribe
        self._queue = None
        self._handle = None

    async def __aenter__(self):
        loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        queue = self._queue

        def put(item):
            # The loop may be gone before the subscription is cancelled (asyncio.run ended
            # without leaving the block): drop the item rather than raise into the library.
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:
                pass

        self._handle = self._subscribe(put)
        return self

    async def __aexit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Cancels the subscription (also what leaving `async with` does)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._queue is None:
            raise RuntimeError("enter the stream with `async with` first")
        return await self._queue.get()

    async def next(self, kind=object, pred=lambda item: True, timeout=None):
        """The next item that is a `kind` (an Event case's class) and satisfies `pred`; items
        before it are dropped. `asyncio.TimeoutError` after `timeout` seconds."""

        async def find():
            async for item in self:
                if isinstance(item, kind) and pred(item):
                    return item

        return await asyncio.wait_for(find(), timeout)


class _Events(EventListener):
    def __init__(self, put):
        self._put = put

    def on_event(self, event):
        self._put(event)


def events(client):
    """Every domain event of `client` from entering on (the first is the connection state)."""
    return Stream(lambda put: client.subscribe(_Events(put)))


class _Keyed:
    """Folds a list listener's snapshot and changes into the whole list, sorted by `order`."""

    def __init__(self, put, key, order=None, reverse=False):
        self._put, self._key, self._order, self._reverse = put, key, order, reverse
        self._items = {}

    def _emit(self):
        items = list(self._items.values())
        if self._order is not None:
            items.sort(key=self._order, reverse=self._reverse)
        self._put(items)

    def _reset(self, items):
        self._items = {self._key(i): i for i in items}
        self._emit()

    def _set(self, item):
        self._items[self._key(item)] = item
        self._emit()

    def _remove(self, key):
        self._items.pop(key, None)
        self._emit()


class _Experts(_Keyed, ExpertListListener):
    def on_snapshot(self, experts):
        self._reset(experts)

    def on_update(self, expert):
        self._set(expert)

    def on_remove(self, expert_id):
        self._remove(expert_id)


class _Messages(_Keyed, MessageListListener):
    def on_snapshot(self, messages):
        self._reset(messages)

    def on_change(self, message):
        self._set(message)


class _Chats(_Keyed, ChatListListener):
    def on_snapshot(self, chats):
        self._reset(chats)

    def on_update(self, chat):
        self._set(chat)

    def on_remove(self, chat_id):
        self._remove(chat_id)


def experts(client):
    """The online experts, as a whole list each time it changes."""
    return Stream(lambda put: client.observe_experts(_Experts(put, lambda e: e.id)))


def messages(client, conversation_id, limit=50):
    """A conversation's latest `limit` cached messages, oldest first, each time one changes."""
    return Stream(lambda put: client.observe_messages(
        conversation_id, limit, _Messages(put, lambda m: m.local_id, lambda m: (m.time, m.local_id))))


def chats(client):
    """The list of chats, newest activity first, each time it changes."""
    def newest(chat):
        return (chat.last_activity is not None, chat.last_activity or 0)
    return Stream(lambda put: client.observe_chats(_Chats(put, lambda c: c.id, newest, reverse=True)))
