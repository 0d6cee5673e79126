//! The cache against a real SQLite file.

use super::*;
use crate::model::{ConversationInfo, DeliveryState, Message, MessageKind, Party};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub(crate) fn temp_cache(tag: &str) -> Cache {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("parlor-msg-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Cache::new(Store::open(&dir.join("cache.sqlite3")).unwrap())
}

/// How SQLite runs `sql` with `params` on `cache`: the details of `EXPLAIN QUERY PLAN`.
pub(crate) fn query_plan(cache: &Cache, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    cache
        .store
        .read(|c| {
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let rows = stmt.query_map(params, |r| r.get::<_, String>(3))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .unwrap()
}

pub(crate) fn msg(id: &str, conv: &str, sender: &str, text: &str, at: &str) -> Message {
    Message {
        id: id.into(),
        conversation_id: conv.into(),
        client_id: None,
        sender: Party {
            id: sender.into(),
            ..Party::default()
        },
        kind: MessageKind::Text,
        text: Some(text.into()),
        file_url: None,
        file_name: None,
        reply_to: None,
        sent_at: Some(at.into()),
        read: None,
        reactions: BTreeMap::new(),
        duration_secs: None,
    }
}

fn me() -> Party {
    Party {
        id: "me".into(),
        ..Party::default()
    }
}

#[test]
fn an_own_message_goes_pending_then_sent_and_its_echo_is_not_a_second_row() {
    let cache = temp_cache("echo");
    let p = cache
        .enqueue(&Outgoing {
            conversation_id: "c",
            client_id: "cid-1",
            sender: &me(),
            text: Some("hi"),
            reply_to: None,
            file_id: None,
        })
        .unwrap();
    assert_eq!(p.state, DeliveryState::Pending);
    // Enqueuing the same client id again is the same message.
    let again = cache
        .enqueue(&Outgoing {
            conversation_id: "c",
            client_id: "cid-1",
            sender: &me(),
            text: Some("hi"),
            reply_to: None,
            file_id: None,
        })
        .unwrap();
    assert_eq!(again.local_id, p.local_id);
    assert_eq!(cache.next_queued().unwrap().unwrap().client_id, "cid-1");
    let s = cache
        .set_queued_state(p.local_id, DeliveryState::Sending, None, true)
        .unwrap()
        .unwrap();
    assert_eq!(s.state, DeliveryState::Sending);
    let mut echo = msg("srv-1", "c", "me", "hi", "2025-01-01T00:00:01Z");
    echo.client_id = Some("cid-1".into());
    let sent = cache.apply_message(&echo, Some("me")).unwrap().unwrap();
    assert_eq!(sent.state, DeliveryState::Sent);
    assert_eq!(sent.server_id.as_deref(), Some("srv-1"));
    assert_eq!(sent.local_id, p.local_id);
    // The same echo again (a resend's answer, a replayed history page) changes nothing.
    assert_eq!(cache.apply_message(&echo, Some("me")).unwrap(), None);
    assert!(cache
        .confirm_sent(Some("c"), "cid-1", "srv-1", None)
        .unwrap()
        .is_some());
    let (page, more) = cache.page("c", None, 50).unwrap();
    assert_eq!(page.len(), 1);
    assert!(!more);
    assert!(cache.next_queued().unwrap().is_none());
    // A sent message cannot be discarded or retried.
    assert!(!cache.discard("c", "cid-1").unwrap());
    assert!(cache.retry("c", "cid-1").unwrap().is_none());
}

#[test]
fn someone_elses_message_with_our_client_id_is_not_our_echo() {
    let cache = temp_cache("collide");
    let p = cache
        .enqueue(&Outgoing {
            conversation_id: "c",
            client_id: "c-1",
            sender: &me(),
            text: Some("mine"),
            reply_to: None,
            file_id: None,
        })
        .unwrap();
    let mut theirs = msg("srv-9", "c", "them", "theirs", "2025-01-01T00:00:00Z");
    theirs.client_id = Some("c-1".into());
    let got = cache.apply_message(&theirs, Some("me")).unwrap().unwrap();
    assert_ne!(got.local_id, p.local_id);
    assert_eq!(got.state, DeliveryState::Received);
    assert_eq!(
        cache.get(p.local_id).unwrap().unwrap().state,
        DeliveryState::Pending
    );
}

#[test]
fn an_ack_before_the_echo_folds_into_one_row() {
    let cache = temp_cache("ack");
    cache
        .enqueue(&Outgoing {
            conversation_id: "c",
            client_id: "x",
            sender: &me(),
            text: Some("a"),
            reply_to: None,
            file_id: None,
        })
        .unwrap();
    let m = cache.confirm_sent(None, "x", "x", None).unwrap().unwrap();
    assert_eq!(m.state, DeliveryState::Sent);
    // 002 echoes with the client id as server id and no client id of its own.
    let echo = msg("x", "c", "me", "a", "2025-01-01T00:00:00Z");
    let after = cache.apply_message(&echo, Some("me")).unwrap().unwrap();
    assert_eq!(after.server_time.as_deref(), Some("2025-01-01T00:00:00Z"));
    assert_eq!(cache.page("c", None, 10).unwrap().0.len(), 1);
}

#[test]
fn unreadable_rows_are_quarantined_and_never_hide_a_page_or_block_the_outbox() {
    let cache = temp_cache("quarantine");
    for (i, text) in ["one", "two", "three"].iter().enumerate() {
        cache
            .apply_message(
                &msg(&format!("m{i}"), "c", "u2", text, "2026-01-01T00:00:00Z"),
                Some("me"),
            )
            .unwrap();
    }
    cache
        .store()
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO messages (conversation_id, client_id, sender_id, own, kind, text, state, attempts, sort_ts, created_at)
                 VALUES ('c', 'bad-attempts', 'me', 1, 'text', 'x', 'pending', -7, 1, 1);
                 INSERT INTO messages (conversation_id, client_id, sender_id, own, kind, text, state, attempts, sort_ts, created_at)
                 VALUES ('c', 'good', 'me', 1, 'text', 'y', 'pending', 0, 2, 2);
                 INSERT INTO messages (conversation_id, server_id, sender_id, own, kind, text, state, sort_ts, created_at)
                 VALUES ('c', 'm-blob', X'FF00', 0, 'text', 'three', 'received', 3, 3);",
            )?;
            Ok(())
        })
        .unwrap();
    // The outbox skips (quarantines) the row it cannot read and goes on with the next.
    assert_eq!(cache.next_queued().unwrap().unwrap().client_id, "good");
    let (page, _) = cache.page("c", None, 50).unwrap();
    assert!(page
        .iter()
        .all(|m| m.server_id.as_deref() != Some("m-blob")));
    assert_eq!(page.len(), 4, "three received and the good pending one");
    assert_eq!(cache.search("three", None, 10).unwrap().len(), 1);
    assert_eq!(quarantine::list(cache.store()).unwrap().len(), 2);
}

#[test]
fn failures_can_be_retried_or_discarded() {
    let cache = temp_cache("fail");
    for cid in ["a", "b"] {
        cache
            .enqueue(&Outgoing {
                conversation_id: "c",
                client_id: cid,
                sender: &me(),
                text: Some(cid),
                reply_to: None,
                file_id: None,
            })
            .unwrap();
        let f = cache
            .fail(Some("c"), cid, "Chat is closed", Some("CHAT_CLOSED"))
            .unwrap()
            .unwrap();
        assert_eq!(f.state, DeliveryState::Failed);
        assert_eq!(f.error.as_deref(), Some("Chat is closed"));
    }
    assert!(cache.next_queued().unwrap().is_none());
    let r = cache.retry("c", "a").unwrap().unwrap();
    assert_eq!(r.state, DeliveryState::Pending);
    assert_eq!(cache.next_queued().unwrap().unwrap().client_id, "a");
    assert!(cache.discard("c", "b").unwrap());
    assert_eq!(cache.page("c", None, 10).unwrap().0.len(), 1);
}

#[test]
fn out_of_order_arrivals_are_placed_by_server_time_and_pages_are_stable() {
    let cache = temp_cache("order");
    for i in (0..30).rev() {
        let at = format!("2025-01-01T00:00:{i:02}Z");
        cache
            .apply_message(
                &msg(&format!("m{i}"), "c", "u", &format!("n{i}"), &at),
                Some("me"),
            )
            .unwrap();
    }
    // A duplicate is dropped.
    assert_eq!(
        cache
            .apply_message(
                &msg("m5", "c", "u", "n5", "2025-01-01T00:00:05Z"),
                Some("me")
            )
            .unwrap(),
        None
    );
    let (latest, more) = cache.page("c", None, 10).unwrap();
    let texts: Vec<_> = latest.iter().map(|m| m.text.clone().unwrap()).collect();
    assert_eq!(texts.first().unwrap(), "n20");
    assert_eq!(texts.last().unwrap(), "n29");
    assert!(more);
    // New messages arrive; the next older page is unaffected.
    cache
        .apply_message(
            &msg("m99", "c", "u", "late", "2025-01-01T00:01:00Z"),
            Some("me"),
        )
        .unwrap();
    let (older, more) = cache.page("c", Some(latest[0].local_id), 10).unwrap();
    assert_eq!(older.first().unwrap().text.as_deref(), Some("n10"));
    assert_eq!(older.last().unwrap().text.as_deref(), Some("n19"));
    assert!(more);
    let (oldest, more) = cache.page("c", Some(older[0].local_id), 10).unwrap();
    assert_eq!(oldest.len(), 10);
    assert!(!more);
    assert_eq!(cache.oldest_server_id("c").unwrap().as_deref(), Some("m0"));
}

#[test]
fn reactions_aggregate_per_emoji_and_receipts_mark_own_messages_read() {
    let cache = temp_cache("react");
    let mut own = msg("m1", "c", "me", "mine", "2025-01-01T00:00:00Z");
    own.client_id = Some("k".into());
    let m = cache.apply_message(&own, Some("me")).unwrap().unwrap();
    assert_eq!(m.state, DeliveryState::Sent);
    assert!(m.own);
    cache
        .apply_reaction(Some("c"), "m1", "u1", "👍", Some(true))
        .unwrap();
    cache.apply_reaction(None, "m1", "u2", "👍", None).unwrap();
    let m = cache
        .apply_reaction(Some("c"), "m1", "u3", "❤", Some(true))
        .unwrap()
        .unwrap();
    assert_eq!(m.reactions["👍"].len(), 2);
    assert_eq!(m.reactions["❤"], vec!["u3".to_string()]);
    let m = cache
        .apply_reaction(None, "m1", "u2", "👍", None)
        .unwrap()
        .unwrap();
    assert_eq!(m.reactions["👍"], vec!["u1".to_string()]);
    assert!(cache
        .apply_reaction(None, "nope", "u2", "👍", None)
        .unwrap()
        .is_none());
    // Reading one's own message is no receipt.
    assert!(cache
        .apply_receipt(Some("c"), "me", &["m1".into()], None)
        .unwrap()
        .is_empty());
    let read = cache
        .apply_receipt(Some("c"), "u1", &["m1".into(), "unknown".into()], Some("t"))
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].state, DeliveryState::Read);
    assert_eq!(read[0].read_by, vec!["u1".to_string()]);
    assert!(cache
        .apply_receipt(Some("c"), "u1", &["m1".into()], None)
        .unwrap()
        .is_empty());
}

#[test]
fn search_is_full_text_and_treats_punctuation_as_text() {
    let cache = temp_cache("search");
    let batch: Vec<Message> = (0..100)
        .map(|i| {
            msg(
                &format!("m{i}"),
                if i % 2 == 0 { "a" } else { "b" },
                "u",
                &format!("reading number {i} about the Tower card"),
                "2025-01-01T00:00:00Z",
            )
        })
        .collect();
    assert_eq!(cache.ingest(&batch, None).unwrap().len(), 100);
    assert_eq!(cache.ingest(&batch, None).unwrap().len(), 0);
    assert_eq!(cache.search("tower", None, 1000).unwrap().len(), 100);
    assert_eq!(cache.search("TOW card", Some("a"), 1000).unwrap().len(), 50);
    assert_eq!(
        cache.search("number 42", None, 10).unwrap()[0]
            .server_id
            .as_deref(),
        Some("m42")
    );
    for odd in ["\"", "AND OR", "*", "NEAR(", "tower\" OR \"x", ""] {
        assert!(cache.search(odd, None, 10).is_ok(), "{odd}");
    }
    assert!(cache.search("", None, 10).unwrap().is_empty());
}

#[test]
fn conversations_participants_and_rooms_are_remembered() {
    let cache = temp_cache("conv");
    cache
        .upsert_conversation(&ConversationInfo {
            id: "c".into(),
            status: Some("active".into()),
            participants: vec!["a".into()],
            unread: Some(3),
            last_message_at: None,
        })
        .unwrap();
    cache.set_status("c", "CLOSED").unwrap();
    assert_eq!(cache.status("c").unwrap().as_deref(), Some("CLOSED"));
    cache.set_joined("c", true).unwrap();
    cache.set_joined("d", true).unwrap();
    cache.set_joined("d", false).unwrap();
    assert_eq!(cache.joined().unwrap(), vec!["c".to_string()]);
    let who = Party {
        id: "u1".into(),
        ..Party::default()
    };
    cache.set_participant("c", &who, true, Some("t")).unwrap();
    cache.set_active_users("c", &["u2".into()]).unwrap();
    assert_eq!(cache.present("c").unwrap(), vec!["u2".to_string()]);
}

#[test]
fn a_returning_message_of_ours_is_looked_up_among_our_unidentified_ones_only() {
    // Through the whole conversation this lookup made ingest quadratic in its size
    // (`parlor bench-cache`: 316 messages/s at 100,000 messages, 59,831 with the index).
    let cache = temp_cache("adoptable-plan");
    let plan = query_plan(
        &cache,
        super::ingest::ADOPTABLE_SQL,
        rusqlite::params!["c", "m1", "hello"],
    );
    assert!(
        plan.iter()
            .any(|step| step.contains("USING INDEX messages_unidentified_own")),
        "{plan:?}"
    );
}
