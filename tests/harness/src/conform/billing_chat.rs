//! 000 billing chat: a start on a room that does not exist is refused with `chat-error`; the
//! user requests a text chat, the astrologer accepts (the document tells the astrologer of no
//! request, so the flow hands over the room id itself), the user starts it, the meter ticks
//! (`chat-timer`, waited for up to `--wait`), the user pauses and resumes, the astrologer ends.

use super::party::Side;
use super::run::Run;
use super::step::Step;
use parlor_core::dialect::documented::{Answer, Audience};
use parlor_core::model::{ConsultationKind, RequestOutcome};
use parlor_core::{Command, DomainEvent};

pub(super) async fn flow(run: &mut Run) -> Result<(), String> {
    run.step(
        Step::new(
            Side::User,
            "(a room that does not exist)",
            Command::StartConsultation {
                consultation_id: "parlor-conform-no-such-room".into(),
            },
        )
        .refused(&[Answer::Event {
            name: "chat-error",
            to: Audience::Sender,
        }])
        .needs("server_error", |e| {
            matches!(e, DomainEvent::ServerError { .. })
        }),
    )
    .await;
    let room = run
        .step(
            Step::new(
                Side::User,
                "",
                Command::RequestConsultation {
                    expert_id: run.id(Side::Expert),
                    kind: ConsultationKind::Text,
                    rate_per_minute: None,
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
        .ok_or("no room id from chat-request (see its row)")?;
    run.step(
        Step::new(
            Side::Expert,
            "accept",
            Command::AnswerConsultation {
                consultation_id: room.clone(),
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
    .await;
    let meter = run.mark(Side::User);
    run.step(
        Step::new(
            Side::User,
            "",
            Command::StartConsultation {
                consultation_id: room.clone(),
            },
        )
        .needs("consultation_started", |e| {
            matches!(e, DomainEvent::ConsultationStarted { .. })
        }),
    )
    .await;
    let wait = run.wait;
    run.wait_for(Side::User, meter, "chat-timer", wait, |e| {
        matches!(e, DomainEvent::MeterTick { .. }).then_some(())
    })
    .await;
    run.step(
        Step::new(
            Side::User,
            "",
            Command::PauseConsultation {
                consultation_id: room.clone(),
            },
        )
        .needs("consultation_paused", |e| {
            matches!(e, DomainEvent::ConsultationPaused { .. })
        }),
    )
    .await;
    run.step(
        Step::new(
            Side::User,
            "",
            Command::ResumeConsultation {
                consultation_id: room.clone(),
            },
        )
        .needs("consultation_resumed", |e| {
            matches!(e, DomainEvent::ConsultationResumed { .. })
        }),
    )
    .await;
    run.step(
        Step::new(
            Side::Expert,
            "",
            Command::EndConsultation {
                consultation_id: room,
                rate_per_minute: None,
                duration_minutes: None,
            },
        )
        .needs("consultation_ended", |e| {
            matches!(e, DomainEvent::ConsultationEnded { .. })
        }),
    )
    .await;
    Ok(())
}
