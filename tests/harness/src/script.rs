//! Scripting the core: an `Actor` is one signed-in party (a `Client` plus its event stream)
//! whose script waits for the events it expects, with a deadline, and narrates what happens.

use parlor_core::{
    Client, Command, DialectId, DomainEvent, Request, ServerProfile, Session, StaticToken,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// A step of a script that did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The expected event never came.
    #[error("{actor}: waited {secs} s for {what}; last events: {recent}")]
    Missing {
        /// Who waited.
        actor: String,
        /// For what.
        what: String,
        /// How long.
        secs: u64,
        /// The last few events seen, for diagnosis.
        recent: String,
    },
    /// A command failed.
    #[error("{actor}: {what} failed: {error}")]
    Command {
        /// Who sent it.
        actor: String,
        /// What.
        what: String,
        /// The core's error.
        error: parlor_core::Error,
    },
    /// Anything else (server start, token).
    #[error("{0}")]
    Setup(String),
}

/// One party of a scripted session.
pub struct Actor {
    /// Display name for the transcript.
    pub name: String,
    /// The connection.
    pub client: Client,
    events: parlor_core::EventStream,
    /// Events seen but not yet claimed by an `expect`, oldest first: scripts need not
    /// predict the order in which independent events arrive.
    backlog: VecDeque<DomainEvent>,
    recent: Vec<String>,
}

/// Events kept for later `expect`s at most; older ones are dropped.
const BACKLOG_LIMIT: usize = 10_000;

impl Actor {
    /// Connects `name` to `url` in `dialect` with `token`, and waits until connected.
    pub async fn connect(
        name: &str,
        dialect: DialectId,
        url: &str,
        namespace: &str,
        token: String,
        account_id: Option<&str>,
    ) -> Result<Actor, StepError> {
        let mut profile = ServerProfile::new(dialect, url);
        profile.namespace = namespace.into();
        profile.rest_url = Some(url.into());
        profile.account_id = account_id.map(str::to_owned);
        Self::connect_profile(name, profile, token).await
    }

    /// Connects with a full profile, with the consultation service, the expert directory and
    /// the presence keeper attached (no cache), and waits until connected.
    pub async fn connect_profile(
        name: &str,
        profile: ServerProfile,
        token: String,
    ) -> Result<Actor, StepError> {
        // No cache, and no call service: scripts drive calls themselves (with the loopback
        // engine where they want one).
        let client = Session::builder(profile, Arc::new(StaticToken::new(token)))
            .without_calls()
            .build()
            .map_err(|e| StepError::Setup(format!("{name}: {e}")))?
            .client;
        let events = client.subscribe();
        client
            .wait_connected(Duration::from_secs(10))
            .await
            .map_err(|e| StepError::Setup(format!("{name} could not connect: {e}")))?;
        Ok(Actor {
            name: name.into(),
            client,
            events,
            backlog: VecDeque::new(),
            recent: Vec::new(),
        })
    }

    /// Sends a command; its direct answer's events are returned.
    pub async fn send(
        &mut self,
        what: &str,
        cmd: impl Into<Request>,
    ) -> Result<Vec<DomainEvent>, StepError> {
        self.client
            .send(cmd)
            .await
            .map_err(|error| StepError::Command {
                actor: self.name.clone(),
                what: what.into(),
                error,
            })
    }

    /// Waits (up to `secs`) for the first event `pick` accepts (earlier unclaimed events
    /// first), keeping the others for later expectations.
    pub async fn expect<T>(
        &mut self,
        what: &str,
        secs: u64,
        mut pick: impl FnMut(&DomainEvent) -> Option<T>,
    ) -> Result<T, StepError> {
        if let Some((i, found)) = self
            .backlog
            .iter()
            .enumerate()
            .find_map(|(i, e)| pick(e).map(|f| (i, f)))
        {
            self.backlog.remove(i);
            return Ok(found);
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let next = tokio::time::timeout_at(deadline, self.events.recv()).await;
            match next {
                Ok(Some(event)) => {
                    if let Some(found) = pick(&event) {
                        return Ok(found);
                    }
                    self.keep(event);
                }
                Ok(None) | Err(_) => {
                    return Err(StepError::Missing {
                        actor: self.name.clone(),
                        what: what.into(),
                        secs,
                        recent: self.recent.join(" | "),
                    })
                }
            }
        }
    }

    /// Asserts that no event `pick` accepts arrives within `millis` (nor is waiting).
    pub async fn expect_none(
        &mut self,
        what: &str,
        millis: u64,
        mut pick: impl FnMut(&DomainEvent) -> bool,
    ) -> Result<(), StepError> {
        let unexpected = |e: &DomainEvent| {
            StepError::Setup(format!(
                "unexpected {what}: {}",
                serde_json::to_string(e).unwrap_or_default()
            ))
        };
        if let Some(e) = self.backlog.iter().find(|e| pick(e)) {
            return Err(unexpected(e));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_millis(millis);
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            if pick(&event) {
                return Err(unexpected(&event));
            }
            self.keep(event);
        }
        Ok(())
    }

    /// Forgets the events earlier `expect`s skipped over: all arrived before the last match
    /// read from the channel, so a following `expect_none` judges only what came after it.
    pub fn forget_skipped(&mut self) {
        self.backlog.clear();
    }

    /// Drops whatever events are waiting.
    pub fn drain(&mut self) {
        while let Some(e) = self.events.try_recv() {
            self.remember(&e);
        }
        self.backlog.clear();
    }

    fn keep(&mut self, event: DomainEvent) {
        self.remember(&event);
        self.backlog.push_back(event);
        if self.backlog.len() > BACKLOG_LIMIT {
            self.backlog.pop_front();
        }
    }

    fn remember(&mut self, event: &DomainEvent) {
        let line = serde_json::to_string(event).unwrap_or_default();
        self.recent.push(line.chars().take(200).collect());
        if self.recent.len() > 6 {
            self.recent.remove(0);
        }
    }
}

/// Seed 000: `user` asks `expert` (account `expert_id`) for a text chat, the expert accepts
/// and the user starts it. Returns the room id once billing runs.
pub async fn open_billed_chat(
    user: &mut Actor,
    expert: &mut Actor,
    expert_id: &str,
) -> Result<String, StepError> {
    user.send(
        "request",
        Command::RequestConsultation {
            expert_id: expert_id.into(),
            kind: parlor_core::model::ConsultationKind::Text,
            rate_per_minute: None,
        },
    )
    .await?;
    let id = expert
        .expect("the request", 5, |e| match e {
            DomainEvent::ConsultationRequested {
                consultation_id, ..
            } => Some(consultation_id.clone()),
            _ => None,
        })
        .await?;
    expert
        .send(
            "accept",
            Command::AnswerConsultation {
                consultation_id: id.clone(),
                accept: true,
            },
        )
        .await?;
    user.send(
        "start",
        Command::StartConsultation {
            consultation_id: id.clone(),
        },
    )
    .await?;
    Ok(id)
}

/// The seeded account that chats in `d`'s reference server (001, 002, 003).
pub fn chat_user(d: DialectId) -> &'static str {
    match d {
        DialectId::PresenceSessions => "user_asha",
        DialectId::TarotChat => "11111111-1111-4111-8111-111111111111",
        _ => "1",
    }
}

/// A conversation `user` (signed in as [`chat_user`]) may write to on `server`: 002 and 003
/// have a seeded one; 001 chats inside an accepted session, which this opens with the seeded
/// astrologer (connected straight to `server` for the accept). Joined before it is returned.
pub async fn open_chat(
    server: &crate::servers::RefServer,
    d: DialectId,
    user: &mut Actor,
) -> Result<String, StepError> {
    let conversation = match d {
        DialectId::PresenceSessions => {
            let token = server
                .mint("astro_sharma")
                .await
                .map_err(|e| StepError::Setup(e.to_string()))?;
            let mut expert = Actor::connect("expert", d, &server.url(), "/", token, None).await?;
            expert
                .send("online", Command::SetPresence { online: true })
                .await?;
            let started = user
                .send(
                    "start",
                    Command::RequestConsultation {
                        expert_id: "astro_sharma".into(),
                        kind: parlor_core::model::ConsultationKind::Text,
                        rate_per_minute: None,
                    },
                )
                .await?;
            let session = started
                .iter()
                .find_map(|e| match e {
                    DomainEvent::ConsultationRequestSent {
                        consultation_id, ..
                    } => Some(consultation_id.clone()),
                    _ => None,
                })
                .ok_or_else(|| StepError::Setup("no session id in the start answer".into()))?;
            expert
                .send(
                    "accept",
                    Command::AnswerConsultation {
                        consultation_id: session.clone(),
                        accept: true,
                    },
                )
                .await?;
            session
        }
        DialectId::TarotChat => "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa".into(),
        _ => "chat-1".into(),
    };
    user.send(
        "join",
        Command::JoinConversation {
            conversation_id: conversation.clone(),
        },
    )
    .await?;
    Ok(conversation)
}
