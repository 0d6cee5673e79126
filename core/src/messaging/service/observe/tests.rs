//! The lists a Messenger keeps: a conversation's window and the list of chats.

use super::super::tests::offline;
use super::*;
use crate::dialect::DialectId;

#[tokio::test]
async fn an_observed_conversation_is_its_page_then_changes_then_the_page_after_a_discard() {
    let (_client, m) = offline(DialectId::SupportChat, "observe");
    let first = m.send_text("c", "one").unwrap();
    m.send_text("other", "elsewhere").unwrap();
    let mut list = m.observe_conversation("c", 50).unwrap();
    let texts = |all: &[ChatMessage]| -> Vec<String> {
        all.iter().filter_map(|m| m.text.clone()).collect()
    };
    assert_eq!(texts(&list.take_snapshot()), vec!["one"]);
    m.send_text("other", "not for this list").unwrap();
    let second = m.send_text("c", "two").unwrap();
    match list.next_change().await {
        Some(ListChange::Set(message)) => assert_eq!(message.local_id, second.local_id()),
        other => panic!("expected the new message, got {other:?}"),
    }
    assert!(first.abort().unwrap());
    match list.next_change().await {
        Some(ListChange::Reset(all)) => assert_eq!(texts(&all), vec!["two"]),
        other => panic!("expected the page again, got {other:?}"),
    }
}

#[tokio::test]
async fn the_list_of_chats_is_the_caches_then_listings_statuses_and_newer_messages() {
    use crate::model::ConversationInfo;
    let (client, m) = offline(DialectId::TarotChat, "chats");
    let listed = |id: &str, at: Option<&str>| ConversationInfo {
        id: id.into(),
        status: Some("active".into()),
        participants: vec!["u1".into(), "e1".into()],
        unread: Some(2),
        last_message_at: at.map(Into::into),
    };
    m.cache()
        .upsert_conversation(&listed("a", Some("2025-01-01T00:00:00Z")))
        .unwrap();
    m.cache().set_joined("b", true).unwrap();
    let hello = m.send_text("b", "hello").unwrap();
    let mut list = m.observe_chats().unwrap();
    let snapshot = list.take_snapshot();
    let ids: Vec<&str> = snapshot.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec!["b", "a"], "newest activity first");
    assert!(snapshot[0].joined && !snapshot[1].joined);
    assert_eq!(snapshot[1].last_activity_ms, Some(1_735_689_600_000));
    assert_eq!(snapshot[1].unread, Some(2));
    assert_eq!(
        snapshot[0].last_activity_ms,
        Some(hello.message().unwrap().unwrap().sort_ts)
    );

    // A message in a conversation that is not a chat (a consultation's) changes nothing.
    m.send_text("not-a-chat", "x").unwrap();
    client.publish(DomainEvent::ConversationStatusChanged {
        conversation_id: "a".into(),
        status: "CLOSED".into(),
    });
    match list.next_change().await {
        Some(ListChange::Set(c)) => {
            assert_eq!((c.id.as_str(), c.status.as_deref()), ("a", Some("CLOSED")))
        }
        other => panic!("expected a's new status, got {other:?}"),
    }
    // A listing keeps what the list knew and adds the new.
    client.publish(DomainEvent::Conversations {
        conversations: vec![ConversationInfo {
            status: None,
            ..listed("c", None)
        }],
    });
    match list.next_change().await {
        Some(ListChange::Reset(all)) => {
            let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(ids, vec!["b", "a", "c"]);
            assert_eq!(all[1].status.as_deref(), Some("CLOSED"));
        }
        other => panic!("expected the listing, got {other:?}"),
    }
    let later = m.send_text("a", "newest").unwrap();
    match list.next_change().await {
        Some(ListChange::Set(c)) => {
            assert_eq!(c.id, "a");
            assert_eq!(
                c.last_activity_ms,
                Some(later.message().unwrap().unwrap().sort_ts)
            );
        }
        other => panic!("expected a's newer activity, got {other:?}"),
    }
    // The cache orders by the same rule.
    let cached = m.cache().chat_summaries().unwrap();
    assert_eq!(cached.first().map(|c| c.id.as_str()), Some("a"));
}
