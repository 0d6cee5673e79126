//! 004 telecaller calls, the user on `/user` and the telecaller on `/telecaller`: the
//! telecaller goes online (not in the document; the user must see the presence change), a call
//! of an invalid type is refused with `call:error`, then a call that is accepted and ended, one
//! the user cancels while it rings, one the telecaller rejects, and one nobody answers
//! (`call:missed`, waited for up to `--wait`; the document's timeout is 30 s). Four calls stay
//! within the document's limit of five `call:initiate` per minute.

use super::party::Side;
use super::run::Run;
use super::step::Step;
use parlor_core::dialect::documented::{Answer, Audience};
use parlor_core::model::{CallMedia, Presence};
use parlor_core::{Command, DomainEvent};
use serde_json::json;

pub(super) async fn flow(run: &mut Run) -> Result<(), String> {
    let telecaller = run.id(Side::Expert);
    let mark = run.mark(Side::User);
    run.step(Step::new(
        Side::Expert,
        "ONLINE",
        Command::SetPresence { online: true },
    ))
    .await;
    let timeout = run.timeout;
    let seen = telecaller.clone();
    run.wait_for(
        Side::User,
        mark,
        "telecaller:presence-changed",
        timeout,
        move |e| match e {
            DomainEvent::ExpertPresence {
                expert_id,
                presence: Presence::Online,
                ..
            } if *expert_id == seen => Some(()),
            _ => None,
        },
    )
    .await;
    run.step(
        Step::new(
            Side::User,
            "(callType \"HOLOGRAM\")",
            Command::Raw {
                event: "call:initiate".into(),
                payload: json!({ "telecallerId": telecaller, "callType": "HOLOGRAM" }),
                ack: false,
            },
        )
        .refused(&[Answer::Event {
            name: "call:error",
            to: Audience::Sender,
        }])
        .needs("call_error", |e| matches!(e, DomainEvent::CallError { .. })),
    )
    .await;

    let call = initiate(run, &telecaller).await?;
    run.step(
        Step::new(
            Side::Expert,
            "",
            Command::AcceptCall {
                call_id: call.clone(),
            },
        )
        .needs("call_accepted", |e| {
            matches!(e, DomainEvent::CallAccepted { .. })
        }),
    )
    .await;
    run.step(
        Step::new(Side::User, "", Command::EndCall { call_id: call })
            .needs("call_ended", |e| matches!(e, DomainEvent::CallEnded { .. })),
    )
    .await;

    let call = initiate(run, &telecaller).await?;
    run.step(
        Step::new(Side::User, "", Command::CancelCall { call_id: call })
            .needs("call_cancelled", |e| {
                matches!(e, DomainEvent::CallCancelled { .. })
            }),
    )
    .await;

    let call = initiate(run, &telecaller).await?;
    run.step(
        Step::new(Side::Expert, "", Command::RejectCall { call_id: call })
            .needs("call_rejected", |e| {
                matches!(e, DomainEvent::CallRejected { .. })
            }),
    )
    .await;

    let mark = run.mark(Side::User);
    let call = initiate(run, &telecaller).await?;
    let wait = run.wait;
    run.wait_for(Side::User, mark, "call:missed", wait, move |e| match e {
        DomainEvent::CallMissed { call_id } if *call_id == call => Some(()),
        _ => None,
    })
    .await;
    run.step(Step::new(
        Side::Expert,
        "OFFLINE",
        Command::SetPresence { online: false },
    ))
    .await;
    Ok(())
}

/// The user calls the telecaller (audio); returns the call id from `call:ringing`.
async fn initiate(run: &mut Run, telecaller: &str) -> Result<String, String> {
    run.step(
        Step::new(
            Side::User,
            "",
            Command::InitiateCall {
                callee_id: telecaller.into(),
                media: CallMedia::Audio,
            },
        )
        .needs("call_ringing", |e| {
            matches!(e, DomainEvent::CallRinging { .. })
        }),
    )
    .await
    .find(|e| match e {
        DomainEvent::CallRinging { call_id, .. } => Some(call_id.clone()),
        _ => None,
    })
    .ok_or_else(|| "no call id from call:initiate (see its row)".to_owned())
}
