use super::super::cache::tests::{msg, query_plan, temp_cache};
use super::super::cache::Outgoing;
use super::*;
use crate::model::Party;

fn me() -> Party {
    Party {
        id: "me".into(),
        ..Party::default()
    }
}

fn queue(cache: &Cache, conv: &str, cid: &str, text: &str) -> ChatMessage {
    cache
        .enqueue(&Outgoing {
            conversation_id: conv,
            client_id: cid,
            sender: &me(),
            text: Some(text),
            reply_to: None,
            file_id: None,
        })
        .unwrap()
}

fn state(cache: &Cache, local: i64) -> DeliveryState {
    cache.get(local).unwrap().unwrap().state
}

#[test]
fn a_message_in_doubt_holds_its_conversation_until_a_page_settles_it() {
    let cache = temp_cache("doubt-order");
    // The conversation already holds a message from the server: the anchor.
    cache
        .apply_message(
            &msg("srv-0", "c", "them", "hello", "2025-01-01T00:00:00Z"),
            Some("me"),
        )
        .unwrap();
    let a = queue(&cache, "c", "a", "first");
    let b = queue(&cache, "c", "b", "second");
    let other = queue(&cache, "d", "x", "elsewhere");
    assert_eq!(cache.next_queued().unwrap().unwrap().local_id, a.local_id);
    cache.start_try(a.local_id).unwrap();
    let doubt = cache
        .set_in_doubt(a.local_id, "no answer")
        .unwrap()
        .unwrap();
    assert_eq!(doubt.state, DeliveryState::Sending);
    // B waits behind A (order is kept); the other conversation goes on.
    assert_eq!(
        cache.next_queued().unwrap().unwrap().local_id,
        other.local_id
    );
    assert_eq!(
        cache.doubts(Some("c")).unwrap()[0].anchor.as_deref(),
        Some("srv-0")
    );
    // A page that does not reach back to the anchor proves nothing.
    let settled = cache.settle_doubts("c", &["srv-5".into()], 5).unwrap();
    assert!(settled.is_empty());
    // One that holds the anchor but not A proves A absent: A is resent, before B.
    let settled = cache.settle_doubts("c", &["srv-0".into()], 5).unwrap();
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].state, DeliveryState::Pending);
    cache
        .set_queued_state(other.local_id, DeliveryState::Sent, None, false)
        .unwrap();
    assert_eq!(cache.next_queued().unwrap().unwrap().local_id, a.local_id);
    assert_eq!(state(&cache, b.local_id), DeliveryState::Pending);
}

#[test]
fn our_copy_without_a_client_id_is_adopted_once_by_its_text() {
    let cache = temp_cache("adopt");
    let a = queue(&cache, "c", "a", "same words");
    let b = queue(&cache, "c", "b", "same words");
    // Never tried: a server copy cannot be this one.
    let copy = msg("srv-1", "c", "me", "same words", "2025-01-01T00:00:01Z");
    let stranger = cache.apply_message(&copy, Some("me")).unwrap().unwrap();
    assert_ne!(stranger.local_id, a.local_id);
    let cache = temp_cache("adopt-2");
    let a = queue(&cache, "c", "a", "same words");
    let b2 = queue(&cache, "c", "b", "same words");
    cache.start_try(a.local_id).unwrap();
    cache.set_in_doubt(a.local_id, "no answer").unwrap();
    let copy = msg("srv-1", "c", "me", " same words ", "2025-01-01T00:00:01Z");
    let adopted = cache.apply_message(&copy, Some("me")).unwrap().unwrap();
    assert_eq!(adopted.local_id, a.local_id);
    assert_eq!(adopted.state, DeliveryState::Sent);
    assert_eq!(adopted.server_id.as_deref(), Some("srv-1"));
    assert!(cache.doubts(None).unwrap().is_empty());
    // The same copy again is a duplicate, not B.
    assert_eq!(cache.apply_message(&copy, Some("me")).unwrap(), None);
    assert_eq!(state(&cache, b2.local_id), DeliveryState::Pending);
    let (page, _) = cache.page("c", None, 10).unwrap();
    assert_eq!(page.len(), 2);
    // Someone else's message with the same words is never ours.
    cache.start_try(b2.local_id).unwrap();
    let theirs = msg("srv-2", "c", "them", "same words", "2025-01-01T00:00:02Z");
    let got = cache.apply_message(&theirs, Some("me")).unwrap().unwrap();
    assert_eq!(got.state, DeliveryState::Received);
    assert_eq!(state(&cache, b2.local_id), DeliveryState::Sending);
    let _ = b;
}

#[test]
fn a_server_that_keeps_our_client_id_as_its_id_confirms_by_it() {
    let cache = temp_cache("adopt-id");
    let a = queue(&cache, "c", "5f0c7f7e-0000-4000-8000-000000000001", "hi");
    cache.start_try(a.local_id).unwrap();
    let copy = msg(
        "5f0c7f7e-0000-4000-8000-000000000001",
        "c",
        "me",
        "hi (edited by the server)",
        "2025-01-01T00:00:01Z",
    );
    let adopted = cache.apply_message(&copy, Some("me")).unwrap().unwrap();
    assert_eq!(adopted.local_id, a.local_id);
    assert_eq!(adopted.state, DeliveryState::Sent);
}

#[test]
fn unsettled_doubts_end_unconfirmed_and_the_user_can_resend_or_discard() {
    let cache = temp_cache("give-up");
    let a = queue(&cache, "c", "a", "lost?");
    cache.start_try(a.local_id).unwrap();
    cache.set_in_doubt(a.local_id, "no answer").unwrap();
    let gone = cache.give_up_doubts(None, "cannot tell").unwrap();
    assert_eq!(gone[0].state, DeliveryState::Unconfirmed);
    assert_eq!(gone[0].error.as_deref(), Some("cannot tell"));
    assert!(cache.next_queued().unwrap().is_none());
    let again = cache.retry("c", "a").unwrap().unwrap();
    assert_eq!(again.state, DeliveryState::Pending);
    assert!(cache.doubts(None).unwrap().is_empty());
    cache.start_try(a.local_id).unwrap();
    cache.set_unconfirmed(a.local_id, "no echo").unwrap();
    assert!(cache.discard("c", "a").unwrap());
    assert!(cache.get(a.local_id).unwrap().is_none());
}

#[test]
fn refusals_keep_the_servers_code_and_words() {
    let cache = temp_cache("codes");
    let a = queue(&cache, "c", "a", "one");
    let b = queue(&cache, "c", "b", "two");
    let f = cache
        .fail(
            Some("c"),
            "a",
            "Session is not active",
            Some("SESSION_INACTIVE"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(f.state, DeliveryState::Failed);
    assert_eq!(f.error_code.as_deref(), Some("SESSION_INACTIVE"));
    assert_eq!(f.error.as_deref(), Some("Session is not active"));
    // B, behind A in the conversation, may go now.
    assert_eq!(cache.next_queued().unwrap().unwrap().local_id, b.local_id);
    // A retry clears the old refusal.
    let r = cache.retry("c", "a").unwrap().unwrap();
    assert_eq!(r.error_code, None);
    let _ = a;
}

#[test]
fn messages_offline_for_too_long_fail_and_waiting_ones_say_why() {
    let cache = temp_cache("expire");
    let a = queue(&cache, "c", "a", "old");
    let waiting = cache
        .note_waiting(Some("waiting for the connection"))
        .unwrap();
    assert_eq!(waiting.len(), 1);
    // Saying the same again changes nothing.
    assert!(cache
        .note_waiting(Some("waiting for the connection"))
        .unwrap()
        .is_empty());
    assert!(cache.expire_queued(60_000, "too long").unwrap().is_empty());
    cache
        .store()
        .write(|tx| {
            Ok(tx.execute(
                "UPDATE messages SET created_at = created_at - 120000 WHERE local_id = ?1",
                [a.local_id],
            )?)
        })
        .unwrap();
    let expired = cache.expire_queued(60_000, "too long").unwrap();
    assert_eq!(expired[0].state, DeliveryState::Failed);
    // One that was tried may be on the server: unconfirmed, not "not sent".
    let b = queue(&cache, "c", "b", "tried");
    cache.start_try(b.local_id).unwrap();
    cache
        .set_queued_state(b.local_id, DeliveryState::Pending, None, false)
        .unwrap();
    cache
        .store()
        .write(|tx| {
            Ok(tx.execute(
                "UPDATE messages SET created_at = created_at - 120000 WHERE local_id = ?1",
                [b.local_id],
            )?)
        })
        .unwrap();
    let expired = cache.expire_queued(60_000, "too long").unwrap();
    assert_eq!(expired[0].state, DeliveryState::Unconfirmed);
}

#[test]
fn a_backing_off_message_holds_its_conversation_and_nothing_else() {
    let cache = temp_cache("backoff");
    let a = queue(&cache, "c", "a", "flaky");
    let b = queue(&cache, "c", "b", "after it");
    let other = queue(&cache, "d", "x", "elsewhere");
    cache.start_try(a.local_id).unwrap();
    cache.retry_after(a.local_id, "busy", 60_000, true).unwrap();
    assert_eq!(
        cache.next_queued().unwrap().unwrap().local_id,
        other.local_id
    );
    cache
        .set_queued_state(other.local_id, DeliveryState::Sent, None, false)
        .unwrap();
    // B never overtakes A; once A is due again, A goes first.
    assert!(cache.next_queued().unwrap().is_none());
    cache.retry_after(a.local_id, "busy", -1, false).unwrap();
    assert_eq!(cache.next_queued().unwrap().unwrap().local_id, a.local_id);
    let _ = b;
}

#[test]
fn a_message_on_its_way_when_the_app_stopped_is_never_resent_blindly() {
    for (ask, resend, want_doubt, want) in [
        (true, false, true, DeliveryState::Sending),
        (false, false, false, DeliveryState::Unconfirmed),
        (false, true, false, DeliveryState::Pending),
    ] {
        let cache = temp_cache(&format!("recover-{ask}-{resend}"));
        let a = queue(&cache, "c", "a", "in flight");
        let untried = queue(&cache, "c", "b", "never tried");
        cache.start_try(a.local_id).unwrap();
        let changed = cache.recover_interrupted(ask, resend).unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].local_id, a.local_id);
        assert_eq!(changed[0].state, want);
        assert_eq!(cache.doubts(None).unwrap().len(), usize::from(want_doubt));
        assert_eq!(state(&cache, untried.local_id), DeliveryState::Pending);
    }
}

#[test]
fn picking_the_next_message_never_walks_the_conversation() {
    let cache = temp_cache("queue-plan");
    let plan = query_plan(&cache, NEXT_QUEUED, [0]);
    // Queued messages are found through the outbox's partial indexes, never by reading every
    // message of a conversation (which made each send slower in a long chat).
    assert!(
        plan.iter()
            .any(|p| p.contains("messages_queued_in_conversation")),
        "{plan:?}"
    );
    assert!(
        !plan.iter().any(|p| p.contains("messages_in_order")),
        "{plan:?}"
    );
    // And it still picks in order in a conversation that holds many received messages.
    let received: Vec<_> = (0..2_000)
        .map(|i| {
            msg(
                &format!("srv-{i}"),
                "c",
                "them",
                "hi",
                "2025-01-01T00:00:00Z",
            )
        })
        .collect();
    cache.ingest(&received, Some("me")).unwrap();
    let a = queue(&cache, "c", "a", "first");
    let b = queue(&cache, "c", "b", "second");
    assert_eq!(cache.next_queued().unwrap().unwrap().local_id, a.local_id);
    cache
        .set_queued_state(a.local_id, DeliveryState::Sent, None, false)
        .unwrap();
    assert_eq!(cache.next_queued().unwrap().unwrap().local_id, b.local_id);
}
