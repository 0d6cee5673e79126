//! 001 presence and sessions: the astrologer goes online (REST), the user reads the online list (over
//! the socket broadcast and REST), starts a session over REST, the astrologer accepts, both
//! join the session room, the user asks for an Agora token, they exchange a message, the user
//! ends the session, the astrologer's socket presence events are tried, and she goes offline. The document prints no payloads, so every row
//! checks only that the events come and that Parlor decodes them.

use super::party::Side;
use super::run::Run;
use super::step::Step;
use parlor_core::model::{ConsultationKind, RequestOutcome};
use parlor_core::{Command, DomainEvent};

pub(super) async fn flow(run: &mut Run) -> Result<(), String> {
    let expert = run.id(Side::Expert);
    let list = run.mark(Side::User);
    run.step(Step::new(
        Side::Expert,
        "",
        Command::SetPresence { online: true },
    ))
    .await;
    let timeout = run.timeout;
    let seen = expert.clone();
    let broadcast_rate = run
        .wait_for(
            Side::User,
            list,
            "presence:online-list",
            timeout,
            move |e| match e {
                DomainEvent::ExpertsOnline { experts } => experts
                    .iter()
                    .find(|x| x.party.id == seen)
                    .map(|x| x.rate_per_minute.as_ref().map(|m| m.amount)),
                _ => None,
            },
        )
        .await
        .flatten();
    let seen = expert.clone();
    let rest_rate = run
        .step(
            Step::new(Side::User, "", Command::ListOnlineExperts).needs("experts_online", |e| {
                matches!(e, DomainEvent::ExpertsOnline { .. })
            }),
        )
        .await
        .find(|e| match e {
            DomainEvent::ExpertsOnline { experts } => experts
                .iter()
                .find(|x| x.party.id == seen)
                .and_then(|x| x.rate_per_minute.as_ref().map(|m| m.amount)),
            _ => None,
        });
    let rate = rest_rate.or(broadcast_rate);
    let session = run
        .step(
            Step::new(
                Side::User,
                "",
                Command::RequestConsultation {
                    expert_id: expert.clone(),
                    kind: ConsultationKind::Text,
                    rate_per_minute: rate,
                },
            )
            .needs("consultation_request_sent", |e| {
                matches!(e, DomainEvent::ConsultationRequestSent { .. })
            }),
        )
        .await
        .find(|e| match e {
            DomainEvent::ConsultationRequestSent {
                consultation_id, ..
            } => Some(consultation_id.clone()),
            _ => None,
        })
        .ok_or("no session id from POST /api/sessions/start (see its row)")?;
    let channel = run
        .step(
            Step::new(
                Side::Expert,
                "",
                Command::AnswerConsultation {
                    consultation_id: session.clone(),
                    accept: true,
                },
            )
            .needs("consultation_answered (accepted)", |e| {
                matches!(
                    e,
                    DomainEvent::ConsultationAnswered {
                        outcome: RequestOutcome::Accepted,
                        ..
                    }
                )
            }),
        )
        .await
        .find(|e| match e {
            DomainEvent::ConsultationAnswered { channel, .. } => channel.clone(),
            _ => None,
        });
    // The document answers no join: nothing to wait for. The Agora round trip below gives the
    // server time to put both in the room before the first message (joins over two sockets
    // have no order), and the astrologer writes first: the user's message then comes after
    // the astrologer's own join on the same socket.
    for side in [Side::User, Side::Expert] {
        run.step(Step::new(
            side,
            "",
            Command::JoinConversation {
                conversation_id: session.clone(),
            },
        ))
        .await;
    }
    run.step(
        Step::new(
            Side::User,
            "",
            Command::RequestAgoraToken {
                channel: channel.unwrap_or_else(|| format!("session_{session}")),
                uid: None,
            },
        )
        .needs("agora_join_ready", |e| {
            matches!(e, DomainEvent::AgoraJoinReady { .. })
        }),
    )
    .await;
    for (side, text) in [
        (
            Side::Expert,
            "Namaste, I am here. What would you like to ask?",
        ),
        (Side::User, "Will my business grow this year?"),
    ] {
        run.step(
            Step::new(
                side,
                "",
                Command::SendMessage {
                    conversation_id: session.clone(),
                    client_id: uuid::Uuid::new_v4().to_string(),
                    text: Some(text.into()),
                    reply_to: None,
                    file_id: None,
                },
            )
            .needs("message_received (other side)", |e| {
                matches!(e, DomainEvent::MessageReceived { .. })
            }),
        )
        .await;
    }
    run.step(
        Step::new(
            Side::User,
            "",
            Command::EndConsultation {
                consultation_id: session,
                rate_per_minute: rate,
                duration_minutes: None,
            },
        )
        .needs("consultation_ended", |e| {
            matches!(e, DomainEvent::ConsultationEnded { .. })
        }),
    )
    .await;
    // Parlor sets presence by the REST call (the profile knows the expert's id); the socket's
    // own presence events are tried as they are.
    for event in ["presence:on", "presence:off"] {
        run.step(Step::new(
            Side::Expert,
            "",
            Command::Raw {
                event: event.into(),
                payload: serde_json::Value::Null,
                ack: false,
            },
        ))
        .await;
    }
    run.step(Step::new(
        Side::Expert,
        "",
        Command::SetPresence { online: false },
    ))
    .await;
    Ok(())
}
