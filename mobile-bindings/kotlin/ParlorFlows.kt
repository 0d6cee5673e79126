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

/** The online experts, as a whole list each time it changes. */
fun ParlorClient.expertListFlow(): Flow<List<ExpertItem>> = callbackFlow {
    val byId = LinkedHashMap<String, ExpertItem>()
    fun emit() = trySend(byId.values.toList())
    val handle = observeExperts(object : ExpertListListener {
        override fun onSnapshot(experts: List<ExpertItem>) {
            byId.clear()
            experts.forEach { byId[it.id] = it }
            emit()
        }

        override fun onUpdate(expert: ExpertItem) {
            byId[expert.id] = expert
            emit()
        }

        override fun onRemove(expertId: String) {
            byId.remove(expertId)
            emit()
        }
    })
    awaitClose { handle.cancel() }
}.buffer(Channel.UNLIMITED)

/** A conversation's latest `limit` messages from the cache, oldest first, each time one
 *  appears or changes (keyed by `localId`). */
fun ParlorClient.messageListFlow(conversationId: String, limit: UInt): Flow<List<ChatItem>> =
    callbackFlow {
        val byLocalId = HashMap<Long, ChatItem>()
        fun emit() = trySend(byLocalId.values.sortedWith(compareBy({ it.time }, { it.localId })))
        val handle = observeMessages(conversationId, limit, object : MessageListListener {
            override fun onSnapshot(messages: List<ChatItem>) {
                byLocalId.clear()
                messages.forEach { byLocalId[it.localId] = it }
                emit()
            }

            override fun onChange(message: ChatItem) {
                byLocalId[message.localId] = message
                emit()
            }
        })
        awaitClose { handle.cancel() }
    }.buffer(Channel.UNLIMITED)

/** The list of chats, newest activity first, each time it changes. */
fun ParlorClient.chatListFlow(): Flow<List<ChatSummary>> = callbackFlow {
    val byId = HashMap<String, ChatSummary>()
    fun emit() = trySend(byId.values.sortedByDescending { it.lastActivity })
    val handle = observeChats(object : ChatListListener {
        override fun onSnapshot(chats: List<ChatSummary>) {
            byId.clear()
            chats.forEach { byId[it.id] = it }
            emit()
        }

        override fun onUpdate(chat: ChatSummary) {
            byId[chat.id] = chat
            emit()
        }

        override fun onRemove(chatId: String) {
            byId.remove(chatId)
            emit()
        }
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
