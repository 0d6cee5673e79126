//! The Messenger service: applies what the server says to the cache (receive path), claims the
//! messaging commands (send through the outbox, pages, search, retry, discard, typing).

use super::cache::{Cache, Outgoing, VoiceOutgoing};
use super::outbox;
use super::typing::Typing;
use crate::client::{Client, Service, WeakClient};
use crate::command::Command;
use crate::dialect::{BackfillRequest, Reconcile, SendRefusal};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{ChatMessage, DeliveryState, PageSource};
use crate::model::{Message, MessageKind, Party};
use crate::store::{Store, StoreError};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Timings of the outbox and of typing notifications.
#[derive(Debug, Clone)]
pub struct MessengerConfig {
    /// How long a sent message may wait for the server's ack or echo before it is resent.
    pub confirm_timeout: Duration,
    /// Tries (not counting those made while offline) before a message is `failed`.
    pub max_attempts: u32,
    /// First wait before a retry after a transient error; doubles up to `retry_max`.
    pub retry_base: Duration,
    /// Longest wait between retries.
    pub retry_max: Duration,
    /// At most one "started typing" per this interval while the user keeps typing.
    pub typing_throttle: Duration,
    /// "Stopped typing" is sent this long after the last keystroke.
    pub typing_idle: Duration,
    /// Wait after the server says we send too fast (002 `RATE_LIMIT_EXCEEDED`); such tries
    /// are not counted against `max_attempts`.
    pub rate_limit_pause: Duration,
    /// How many times in a row a message may be slowed down before it fails.
    pub max_slow_downs: u32,
    /// How long a queued message may wait for a connection before it fails (offline time is
    /// not counted as attempts, so this is the only bound while offline).
    pub offline_expiry: Duration,
}

impl Default for MessengerConfig {
    fn default() -> Self {
        MessengerConfig {
            confirm_timeout: Duration::from_secs(10),
            max_attempts: 5,
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(30),
            typing_throttle: Duration::from_secs(3),
            typing_idle: Duration::from_secs(5),
            rate_limit_pause: Duration::from_secs(10),
            max_slow_downs: 30,
            offline_expiry: Duration::from_secs(24 * 3600),
        }
    }
}

pub(super) struct Inner {
    pub(super) cache: Cache,
    pub(super) client: WeakClient,
    pub(super) config: MessengerConfig,
    me: Mutex<Party>,
    /// Wakes the outbox: something was queued, or the connection came back.
    pub(super) wake: Notify,
    /// Wakes the outbox while it waits for a confirmation: a queued message changed.
    pub(super) progress: Notify,
    /// Rooms must be rejoined (set on every connect).
    pub(super) rejoin: AtomicBool,
    /// The server said we send too fast (an error event no message can be matched to).
    pub(super) rate_limited: AtomicBool,
    /// The one message on its way to the server, to which an answer that names no message
    /// belongs.
    pub(super) in_flight: Mutex<Option<InFlight>>,
    typing: Typing,
}

/// The message the outbox has handed to the server and not yet settled.
#[derive(Debug, Clone)]
pub(super) struct InFlight {
    pub(super) conversation_id: String,
    pub(super) client_id: String,
}

impl Inner {
    pub(super) fn me(&self) -> Party {
        self.me.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn me_id(&self) -> Option<String> {
        let me = self.me();
        (!me.id.is_empty()).then_some(me.id)
    }

    /// Whether the server is known to drop resends by client id (the profile says so).
    pub(super) fn server_deduplicates(&self) -> bool {
        self.client
            .upgrade()
            .is_some_and(|c| c.profile().delivery.server_deduplicates)
    }

    /// The message in flight, if it belongs to `conversation_id` (or the answer names none).
    fn in_flight_for(&self, conversation_id: Option<&str>) -> Option<InFlight> {
        let f = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        conversation_id
            .is_none_or(|c| c == f.conversation_id)
            .then_some(f)
    }

    /// Confirms the message in flight with `server_id` (an answer that names no message), unless
    /// that id is already known here: then it answers an earlier message, not this one.
    fn confirm_in_flight(
        &self,
        conversation_id: Option<&str>,
        server_id: &str,
        message: Option<&Message>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let Some(f) = self.in_flight_for(conversation_id) else {
            return Ok(None);
        };
        if server_id.is_empty() || self.cache.knows_server_id(&f.conversation_id, server_id)? {
            return Ok(None);
        }
        self.cache
            .confirm_sent(Some(&f.conversation_id), &f.client_id, server_id, message)
    }

    /// A page of the conversation's newest messages came in (a rejoin's recent messages, the
    /// newest history page): settles what was in doubt there.
    fn settle(&self, conversation_id: &str, page: &[Message]) -> Vec<ChatMessage> {
        // Without knowing who we are, our own copies could not have been recognised on the page.
        if self.me_id().is_none() {
            return vec![];
        }
        let ids: Vec<String> = page.iter().map(|m| m.id.clone()).collect();
        let settled = self
            .cache
            .settle_doubts(conversation_id, &ids, self.config.max_attempts)
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot settle doubts");
                vec![]
            });
        if !settled.is_empty() {
            self.progress.notify_one();
        }
        settled
    }

    pub(super) fn typing_state(&self) -> &Typing {
        &self.typing
    }

    pub(super) fn publish(&self, event: DomainEvent) {
        if let Some(client) = self.client.upgrade() {
            client.publish(event);
        }
    }

    pub(super) fn publish_changed(&self, m: Option<ChatMessage>) {
        if let Some(message) = m {
            self.publish(DomainEvent::ChatMessageChanged { message });
        }
    }
}

/// The messaging service. See the [module documentation](super).
pub struct Messenger {
    inner: Arc<Inner>,
}

fn store_error(e: StoreError) -> Error {
    Error::InvalidInput(format!("local cache: {e}"))
}

fn changed(messages: Vec<ChatMessage>) -> Vec<DomainEvent> {
    messages
        .into_iter()
        .map(|message| DomainEvent::ChatMessageChanged { message })
        .collect()
}

impl Messenger {
    /// Attaches a Messenger with the cache `store` to `client` and starts its outbox, which
    /// resends whatever a previous run left queued. Call inside a tokio runtime.
    pub fn attach(client: &Client, store: Store, config: MessengerConfig) -> Arc<Messenger> {
        let me = Party {
            id: client.profile().account_id.clone().unwrap_or_default(),
            ..Party::default()
        };
        let inner = Arc::new(Inner {
            cache: Cache::new(store),
            client: client.downgrade(),
            typing: Typing::new(config.typing_throttle, config.typing_idle),
            config,
            me: Mutex::new(me),
            wake: Notify::new(),
            progress: Notify::new(),
            rejoin: AtomicBool::new(true),
            rate_limited: AtomicBool::new(false),
            in_flight: Mutex::new(None),
        });
        let messenger = Arc::new(Messenger {
            inner: inner.clone(),
        });
        client.attach(messenger.clone());
        tokio::spawn(outbox::run(inner));
        messenger
    }

    /// The cache this Messenger writes.
    pub fn cache(&self) -> &Cache {
        &self.inner.cache
    }

    fn apply(&self, event: &DomainEvent) -> Result<Vec<DomainEvent>, StoreError> {
        let inner = &self.inner;
        let cache = &inner.cache;
        let out = match event {
            DomainEvent::Connection { state } => {
                if state.is_connected() {
                    inner.rejoin.store(true, Ordering::SeqCst);
                }
                inner.wake.notify_one();
                vec![]
            }
            DomainEvent::ServerError { code, message, .. } => {
                let refusal = inner
                    .client
                    .upgrade()
                    .and_then(|c| c.rules().send_refusal(code.as_deref()));
                match refusal {
                    Some(SendRefusal::SlowDown) => {
                        inner.rate_limited.store(true, Ordering::SeqCst);
                        inner.progress.notify_one();
                        vec![]
                    }
                    Some(SendRefusal::Refused) => {
                        let m = match inner.in_flight_for(None) {
                            Some(f) => cache.fail(
                                Some(&f.conversation_id),
                                &f.client_id,
                                message,
                                code.as_deref(),
                            )?,
                            None => None,
                        };
                        inner.progress.notify_one();
                        changed(m.into_iter().collect())
                    }
                    None => vec![],
                }
            }
            DomainEvent::Authenticated { user } => {
                let mut me = inner.me.lock().unwrap_or_else(|p| p.into_inner());
                if me.id.is_empty() || me.id == user.id {
                    *me = user.clone();
                }
                vec![]
            }
            DomainEvent::MessageReceived { message } => {
                let m = cache.apply_message(message, inner.me_id().as_deref())?;
                if m.as_ref().is_some_and(|m| m.own) {
                    inner.progress.notify_one();
                }
                changed(m.into_iter().collect())
            }
            DomainEvent::MessageSent {
                conversation_id,
                server_id,
                client_id,
                message,
            } => {
                let cid = client_id
                    .clone()
                    .or_else(|| message.as_ref().and_then(|m| m.client_id.clone()));
                let conv = conversation_id
                    .clone()
                    .or_else(|| message.as_ref().map(|m| m.conversation_id.clone()))
                    .filter(|c| !c.is_empty());
                // By our client id where the server repeats it; else it answers the one
                // message in flight.
                let mut m = match &cid {
                    Some(cid) => {
                        cache.confirm_sent(conv.as_deref(), cid, server_id, message.as_ref())?
                    }
                    None => None,
                };
                if m.is_none() {
                    m = inner.confirm_in_flight(conv.as_deref(), server_id, message.as_ref())?;
                }
                inner.progress.notify_one();
                changed(m.into_iter().collect())
            }
            DomainEvent::MessageFailed {
                conversation_id,
                client_id,
                code,
                message,
            } => {
                let conv = conversation_id.as_deref().filter(|c| !c.is_empty());
                let mut m = match client_id {
                    Some(cid) => cache.fail(conv, cid, message, code.as_deref())?,
                    None => None,
                };
                // An error that names no message of ours is about the one in flight.
                if m.is_none() {
                    if let Some(f) = inner.in_flight_for(conv) {
                        m = cache.fail(
                            Some(&f.conversation_id),
                            &f.client_id,
                            message,
                            code.as_deref(),
                        )?;
                    }
                }
                inner.progress.notify_one();
                changed(m.into_iter().collect())
            }
            DomainEvent::ReactionChanged {
                conversation_id,
                message_id,
                user,
                emoji,
                added,
                ..
            } => changed(
                cache
                    .apply_reaction(
                        conversation_id.as_deref(),
                        message_id,
                        &user.id,
                        emoji,
                        *added,
                    )?
                    .into_iter()
                    .collect(),
            ),
            DomainEvent::MessagesRead {
                conversation_id,
                user_id,
                message_ids,
                read_at,
            } => changed(cache.apply_receipt(
                conversation_id.as_deref(),
                user_id,
                message_ids,
                read_at.as_deref(),
            )?),
            DomainEvent::ParticipantChanged {
                conversation_id: Some(conv),
                user,
                joined,
                at,
            } => {
                cache.set_participant(conv, user, *joined, at.as_deref())?;
                vec![]
            }
            DomainEvent::ActiveUsers {
                conversation_id,
                user_ids,
            } => {
                cache.set_active_users(conversation_id, user_ids)?;
                vec![]
            }
            DomainEvent::ConversationStatusChanged {
                conversation_id,
                status,
            } => {
                cache.set_status(conversation_id, status)?;
                vec![]
            }
            DomainEvent::ConversationJoined {
                conversation_id,
                recent,
            } => {
                cache.set_joined(conversation_id, true)?;
                let mut m = cache.ingest_messages(recent, inner.me_id().as_deref())?;
                if m.iter().any(|m| m.own) {
                    inner.progress.notify_one();
                }
                // The recent messages settle what was in doubt (those of ours it holds were
                // adopted just now).
                if can_settle_from(inner, Reconcile::RejoinAnswer) {
                    m.extend(inner.settle(conversation_id, recent));
                }
                changed(m)
            }
            DomainEvent::ConversationLeft { conversation_id } => {
                cache.set_joined(conversation_id, false)?;
                vec![]
            }
            DomainEvent::History {
                conversation_id,
                messages,
                before,
                ..
            } => {
                let mut m = cache.ingest_messages(messages, inner.me_id().as_deref())?;
                // Only the newest page reaches up to now, so only it can prove a message absent.
                if before.is_none() && can_settle_from(inner, Reconcile::HistoryPage) {
                    m.extend(inner.settle(conversation_id, messages));
                }
                changed(m)
            }
            DomainEvent::Conversations { conversations } => {
                for c in conversations {
                    cache.upsert_conversation(c)?;
                }
                vec![]
            }
            DomainEvent::VoicePlayback {
                url,
                duration_ms: Some(duration_ms),
                waveform,
                ..
            } if !waveform.is_empty() => {
                changed(cache.set_voice_shape(url, *duration_ms, waveform)?)
            }
            DomainEvent::VoiceNoteChanged {
                client_id,
                conversation_id,
                state,
                duration_ms,
                waveform,
                message_id,
                file_url,
                error,
                ..
            } => self.apply_voice_note(VoiceNoteUpdate {
                client_id,
                conversation_id,
                state,
                duration_ms: *duration_ms,
                waveform,
                message_id: message_id.as_deref(),
                file_url: file_url.as_deref(),
                error: error.as_deref(),
            })?,
            _ => vec![],
        };
        Ok(out)
    }
}

/// Whether this server's pages of the kind `source` can settle doubts (its dialect says so).
fn can_settle_from(inner: &Inner, source: Reconcile) -> bool {
    inner
        .client
        .upgrade()
        .and_then(|c| c.rules().message_delivery())
        .is_some_and(|d| d.reconcile == source)
}

/// The parts of a `voice_note_changed` event the cache keeps.
struct VoiceNoteUpdate<'a> {
    client_id: &'a str,
    conversation_id: &'a str,
    state: &'a str,
    duration_ms: u64,
    waveform: &'a [u8],
    message_id: Option<&'a str>,
    file_url: Option<&'a str>,
    error: Option<&'a str>,
}

impl Messenger {
    /// A voice note is a message: the voice outbox delivers it (the audio goes first) and
    /// reports here, so the conversation shows it at once and keeps its waveform.
    fn apply_voice_note(&self, v: VoiceNoteUpdate<'_>) -> Result<Vec<DomainEvent>, StoreError> {
        let cache = &self.inner.cache;
        let me = self.inner.me();
        let (conv, cid) = (v.conversation_id, v.client_id);
        let m = match v.state {
            "queued" => cache
                .enqueue_voice(&VoiceOutgoing {
                    conversation_id: conv,
                    client_id: cid,
                    sender: &me,
                    file_name: None,
                    duration_ms: v.duration_ms,
                    waveform: v.waveform,
                })
                .map(Some),
            "sending" => cache.set_voice_state(conv, cid, DeliveryState::Sending, None),
            "retrying" => cache.set_voice_state(conv, cid, DeliveryState::Pending, v.error),
            "sent" => {
                let Some(server_id) = v.message_id else {
                    return Ok(vec![]);
                };
                let stored = Message {
                    id: server_id.to_owned(),
                    conversation_id: conv.to_owned(),
                    client_id: Some(cid.to_owned()),
                    sender: me,
                    kind: MessageKind::Voice,
                    text: None,
                    file_url: v.file_url.map(str::to_owned),
                    file_name: None,
                    reply_to: None,
                    sent_at: None,
                    read: None,
                    reactions: Default::default(),
                    duration_secs: None,
                };
                cache.confirm_sent(Some(conv), cid, server_id, Some(&stored))
            }
            "failed" => cache.fail(Some(conv), cid, v.error.unwrap_or("refused"), None),
            "cancelled" => {
                if cache.remove_unsent_voice(conv, cid)? {
                    return Ok(vec![DomainEvent::ChatMessageDiscarded {
                        conversation_id: conv.to_owned(),
                        client_id: cid.to_owned(),
                    }]);
                }
                Ok(None)
            }
            _ => Ok(None),
        }?;
        Ok(changed(m.into_iter().collect()))
    }
}

impl Service for Messenger {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        match self.apply(event) {
            Ok(events) => events,
            Err(e) => {
                // The cache is a copy: a failed write loses nothing the server does not have.
                tracing::warn!(error = %e, event = %event.name(), "cache write failed");
                vec![]
            }
        }
    }

    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        let inner = self.inner.clone();
        match cmd.clone() {
            Command::SendMessage {
                conversation_id,
                client_id,
                text,
                reply_to,
                file_id,
            } => Some(
                async move {
                    if text.as_deref().is_none_or(|t| t.trim().is_empty()) && file_id.is_none() {
                        return Err(Error::InvalidInput("a message needs text or a file".into()));
                    }
                    if conversation_id.is_empty() {
                        return Err(Error::InvalidInput("a message needs a conversation".into()));
                    }
                    let client_id = if client_id.is_empty() {
                        uuid::Uuid::new_v4().to_string()
                    } else {
                        client_id
                    };
                    // Refused now rather than by the server later, where the refusal might
                    // match no message: ids the server cannot take, messages over its limit.
                    if let Some(client) = inner.client.upgrade() {
                        client.rules().check_client_id(&client_id)?;
                        let size = client.encoded_bytes(&Command::SendMessage {
                            conversation_id: conversation_id.clone(),
                            client_id: client_id.clone(),
                            text: text.clone(),
                            reply_to: reply_to.clone(),
                            file_id: file_id.clone(),
                        })?;
                        let max = client.profile().delivery.max_message_bytes;
                        if size > max {
                            return Err(Error::InvalidInput(format!(
                                "the message is {size} bytes once encoded; this server takes at most {max}"
                            )));
                        }
                    }
                    let me = inner.me();
                    let m = inner
                        .cache
                        .enqueue(&Outgoing {
                            conversation_id: &conversation_id,
                            client_id: &client_id,
                            sender: &me,
                            text: text.as_deref(),
                            reply_to: reply_to.as_deref(),
                            file_id: file_id.as_deref(),
                        })
                        .map_err(store_error)?;
                    let ev = DomainEvent::ChatMessageChanged { message: m };
                    inner.publish(ev.clone());
                    inner.wake.notify_one();
                    Ok(vec![ev])
                }
                .boxed(),
            ),
            Command::RetryMessage {
                conversation_id,
                client_id,
            } => Some(
                async move {
                    let m = inner
                        .cache
                        .retry(&conversation_id, &client_id)
                        .map_err(store_error)?
                        .ok_or_else(|| {
                            Error::InvalidInput(format!("no failed message {client_id:?} here"))
                        })?;
                    let ev = DomainEvent::ChatMessageChanged { message: m };
                    inner.publish(ev.clone());
                    inner.wake.notify_one();
                    Ok(vec![ev])
                }
                .boxed(),
            ),
            Command::DiscardMessage {
                conversation_id,
                client_id,
            } => Some(
                async move {
                    if !inner
                        .cache
                        .discard(&conversation_id, &client_id)
                        .map_err(store_error)?
                    {
                        return Err(Error::InvalidInput(format!(
                            "no unsent message {client_id:?} here"
                        )));
                    }
                    let ev = DomainEvent::ChatMessageDiscarded {
                        conversation_id,
                        client_id,
                    };
                    inner.publish(ev.clone());
                    Ok(vec![ev])
                }
                .boxed(),
            ),
            Command::SearchMessages {
                query,
                conversation_id,
                limit,
            } => Some(
                async move {
                    let messages = inner
                        .cache
                        .search(&query, conversation_id.as_deref(), limit.unwrap_or(50))
                        .map_err(store_error)?;
                    Ok(vec![DomainEvent::SearchResults { query, messages }])
                }
                .boxed(),
            ),
            Command::LoadMessages {
                conversation_id,
                before,
                limit,
            } => Some(load_messages(inner, conversation_id, before, limit.unwrap_or(50)).boxed()),
            Command::SetTyping {
                conversation_id,
                typing,
            } => Some(super::typing::set(inner, conversation_id, typing).boxed()),
            _ => None,
        }
    }
}

fn page_event(
    inner: &Inner,
    conversation_id: &str,
    before: Option<i64>,
    limit: u32,
    source: PageSource,
) -> Result<DomainEvent, Error> {
    let (messages, has_more) = inner
        .cache
        .page(conversation_id, before, limit)
        .map_err(store_error)?;
    Ok(DomainEvent::MessagesPage {
        conversation_id: conversation_id.to_owned(),
        before,
        messages,
        has_more,
        source,
    })
}

/// The page from the cache now; then, when online and the dialect can, a backfill and the
/// page again (published, `source: server`).
async fn load_messages(
    inner: Arc<Inner>,
    conversation_id: String,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<DomainEvent>, Error> {
    let first = page_event(&inner, &conversation_id, before, limit, PageSource::Cache)?;
    let cache_exhausted = matches!(
        &first,
        DomainEvent::MessagesPage {
            has_more: false,
            ..
        }
    );
    inner.publish(first.clone());
    let Some(client) = inner.client.upgrade() else {
        return Ok(vec![first]);
    };
    // Older pages are asked for only once the cache has none.
    let oldest = match (before, cache_exhausted) {
        (Some(_), true) => inner
            .cache
            .oldest_server_id(&conversation_id)
            .map_err(store_error)?,
        _ => None,
    };
    let backfill = client.rules().backfill(&BackfillRequest {
        conversation_id: &conversation_id,
        newest: before.is_none(),
        older_than: oldest.as_deref(),
        limit,
    });
    if let Some(cmd) = backfill {
        if client.state().is_connected() {
            let inner = inner.clone();
            tokio::spawn(async move {
                match client.send_to_server(cmd).await {
                    Ok(_) => {
                        if let Ok(ev) =
                            page_event(&inner, &conversation_id, before, limit, PageSource::Server)
                        {
                            inner.publish(ev);
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "history backfill failed"),
                }
            });
        }
    }
    Ok(vec![first])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::DialectId;
    use crate::profile::ServerProfile;
    use crate::token::StaticToken;

    fn offline(d: DialectId, tag: &str) -> (Client, Arc<Messenger>) {
        // Nothing listens on port 9: the client stays offline, which is the point.
        let client = Client::connect(
            ServerProfile::new(d, "http://127.0.0.1:9"),
            Arc::new(StaticToken::new("t")),
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("parlor-svc-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir.join("c.sqlite3")).unwrap();
        let m = Messenger::attach(&client, store, MessengerConfig::default());
        (client, m)
    }

    fn msg(conv: &str, cid: &str, text: &str) -> Command {
        Command::SendMessage {
            conversation_id: conv.into(),
            client_id: cid.into(),
            text: Some(text.into()),
            reply_to: None,
            file_id: None,
        }
    }

    #[tokio::test]
    async fn offline_sends_queue_and_pages_and_search_come_from_the_cache() {
        let (client, m) = offline(DialectId::SupportChat, "offline");
        for (cid, text) in [("a", "first words"), ("", "second words")] {
            let r = client.send(msg("c", cid, text)).await.unwrap();
            assert!(
                matches!(&r[0], DomainEvent::ChatMessageChanged { message } if message.state == crate::messaging::DeliveryState::Pending && message.client_id.as_deref().is_some_and(|c| !c.is_empty()))
            );
        }
        for bad in [msg("c", "x", "  "), msg("", "x", "text")] {
            assert_eq!(client.send(bad).await.unwrap_err().code(), "invalid_input");
        }
        let page = client
            .send(Command::LoadMessages {
                conversation_id: "c".into(),
                before: None,
                limit: None,
            })
            .await
            .unwrap();
        assert!(
            matches!(&page[0], DomainEvent::MessagesPage { messages, source: PageSource::Cache, has_more: false, .. } if messages.len() == 2)
        );
        let found = client
            .send(Command::SearchMessages {
                query: "second".into(),
                conversation_id: Some("c".into()),
                limit: None,
            })
            .await
            .unwrap();
        assert!(
            matches!(&found[0], DomainEvent::SearchResults { messages, .. } if messages.len() == 1)
        );
        assert_eq!(m.cache().queued_count().unwrap(), 2);
        // Typing offline: the first start tries (and fails: offline), repeats are throttled.
        let typing = Command::SetTyping {
            conversation_id: "c".into(),
            typing: true,
        };
        assert_eq!(
            client.send(typing.clone()).await.unwrap_err().code(),
            "not_connected"
        );
        assert_eq!(client.send(typing).await, Ok(vec![]));
    }

    fn voice(state: &str, cid: &str) -> DomainEvent {
        DomainEvent::VoiceNoteChanged {
            client_id: cid.into(),
            conversation_id: "s".into(),
            state: state.into(),
            sent: (state == "sending").then_some(10),
            total: (state == "sending").then_some(100),
            duration_ms: 3_500,
            waveform: (0..64).collect(),
            message_id: (state == "sent").then(|| cid.to_owned()),
            file_url: (state == "sent").then(|| format!("/uploads/{cid}.ogg")),
            error: (state == "retrying").then(|| "server away".to_owned()),
        }
    }

    fn changed_states(events: &[DomainEvent]) -> Vec<(String, Option<String>)> {
        events
            .iter()
            .filter_map(|e| match e {
                DomainEvent::ChatMessageChanged { message } => {
                    Some((message.state.as_str().to_owned(), message.file_url.clone()))
                }
                _ => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn a_voice_note_is_a_message_with_its_waveform_delivered_by_the_voice_outbox() {
        let (client, m) = offline(DialectId::TarotChat, "voice");
        let mut events = client.subscribe();
        let cid = "0b0e8a43-5d70-4a43-9d5b-6c1c8d2f7e11";
        // Queued twice (a restarted voice outbox reports its notes again): one row.
        for state in [
            "queued", "queued", "sending", "sending", "retrying", "sending", "sent",
        ] {
            client.publish(voice(state, cid));
        }
        // A cancelled note that the server never had disappears.
        client.publish(voice("queued", "c2"));
        client.publish(voice("cancelled", "c2"));
        let mut seen = Vec::new();
        while let Ok(Some(e)) =
            tokio::time::timeout(Duration::from_millis(200), events.recv()).await
        {
            seen.push(e);
        }
        let states = changed_states(&seen);
        let url = Some(format!("/uploads/{cid}.ogg"));
        assert_eq!(
            states,
            vec![
                ("pending".into(), None),
                ("pending".into(), None),
                ("sending".into(), None),
                ("pending".into(), None),
                ("sending".into(), None),
                ("sent".into(), url.clone()),
                ("pending".into(), None),
            ],
            "progress reports repeat no change"
        );
        assert!(seen.iter().any(|e| matches!(e,
            DomainEvent::ChatMessageDiscarded { client_id, .. } if client_id == "c2")));
        let (page, _) = m.cache().page("s", None, 50).unwrap();
        assert_eq!(page.len(), 1);
        let note = &page[0];
        assert_eq!(note.kind, MessageKind::Voice);
        assert!(note.own);
        assert_eq!(note.state, DeliveryState::Sent);
        assert_eq!(note.server_id.as_deref(), Some(cid));
        assert_eq!(note.file_url, url);
        assert_eq!(note.duration_ms, Some(3_500));
        assert_eq!(note.waveform, (0..64).collect::<Vec<u8>>());
        // Never the message outbox's to send.
        assert_eq!(m.cache().queued_count().unwrap(), 0);

        // A note received from someone else has no waveform until it is first played.
        let theirs = Message {
            id: "m-theirs".into(),
            conversation_id: "s".into(),
            client_id: None,
            sender: Party {
                id: "samia".into(),
                ..Party::default()
            },
            kind: MessageKind::Voice,
            text: None,
            file_url: Some("/uploads/theirs.ogg".into()),
            file_name: None,
            reply_to: None,
            sent_at: None,
            read: None,
            reactions: Default::default(),
            duration_secs: Some(2.5),
        };
        client.publish(DomainEvent::MessageReceived { message: theirs });
        let played = |waveform: Vec<u8>| DomainEvent::VoicePlayback {
            url: "/uploads/theirs.ogg".into(),
            state: "started".into(),
            position_ms: None,
            duration_ms: Some(2_500),
            waveform,
        };
        client.publish(played(vec![9; 64]));
        client.publish(played(vec![7; 64]));
        let (page, _) = m.cache().page("s", None, 50).unwrap();
        let received = page.iter().find(|n| !n.own).unwrap();
        assert_eq!(received.duration_ms, Some(2_500));
        assert_eq!(received.waveform, vec![9; 64], "kept from the first play");
    }

    #[tokio::test]
    async fn tarot_chat_message_ids_must_be_uuids() {
        let (client, _m) = offline(DialectId::TarotChat, "uuid");
        assert_eq!(
            client
                .send(msg("s", "not-a-uuid", "hi"))
                .await
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        assert!(client.send(msg("s", "", "hi")).await.is_ok());
    }
}
