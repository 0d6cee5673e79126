// Kotlin Flows over parlor-ffi's listeners, shipped beside the generated bindings (generate.sh
// copies this file into the package). Each flow is cold: collecting it subscribes, and
// cancelling the collecting coroutine cancels the subscription (TaskHandle.cancel()).
//
// The listeners are called on the library's own threads, in order; the flows buffer without
// bound so that a slow collector never blocks them (the core drops nothing either: a
// subscriber that falls far behind gets Event.Lagged and should re-read what it shows).
package uniffi.parlor_ffi

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/** Every domain event of this client from now on (the first is the connection state). */
fun ParlorClient.eventFlow(): Flow<Event> = callbackFlow {
    val handle = subscribe(object : EventListener {
        override fun onEvent(event: Event) {
            trySend(event)
        }
    })
    awaitClose { handle.cancel() }
}.buffer(Channel.UNLIMITED)

/** A list kept from a list listener's snapshot and changes, keyed by [key], shown in [order]. */
private class KeyedList<K, V>(
    private val key: (V) -> K,
    private val order: (Collection<V>) -> List<V>,
) {
    private val items = LinkedHashMap<K, V>()

    fun reset(list: List<V>): List<V> {
        items.clear()
        list.forEach { items[key(it)] = it }
        return order(items.values)
    }

    fun set(item: V): List<V> {
        items[key(item)] = item
        return order(items.values)
    }

    fun remove(k: K): List<V> {
        items.remove(k)
        return order(items.values)
    }
}

/** The online experts, as a whole list each time it changes. */
fun ParlorClient.expertListFlow(): Flow<List<ExpertItem>> = callbackFlow {
    val list = KeyedList<String, ExpertItem>({ it.id }, { it.toList() })
    val handle = observeExperts(object : ExpertListListener {
        override fun onSnapshot(experts: List<ExpertItem>) { trySend(list.reset(experts)) }
        override fun onUpdate(expert: ExpertItem) { trySend(list.set(expert)) }
        override fun onRemove(expertId: String) { trySend(list.remove(expertId)) }
    })
    awaitClose { handle.cancel() }
}.buffer(Channel.UNLIMITED)

/** A conversation's latest `limit` messages from the cache, oldest first, each time one
 *  appears or changes (keyed by `localId`). */
fun ParlorClient.messageListFlow(conversationId: String, limit: UInt): Flow<List<ChatItem>> =
    callbackFlow {
        val list = KeyedList<Long, ChatItem>(
            { it.localId },
            { it.sortedWith(compareBy({ m -> m.time }, { m -> m.localId })) },
        )
        val handle = observeMessages(conversationId, limit, object : MessageListListener {
            override fun onSnapshot(messages: List<ChatItem>) { trySend(list.reset(messages)) }
            override fun onChange(message: ChatItem) { trySend(list.set(message)) }
        })
        awaitClose { handle.cancel() }
    }.buffer(Channel.UNLIMITED)

/** The list of chats, newest activity first, each time it changes. */
fun ParlorClient.chatListFlow(): Flow<List<ChatSummary>> = callbackFlow {
    val list = KeyedList<String, ChatSummary>({ it.id }, { it.sortedByDescending { c -> c.lastActivity } })
    val handle = observeChats(object : ChatListListener {
        override fun onSnapshot(chats: List<ChatSummary>) { trySend(list.reset(chats)) }
        override fun onUpdate(chat: ChatSummary) { trySend(list.set(chat)) }
        override fun onRemove(chatId: String) { trySend(list.remove(chatId)) }
    })
    awaitClose { handle.cancel() }
}.buffer(Channel.UNLIMITED)

/** The core's log lines at `level` and above, while collected (one logger per process: a
 *  second collector replaces the first). */
fun logFlow(level: LogLevel): Flow<LogRecord> = callbackFlow {
    setLogger(object : Logger {
        override fun log(record: LogRecord) {
            trySend(record)
        }
    }, level)
    awaitClose { setLogger(null, LogLevel.ERROR) }
}.buffer(Channel.UNLIMITED)
