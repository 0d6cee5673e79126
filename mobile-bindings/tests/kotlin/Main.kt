// A JVM program over the generated Kotlin bindings and the real libparlor_ffi.so (through
// JNA), written as an Android app would: typed events and Flows only. A user and an expert
// connect to the 001 reference server with tokens from an app-side secret store; the user
// watches the online experts as a Flow, opens a consultation, and both exchange a message
// each way through the outbox, watched as a Flow of the conversation's cached messages; a bad
// command is refused as ParlorException.InvalidInput. Exits non-zero on the first failure.
//
// Usage: java ... MainKt <server url> <user token> <expert token> <data dir>
import java.math.BigDecimal
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import uniffi.parlor_ffi.*

class MemorySecrets(private val values: MutableMap<String, String>) : SecretStore {
    override fun get(key: String): String? = values[key]
    override fun set(key: String, value: String) { values[key] = value }
    override fun delete(key: String) { values.remove(key) }
}

/** A signed-in client whose events are collected from its start, as an app's view model
 *  collects them: [expect] takes the first event of a type, keeping the others. */
class Party(val client: ParlorClient, scope: CoroutineScope) {
    val inbox = Channel<Event>(Channel.UNLIMITED)
    val kept = mutableListOf<Event>()
    val collecting = scope.launch { client.eventFlow().collect { inbox.send(it) } }

    suspend inline fun <reified T : Event> expect(crossinline pred: (T) -> Boolean = { true }): T =
        withTimeout(8.seconds) {
            kept.firstOrNull { it is T && pred(it) }?.let { kept.remove(it); return@withTimeout it as T }
            var e = inbox.receive()
            while (!(e is T && pred(e))) {
                kept.add(e)
                e = inbox.receive()
            }
            e as T
        }
}

suspend fun CoroutineScope.party(url: String, account: String, token: String, dataDir: String): Party {
    val profile = profileNew(Dialect.PresenceSessions, url).copy(restUrl = url, accountId = account)
    val key = "parlor.token.$account"
    val client = ParlorClient.connect(profile, MemorySecrets(mutableMapOf(key to token)), key, "$dataDir/$account")
    val party = Party(client, this)
    party.expect<Event.Connection>() // the first event: the subscription is live
    return party
}

fun check(ok: Boolean, what: String) { if (!ok) throw IllegalStateException("check failed: $what") }

fun main(args: Array<String>) = runBlocking {
    val (url, userToken, expertToken, dataDir) = args
    val userParty = party(url, "user_asha", userToken, dataDir)
    val expertParty = party(url, "astro_sharma", expertToken, dataDir)
    val (user, expert) = userParty.client to expertParty.client
    user.waitConnected(java.time.Duration.ofSeconds(10))
    expert.waitConnected(java.time.Duration.ofSeconds(10))
    check(user.connectionState() is ConnectionState.Connected, "connected")
    println("kotlin: both connected (${user.connectionState()::class.simpleName})")

    expert.setPresence(true)
    val online = withTimeout(8.seconds) {
        user.expertListFlow().first { list -> list.any { it.id == "astro_sharma" } }
    }
    check(online.first { it.id == "astro_sharma" }.presence == Presence.ONLINE, "the expert online")

    val sent = user.requestConsultation("astro_sharma", ConsultationKind.TEXT, BigDecimal("10.00"))
    val session = sent.filterIsInstance<Event.ConsultationRequestSent>().first().consultationId
    val request = expertParty.expect<Event.ConsultationRequested> { it.consultationId == session }
    check(request.user.id == "user_asha" && request.kind == ConsultationKind.TEXT, "the request")
    expert.answerConsultation(session, true)
    val answered = userParty.expect<Event.ConsultationAnswered> { it.consultationId == session }
    check(answered.outcome == RequestOutcome.ACCEPTED, "accepted")
    user.joinConversation(session)
    expert.joinConversation(session)
    println("kotlin: consultation $session accepted")

    user.sendMessage(session, "Namaste from Kotlin")
    val got = expertParty.expect<Event.MessageReceived> { it.message.text == "Namaste from Kotlin" }
    check(got.message.sender.id == "user_asha", "the expert received the text from the user")
    expert.sendMessage(session, "Hello back from the JVM")
    val both = withTimeout(8.seconds) {
        user.messageListFlow(session, 20u).first { list ->
            list.any { it.text == "Hello back from the JVM" && !it.own } &&
                list.any { it.text == "Namaste from Kotlin" && it.state == DeliveryState.SENT }
        }
    }
    println("kotlin: sent and received; cached ${both.map { it.text to it.state }}")

    try {
        user.sendCommandJson("{\"cmd\":\"nope\"}")
        check(false, "a bad command must throw")
    } catch (e: ParlorException.InvalidInput) {
        println("kotlin: bad command -> ParlorException.InvalidInput")
    }
    userParty.collecting.cancel()
    expertParty.collecting.cancel()
    user.disconnect()
    expert.disconnect()
    println("kotlin: OK")
}
