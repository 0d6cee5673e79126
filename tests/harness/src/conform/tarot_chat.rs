//! 002 tarot chat: the client lists its sessions (creating one over REST when none is given),
//! reads the session, both join, the client types and writes over the socket, the reader
//! reacts and answers over REST, the client marks the answer read, fetches the history, and
//! asks for a session that does not exist (refused with the document's error format).

use super::party::Side;
use super::run::Run;
use super::step::Step;
use parlor_core::model::Method;
use parlor_core::{Command, DomainEvent};
use serde_json::json;

pub(super) async fn flow(run: &mut Run, conversation: Option<String>) -> Result<(), String> {
    let session = match conversation {
        Some(s) => s,
        None => run
            .step(
                Step::new(
                    Side::User,
                    "",
                    Command::CreateConversation {
                        participant_ids: vec![run.id(Side::User), run.id(Side::Expert)],
                        kind: Some("general".into()),
                    },
                )
                .needs("conversations", |e| {
                    matches!(e, DomainEvent::Conversations { .. })
                }),
            )
            .await
            .find(|e| match e {
                DomainEvent::Conversations { conversations } => {
                    conversations.first().map(|c| c.id.clone())
                }
                _ => None,
            })
            .ok_or("no session id from POST /api/chat/sessions (see its row)")?,
    };
    run.step(
        Step::new(Side::User, "", Command::ListConversations { status: None })
            .needs("conversations", |e| {
                matches!(e, DomainEvent::Conversations { .. })
            }),
    )
    .await;
    run.step(
        Step::new(
            Side::User,
            "",
            Command::GetConversation {
                conversation_id: session.clone(),
            },
        )
        .needs("conversations", |e| {
            matches!(e, DomainEvent::Conversations { .. })
        }),
    )
    .await;
    for side in [Side::User, Side::Expert] {
        run.step(
            Step::new(
                side,
                "",
                Command::JoinConversation {
                    conversation_id: session.clone(),
                },
            )
            .needs("conversation_joined", |e| {
                matches!(e, DomainEvent::ConversationJoined { .. })
            }),
        )
        .await;
    }
    run.step(
        Step::new(
            Side::User,
            "",
            Command::SetTyping {
                conversation_id: session.clone(),
                typing: true,
            },
        )
        .needs("typing_changed", |e| {
            matches!(e, DomainEvent::TypingChanged { .. })
        }),
    )
    .await;
    let client_id = uuid::Uuid::new_v4().to_string();
    let question = run
        .step(
            Step::new(
                Side::User,
                "",
                Command::SendMessage {
                    conversation_id: session.clone(),
                    client_id: client_id.clone(),
                    text: Some("I drew the Tower card. What does it mean?".into()),
                    reply_to: None,
                    file_id: None,
                },
            )
            .needs("message_sent", |e| {
                matches!(e, DomainEvent::MessageSent { .. })
            }),
        )
        .await
        .find(|e| match e {
            DomainEvent::MessageReceived { message } => Some(message.id.clone()),
            _ => None,
        })
        .unwrap_or(client_id);
    run.step(
        Step::new(
            Side::Expert,
            "",
            Command::React {
                conversation_id: session.clone(),
                message_id: question,
                emoji: "🔮".into(),
            },
        )
        .needs("reaction_changed", |e| {
            matches!(e, DomainEvent::ReactionChanged { .. })
        }),
    )
    .await;
    // The document's second way to send, a REST call Parlor never makes on its own: called
    // as it is, and the message known by the broadcast the client receives.
    const ANSWER: &str = "Sudden change, but it clears the way for the new.";
    let broadcast = run.mark(Side::User);
    run.step(
        Step::new(
            Side::Expert,
            "",
            Command::RawRest {
                method: Method::Post,
                path: "/api/chat/messages".into(),
                body: Some(json!({
                    "id": uuid::Uuid::new_v4().to_string(),
                    "session_id": session,
                    "content": ANSWER,
                    "type": "text",
                })),
            },
        )
        .needs("raw_reply", |e| matches!(e, DomainEvent::RawReply { .. })),
    )
    .await;
    let timeout = run.timeout;
    let answer = run
        .wait_for(Side::User, broadcast, "new_message", timeout, |e| match e {
            DomainEvent::MessageReceived { message } if message.text.as_deref() == Some(ANSWER) => {
                Some(message.id.clone())
            }
            _ => None,
        })
        .await
        .ok_or("no new_message for the answer of POST /api/chat/messages (see its row)")?;
    run.step(Step::new(
        Side::User,
        "",
        Command::MarkRead {
            conversation_id: session.clone(),
            message_ids: vec![answer],
        },
    ))
    .await;
    run.step(
        Step::new(
            Side::User,
            "",
            Command::FetchHistory {
                conversation_id: session.clone(),
                before: None,
                limit: Some(20),
            },
        )
        .needs("history", |e| matches!(e, DomainEvent::History { .. })),
    )
    .await;
    run.step(
        Step::new(
            Side::User,
            "(a session that does not exist)",
            Command::GetConversation {
                conversation_id: "parlor-conform-no-such-session".into(),
            },
        )
        .refused_over_http("an HTTP error {success:false, error, code, details?}"),
    )
    .await;
    run.step(Step::new(
        Side::User,
        "",
        Command::SetTyping {
            conversation_id: session,
            typing: false,
        },
    ))
    .await;
    Ok(())
}
