use super::*;
use crate::model::LiveKitGrant;

fn grant() -> LiveKitGrant {
    LiveKitGrant {
        url: "ws://lk".into(),
        token: "t".into(),
        room: "c1".into(),
    }
}

fn initiate() -> Command {
    Command::InitiateCall {
        callee_id: "tc".into(),
        media: CallMedia::Audio,
    }
}
fn cancel(id: &str) -> Command {
    Command::CancelCall { call_id: id.into() }
}
fn accept(id: &str) -> Command {
    Command::AcceptCall { call_id: id.into() }
}
fn reject(id: &str) -> Command {
    Command::RejectCall { call_id: id.into() }
}
fn end(id: &str) -> Command {
    Command::EndCall { call_id: id.into() }
}

/// A caller machine in each phase of an outgoing call.
fn caller_in(phase: &str) -> CallMachine {
    let mut m = CallMachine::new();
    if phase == "idle" {
        return m;
    }
    m.initiate("tc", CallMedia::Audio);
    if phase == "initiating" {
        return m;
    }
    assert!(m.apply(&DomainEvent::CallRinging {
        call_id: "c1".into(),
        callee: None
    }));
    if phase == "ringing" {
        return m;
    }
    assert!(m.apply(&DomainEvent::CallAccepted {
        call_id: "c1".into(),
        livekit: grant(),
        media: None,
        caller: None
    }));
    if phase == "accepted" {
        return m;
    }
    assert!(m.apply(&DomainEvent::CallEnded {
        call_id: "c1".into(),
        duration_secs: Some(3),
        coins: None,
        ended_by: Some("TELECALLER".into())
    }));
    assert_eq!(phase, "ended");
    m
}

fn callee_ringing() -> CallMachine {
    let mut m = CallMachine::new();
    assert!(m.apply(&DomainEvent::CallIncoming {
        call_id: "c1".into(),
        media: CallMedia::Video,
        caller: Party {
            id: "u".into(),
            ..Party::default()
        }
    }));
    m
}

#[test]
fn every_illegal_command_is_refused_in_every_phase() {
    use CallRefusal::*;
    for (phase, cmd, want) in [
        ("initiating", initiate(), AlreadyActive),
        ("ringing", initiate(), AlreadyActive),
        ("accepted", initiate(), AlreadyActive),
        ("idle", cancel("c1"), NotFound),
        ("initiating", cancel("c1"), NotFound),
        ("accepted", cancel("c1"), NotRinging),
        ("ended", cancel("c1"), NotRinging),
        ("ringing", cancel("other"), NotFound),
        ("idle", end("c1"), NotFound),
        ("ringing", end("c1"), NotActive),
        ("ended", end("c1"), NotActive),
        ("accepted", end("other"), NotFound),
        // A caller cannot answer its own call.
        ("ringing", accept("c1"), NotRinging),
        ("ringing", reject("c1"), NotRinging),
        ("accepted", accept("c1"), NotRinging),
        ("idle", accept("c1"), NotFound),
    ] {
        assert_eq!(
            caller_in(phase).check(&cmd),
            Err(want.clone()),
            "{phase}: {cmd:?}"
        );
    }
    let callee = callee_ringing();
    assert_eq!(callee.check(&cancel("c1")), Err(NotRinging));
    assert_eq!(callee.check(&end("c1")), Err(NotActive));
    assert_eq!(callee.check(&accept("c2")), Err(NotFound));
    assert_eq!(callee.check(&initiate()), Err(AlreadyActive));
    let mut accepted = callee.clone();
    accepted.apply(&DomainEvent::CallAccepted {
        call_id: "c1".into(),
        livekit: grant(),
        media: Some(CallMedia::Video),
        caller: None,
    });
    assert_eq!(accepted.check(&accept("c1")), Err(NotRinging));
    assert_eq!(accepted.check(&reject("c1")), Err(NotRinging));
}

#[test]
fn legal_commands_pass() {
    assert_eq!(caller_in("idle").check(&initiate()), Ok(()));
    assert_eq!(caller_in("ended").check(&initiate()), Ok(()));
    assert_eq!(caller_in("ringing").check(&cancel("c1")), Ok(()));
    assert_eq!(caller_in("accepted").check(&end("c1")), Ok(()));
    assert_eq!(callee_ringing().check(&accept("c1")), Ok(()));
    assert_eq!(callee_ringing().check(&reject("c1")), Ok(()));
    // Not a call command: not the machine's business.
    assert_eq!(
        caller_in("accepted").check(&Command::ListOnlineExperts),
        Ok(())
    );
}

#[test]
fn snapshots_serialize_flat() {
    let mut m = caller_in("initiating");
    m.apply(&DomainEvent::CallError {
        code: None,
        message: "Invalid call type".into(),
    });
    let v = serde_json::to_value(m.snapshot()).unwrap();
    assert_eq!(v["phase"], "failed");
    assert_eq!(v["reason"], "Invalid call type");
    assert_eq!(v["role"], "caller");
    let back: CallSnapshot = serde_json::from_value(v).unwrap();
    assert_eq!(&back, m.snapshot());
}

#[test]
fn refusals_become_typed_errors_with_the_server_words() {
    let e: Error = CallRefusal::AlreadyActive.into();
    assert_eq!(
        e,
        Error::Rejected {
            code: Some("call_active".into()),
            status: None,
            message: "You already have an active call.".into()
        }
    );
    let e: Error = CallRefusal::RateLimited.into();
    assert_eq!(
        e.to_string(),
        "Too many call attempts. Please wait a moment."
    );
}

#[test]
fn the_four_flows_end_where_they_should() {
    // Successful (caller), summary kept.
    let m = caller_in("ended");
    assert_eq!(m.phase(), &CallPhase::Ended);
    assert_eq!(m.snapshot().duration_secs, Some(3));
    assert_eq!(m.snapshot().livekit, Some(grant()));
    // Rejected, cancelled, missed from ringing.
    for (event, phase) in [
        (
            DomainEvent::CallRejected {
                call_id: "c1".into(),
            },
            CallPhase::Rejected,
        ),
        (
            DomainEvent::CallCancelled {
                call_id: "c1".into(),
            },
            CallPhase::Cancelled,
        ),
        (
            DomainEvent::CallMissed {
                call_id: "c1".into(),
            },
            CallPhase::Missed,
        ),
    ] {
        let mut m = caller_in("ringing");
        assert!(m.apply(&event));
        assert_eq!(m.phase(), &phase);
        let mut m = callee_ringing();
        assert!(m.apply(&event));
        assert_eq!(m.phase(), &phase);
    }
}

#[test]
fn events_of_other_calls_or_out_of_order_are_ignored() {
    let mut m = caller_in("ringing");
    assert!(!m.apply(&DomainEvent::CallMissed {
        call_id: "other".into()
    }));
    assert!(!m.apply(&DomainEvent::CallEnded {
        call_id: "c1".into(),
        duration_secs: None,
        coins: None,
        ended_by: None
    }));
    assert_eq!(m.phase(), &CallPhase::Ringing);
    // A second ringing does not restart anything.
    assert!(!m.apply(&DomainEvent::CallRinging {
        call_id: "c9".into(),
        callee: None
    }));
    // An incoming call while busy is ignored (the server never sends one).
    let mut a = caller_in("accepted");
    assert!(!a.apply(&DomainEvent::CallIncoming {
        call_id: "c2".into(),
        media: CallMedia::Audio,
        caller: Party::default()
    }));
    assert_eq!(a.snapshot().call_id.as_deref(), Some("c1"));
    // Idle ignores everything but an incoming call.
    let mut i = CallMachine::new();
    assert!(!i.apply(&DomainEvent::CallAccepted {
        call_id: "c1".into(),
        livekit: grant(),
        media: None,
        caller: None
    }));
    assert!(!i.apply(&DomainEvent::CallError {
        code: None,
        message: "x".into()
    }));
}

#[test]
fn a_server_error_while_initiating_fails_the_call_verbatim() {
    let mut m = caller_in("initiating");
    assert!(m.apply(&DomainEvent::CallError {
        code: None,
        message: "Jane Smith is currently offline. Please try again later.".into()
    }));
    assert_eq!(
        m.phase(),
        &CallPhase::Failed {
            reason: "Jane Smith is currently offline. Please try again later.".into()
        }
    );
    assert!(m.phase().is_over());
    assert_eq!(m.check(&initiate()), Ok(()));
}

#[test]
fn errors_of_other_call_commands_do_not_fail_an_initiating_call() {
    let mut m = caller_in("initiating");
    for message in NOT_INITIATE_ERRORS {
        assert!(!m.apply(&DomainEvent::CallError {
            code: None,
            message: (*message).into()
        }));
    }
    assert_eq!(m.phase(), &CallPhase::Initiating);
    assert!(m.apply(&DomainEvent::CallError {
        code: None,
        message: "You already have an active call.".into()
    }));
}

#[test]
fn local_endings_and_late_summaries() {
    let mut m = caller_in("accepted");
    assert!(m.finish(CallPhase::Ended, Some("USER".into())));
    assert!(!m.finish(CallPhase::Missed, None), "already over");
    assert!(m.summarize(
        "c1",
        Some(61),
        Some(Money::with_unit(12.into(), "coins")),
        None
    ));
    assert!(!m.summarize("c1", Some(61), None, None), "nothing new");
    assert!(!m.summarize("c2", Some(1), None, None), "another call");
    assert_eq!(m.snapshot().ended_by.as_deref(), Some("USER"));
    // A late call:ended for an ended call fills the summary in too.
    let mut m = caller_in("accepted");
    m.finish(CallPhase::Ended, Some("local:disconnected".into()));
    assert!(m.apply(&DomainEvent::CallEnded {
        call_id: "c1".into(),
        duration_secs: Some(5),
        coins: None,
        ended_by: None
    }));
    assert_eq!(m.snapshot().duration_secs, Some(5));
}
