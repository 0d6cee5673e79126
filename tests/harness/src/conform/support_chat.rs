//! 003 support chat: both join, the client types and asks, the agent answers as a reply, the
//! client marks it read, the agent asks who is active, a join of a chat that does not exist is
//! refused with the document's error answer, the client leaves.

use super::party::Side;
use super::run::Run;
use super::step::Step;
use parlor_core::dialect::documented::Answer;
use parlor_core::{Command, DomainEvent};

pub(super) async fn flow(run: &mut Run, chat: &str) -> Result<(), String> {
    for side in [Side::User, Side::Expert] {
        run.step(
            Step::new(
                side,
                format!("{chat:?}"),
                Command::JoinConversation {
                    conversation_id: chat.into(),
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
                conversation_id: chat.into(),
                typing: true,
            },
        )
        .needs("typing_changed", |e| {
            matches!(e, DomainEvent::TypingChanged { .. })
        }),
    )
    .await;
    let agent_mark = run.mark(Side::Expert);
    let question = run
        .step(
            Step::new(
                Side::User,
                "",
                Command::SendMessage {
                    conversation_id: chat.into(),
                    client_id: uuid::Uuid::new_v4().to_string(),
                    text: Some("Conformance check: my reading report never arrived.".into()),
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
            DomainEvent::MessageSent { server_id, .. } => Some(server_id.clone()),
            _ => None,
        });
    let timeout = run.timeout;
    let question = match question {
        Some(q) => q,
        // Without the ack, the agent's copy names the message.
        None => run
            .wait_for(Side::Expert, agent_mark, "newMessage", timeout, received)
            .await
            .ok_or("no id for the client's message (see sendMessage)")?,
    };
    let client_mark = run.mark(Side::User);
    let answer = run
        .step(
            Step::new(
                Side::Expert,
                "(a reply)",
                Command::SendMessage {
                    conversation_id: chat.into(),
                    client_id: uuid::Uuid::new_v4().to_string(),
                    text: Some("Sorry! Re-sending it to you now.".into()),
                    reply_to: Some(question),
                    file_id: None,
                },
            )
            .needs("message_sent", |e| {
                matches!(e, DomainEvent::MessageSent { .. })
            }),
        )
        .await
        .find(|e| match e {
            DomainEvent::MessageSent { server_id, .. } => Some(server_id.clone()),
            _ => None,
        });
    let answer = match answer {
        Some(a) => a,
        None => run
            .wait_for(Side::User, client_mark, "newMessage", timeout, received)
            .await
            .ok_or("no id for the agent's reply (see sendMessage)")?,
    };
    run.step(
        Step::new(
            Side::User,
            "",
            Command::MarkRead {
                conversation_id: chat.into(),
                message_ids: vec![answer],
            },
        )
        .needs("read_counts", |e| {
            matches!(e, DomainEvent::ReadCounts { .. })
        }),
    )
    .await;
    run.step(
        Step::new(
            Side::Expert,
            "",
            Command::GetActiveUsers {
                conversation_id: chat.into(),
            },
        )
        .needs("active_users", |e| {
            matches!(e, DomainEvent::ActiveUsers { .. })
        }),
    )
    .await;
    run.step(
        Step::new(
            Side::User,
            "(a chat that does not exist)",
            Command::JoinConversation {
                conversation_id: "parlor-conform-no-such-chat".into(),
            },
        )
        .refused(&[Answer::AckEnvelope("error")]),
    )
    .await;
    run.step(
        Step::new(
            Side::User,
            format!("{chat:?}"),
            Command::LeaveConversation {
                conversation_id: chat.into(),
            },
        )
        .needs("conversation_left", |e| {
            matches!(e, DomainEvent::ConversationLeft { .. })
        }),
    )
    .await;
    Ok(())
}

fn received(e: &DomainEvent) -> Option<String> {
    match e {
        DomainEvent::MessageReceived { message } => Some(message.id.clone()),
        _ => None,
    }
}
