// A JVM program over the generated Kotlin bindings and the real libparlor_ffi.so (through
// JNA): a user and an expert connect to the 001 reference server with tokens from an
// app-side secret store, open a consultation, and exchange a message each way through the
// outbox; the history comes back from the cache. Exits non-zero on the first failure.
//
// Usage: java ... MainKt <server url> <user token> <expert token> <data dir>
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import uniffi.parlor_ffi.*

class MemorySecrets(private val values: MutableMap<String, String>) : SecretStore {
    override fun get(key: String): String? = values[key]
    override fun set(key: String, value: String) { values[key] = value }
    override fun delete(key: String) { values.remove(key) }
}

class Inbox : EventListener {
    private val queue = LinkedBlockingQueue<Event>()
    private val kept = mutableListOf<Event>()
    override fun onEvent(event: Event) { queue.put(event) }

    fun expect(what: String, seconds: Long = 8, pred: (Event) -> Boolean): Event {
        kept.firstOrNull(pred)?.let { kept.remove(it); return it }
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds)
        while (true) {
            val left = deadline - System.nanoTime()
            val e = queue.poll(left.coerceAtLeast(0), TimeUnit.NANOSECONDS)
                ?: throw IllegalStateException("waited $seconds s for $what; kept ${kept.map { it.name }.takeLast(10)}")
            if (pred(e)) return e
            kept.add(e)
        }
    }
}

fun party(url: String, account: String, token: String, dataDir: String): Pair<ParlorClient, Inbox> {
    val profile = profileNew("presence-sessions", url).copy(restUrl = url, accountId = account)
    val key = "parlor.token.$account"
    val client = ParlorClient.connect(profile, MemorySecrets(mutableMapOf(key to token)), key, "$dataDir/$account")
    val inbox = Inbox()
    client.subscribe(inbox)
    return client to inbox
}

fun check(ok: Boolean, what: String) { if (!ok) throw IllegalStateException("check failed: $what") }

fun main(args: Array<String>) = runBlocking {
    val (url, userToken, expertToken, dataDir) = args
    val (user, userEvents) = party(url, "user_asha", userToken, dataDir)
    val (expert, expertEvents) = party(url, "astro_sharma", expertToken, dataDir)
    user.waitConnected(10_000uL)
    expert.waitConnected(10_000uL)
    println("kotlin: both connected (${user.connectionState()})")

    expert.setPresence(true)
    val sent = user.requestConsultation("astro_sharma", ConsultationKind.TEXT, "10.00")
    val session = sent.first { it.name == "consultation_request_sent" }.consultationId!!
    expertEvents.expect("the request") { it.name == "consultation_requested" && it.consultationId == session }
    expert.answerConsultation(session, true)
    userEvents.expect("acceptance") { it.name == "consultation_answered" }
    user.joinConversation(session)
    expert.joinConversation(session)
    println("kotlin: consultation $session accepted")

    user.sendMessage(session, "Namaste from Kotlin")
    val got = expertEvents.expect("the message") { it.name == "message_received" }
    check(got.json.contains("Namaste from Kotlin"), "the expert received the text")
    expert.sendMessage(session, "Hello back from the JVM")
    userEvents.expect("the reply") {
        it.name == "chat_message_changed" && it.json.contains("Hello back from the JVM")
    }
    val history = user.history(session, null, 20u).messages.map { it.text }
    check(history.contains("Namaste from Kotlin") && history.contains("Hello back from the JVM"),
        "history from the cache: $history")
    println("kotlin: sent and received; history $history")

    try {
        user.sendCommandJson("{\"cmd\":\"nope\"}")
        check(false, "a bad command must throw")
    } catch (e: ParlorException.InvalidInput) {
        println("kotlin: bad command -> ParlorException.InvalidInput")
    }
    user.disconnect()
    expert.disconnect()
    println("kotlin: OK")
}
