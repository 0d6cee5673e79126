// Swift AsyncStreams over parlor-ffi's listeners, shipped beside the generated bindings
// (generate.sh copies this file next to parlor_ffi.swift; ios/build.sh puts both in the Swift
// package). Iterating a stream subscribes; when the iterating task is cancelled, or the
// stream is dropped, the subscription is cancelled (TaskHandle.cancel()).
//
// UNTESTED: no Swift toolchain runs on this project's Linux CI. The Kotlin twin
// (kotlin/ParlorFlows.kt) is compiled and used in CI.
import Foundation

extension ParlorClient {
    /// Every domain event of this client from now on (the first is the connection state).
    public func eventStream() -> AsyncStream<Event> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let handle = self.subscribe(listener: EventRelay(continuation))
            continuation.onTermination = { _ in handle.cancel() }
        }
    }

    /// The online experts, as a whole list each time it changes.
    public func expertListStream() -> AsyncStream<[ExpertItem]> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let handle = self.observeExperts(listener: ExpertRelay(continuation))
            continuation.onTermination = { _ in handle.cancel() }
        }
    }

    /// A conversation's latest `limit` messages from the cache, oldest first, each time one
    /// appears or changes.
    public func messageListStream(conversationId: String, limit: UInt32) throws
        -> AsyncStream<[ChatItem]>
    {
        var relay: MessageRelay?
        let stream = AsyncStream<[ChatItem]>(bufferingPolicy: .unbounded) { continuation in
            relay = MessageRelay(continuation)
        }
        guard let relay else { return stream }
        let handle = try self.observeMessages(
            conversationId: conversationId, limit: limit, listener: relay)
        relay.continuation.onTermination = { _ in handle.cancel() }
        return stream
    }

    /// The list of chats, newest activity first, each time it changes.
    public func chatListStream() throws -> AsyncStream<[ChatSummary]> {
        var relay: ChatRelay?
        let stream = AsyncStream<[ChatSummary]>(bufferingPolicy: .unbounded) { continuation in
            relay = ChatRelay(continuation)
        }
        guard let relay else { return stream }
        let handle = try self.observeChats(listener: relay)
        relay.continuation.onTermination = { _ in handle.cancel() }
        return stream
    }
}

private final class EventRelay: EventListener {
    let continuation: AsyncStream<Event>.Continuation
    init(_ continuation: AsyncStream<Event>.Continuation) { self.continuation = continuation }
    func onEvent(event: Event) { continuation.yield(event) }
}

// The listeners are called in order, never concurrently for one subscription: the
// dictionaries need no lock.
private final class ExpertRelay: ExpertListListener {
    let continuation: AsyncStream<[ExpertItem]>.Continuation
    private var byId: [String: ExpertItem] = [:]
    private var order: [String] = []
    init(_ continuation: AsyncStream<[ExpertItem]>.Continuation) {
        self.continuation = continuation
    }
    private func emit() { continuation.yield(order.compactMap { byId[$0] }) }
    func onSnapshot(experts: [ExpertItem]) {
        byId = Dictionary(experts.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        order = experts.map { $0.id }
        emit()
    }
    func onUpdate(expert: ExpertItem) {
        if byId[expert.id] == nil { order.append(expert.id) }
        byId[expert.id] = expert
        emit()
    }
    func onRemove(expertId: String) {
        byId[expertId] = nil
        order.removeAll { $0 == expertId }
        emit()
    }
}

private final class MessageRelay: MessageListListener {
    let continuation: AsyncStream<[ChatItem]>.Continuation
    private var byLocalId: [Int64: ChatItem] = [:]
    init(_ continuation: AsyncStream<[ChatItem]>.Continuation) {
        self.continuation = continuation
    }
    private func emit() {
        continuation.yield(
            byLocalId.values.sorted { ($0.time, $0.localId) < ($1.time, $1.localId) })
    }
    func onSnapshot(messages: [ChatItem]) {
        byLocalId = Dictionary(messages.map { ($0.localId, $0) }, uniquingKeysWith: { _, l in l })
        emit()
    }
    func onChange(message: ChatItem) {
        byLocalId[message.localId] = message
        emit()
    }
}

private final class ChatRelay: ChatListListener {
    let continuation: AsyncStream<[ChatSummary]>.Continuation
    private var byId: [String: ChatSummary] = [:]
    init(_ continuation: AsyncStream<[ChatSummary]>.Continuation) {
        self.continuation = continuation
    }
    private func emit() {
        continuation.yield(
            byId.values.sorted {
                ($0.lastActivity ?? .distantPast) > ($1.lastActivity ?? .distantPast)
            })
    }
    func onSnapshot(chats: [ChatSummary]) {
        byId = Dictionary(chats.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        emit()
    }
    func onUpdate(chat: ChatSummary) {
        byId[chat.id] = chat
        emit()
    }
    func onRemove(chatId: String) {
        byId[chatId] = nil
        emit()
    }
}
