use super::*;
use crate::dialect::DialectId;
use crate::profile::ServerProfile;
use crate::token::StaticToken;
use std::time::Duration;

pub(super) fn offline(d: DialectId, tag: &str) -> (Client, Arc<Messenger>) {
    // Nothing listens on port 9: the client stays offline, which is the point.
    let client = Client::connect(
        ServerProfile::new(d, "http://127.0.0.1:9"),
        Arc::new(StaticToken::new("t")),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("parlor-svc-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir.join("c.sqlite3")).unwrap();
    let m = Messenger::attach(&client, store, MessengerConfig::default());
    (client, m)
}

fn msg(conv: &str, cid: &str, text: &str) -> Command {
    Command::SendMessage {
        conversation_id: conv.into(),
        client_id: cid.into(),
        text: Some(text.into()),
        reply_to: None,
        file_id: None,
    }
}

#[tokio::test]
async fn offline_sends_queue_and_pages_and_search_come_from_the_cache() {
    let (client, m) = offline(DialectId::SupportChat, "offline");
    for (cid, text) in [("a", "first words"), ("", "second words")] {
        let r = client.send(msg("c", cid, text)).await.unwrap();
        assert!(
            matches!(&r[0], DomainEvent::ChatMessageChanged { message } if message.state == crate::messaging::DeliveryState::Pending && message.client_id.as_deref().is_some_and(|c| !c.is_empty()))
        );
    }
    for bad in [msg("c", "x", "  "), msg("", "x", "text")] {
        assert_eq!(client.send(bad).await.unwrap_err().code(), "invalid_input");
    }
    let page = client
        .send(LocalCommand::LoadMessages {
            conversation_id: "c".into(),
            before: None,
            limit: None,
        })
        .await
        .unwrap();
    assert!(
        matches!(&page[0], DomainEvent::MessagesPage { messages, source: PageSource::Cache, has_more: false, .. } if messages.len() == 2)
    );
    // The typed call gives the same page; a limit of one leaves an older message behind.
    let DomainEvent::MessagesPage { messages, .. } = &page[0] else {
        unreachable!()
    };
    let typed = m.load_page("c", None, None).await.unwrap();
    assert_eq!((&typed.messages, typed.has_more), (messages, false));
    let newest = m.load_page("c", None, Some(1)).await.unwrap();
    assert_eq!(newest.messages[..], messages[1..]);
    assert!(newest.has_more);
    let found = client
        .send(LocalCommand::SearchMessages {
            query: "second".into(),
            conversation_id: Some("c".into()),
            limit: None,
        })
        .await
        .unwrap();
    assert!(
        matches!(&found[0], DomainEvent::SearchResults { messages, .. } if messages.len() == 1)
    );
    // The typed call finds the same message, and nothing in another conversation.
    let DomainEvent::SearchResults { messages, .. } = &found[0] else {
        unreachable!()
    };
    assert_eq!(&m.search("second", Some("c"), None).unwrap(), messages);
    assert!(m.search("second", Some("other"), None).unwrap().is_empty());
    assert_eq!(m.cache().queued_count().unwrap(), 2);
    // Typing offline: the first start tries (and fails: offline), repeats are throttled.
    let typing = Command::SetTyping {
        conversation_id: "c".into(),
        typing: true,
    };
    assert_eq!(
        client.send(typing.clone()).await.unwrap_err().code(),
        "not_connected"
    );
    assert_eq!(client.send(typing).await, Ok(vec![]));
}

fn voice(state: &str, cid: &str) -> DomainEvent {
    DomainEvent::VoiceNoteChanged {
        client_id: cid.into(),
        conversation_id: "s".into(),
        state: state.into(),
        sent: (state == "sending").then_some(10),
        total: (state == "sending").then_some(100),
        duration_ms: 3_500,
        waveform: (0..64).collect(),
        message_id: (state == "sent").then(|| cid.to_owned()),
        file_url: (state == "sent").then(|| format!("/uploads/{cid}.ogg")),
        error: (state == "retrying").then(|| "server away".to_owned()),
    }
}

fn changed_states(events: &[DomainEvent]) -> Vec<(String, Option<String>)> {
    events
        .iter()
        .filter_map(|e| match e {
            DomainEvent::ChatMessageChanged { message } => {
                Some((message.state.as_str().to_owned(), message.file_url.clone()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_voice_note_is_a_message_with_its_waveform_delivered_by_the_voice_outbox() {
    let (client, m) = offline(DialectId::TarotChat, "voice");
    let mut events = client.subscribe();
    let cid = "0b0e8a43-5d70-4a43-9d5b-6c1c8d2f7e11";
    // Queued twice (a restarted voice outbox reports its notes again): one row.
    for state in [
        "queued", "queued", "sending", "sending", "retrying", "sending", "sent",
    ] {
        client.publish(voice(state, cid));
    }
    // A cancelled note that the server never had disappears.
    client.publish(voice("queued", "c2"));
    client.publish(voice("cancelled", "c2"));
    let mut seen = Vec::new();
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(200), events.recv()).await {
        seen.push(e);
    }
    let states = changed_states(&seen);
    let url = Some(format!("/uploads/{cid}.ogg"));
    assert_eq!(
        states,
        vec![
            ("pending".into(), None),
            ("pending".into(), None),
            ("sending".into(), None),
            ("pending".into(), None),
            ("sending".into(), None),
            ("sent".into(), url.clone()),
            ("pending".into(), None),
        ],
        "progress reports repeat no change"
    );
    assert!(seen.iter().any(|e| matches!(e,
        DomainEvent::ChatMessageDiscarded { client_id, .. } if client_id == "c2")));
    let (page, _) = m.cache().page("s", None, 50).unwrap();
    assert_eq!(page.len(), 1);
    let note = &page[0];
    assert_eq!(note.kind, MessageKind::Voice);
    assert!(note.own);
    assert_eq!(note.state, DeliveryState::Sent);
    assert_eq!(note.server_id.as_deref(), Some(cid));
    assert_eq!(note.file_url, url);
    assert_eq!(note.duration_ms, Some(3_500));
    assert_eq!(note.waveform, (0..64).collect::<Vec<u8>>());
    // Never the message outbox's to send.
    assert_eq!(m.cache().queued_count().unwrap(), 0);

    // A note received from someone else has no waveform until it is first played.
    let theirs = Message {
        id: "m-theirs".into(),
        conversation_id: "s".into(),
        client_id: None,
        sender: Party {
            id: "samia".into(),
            ..Party::default()
        },
        kind: MessageKind::Voice,
        text: None,
        file_url: Some("/uploads/theirs.ogg".into()),
        file_name: None,
        reply_to: None,
        sent_at: None,
        read: None,
        reactions: Default::default(),
        duration_secs: Some(2.5),
    };
    client.publish(DomainEvent::MessageReceived { message: theirs });
    let played = |waveform: Vec<u8>| DomainEvent::VoicePlayback {
        url: "/uploads/theirs.ogg".into(),
        state: "started".into(),
        position_ms: None,
        duration_ms: Some(2_500),
        waveform,
    };
    client.publish(played(vec![9; 64]));
    client.publish(played(vec![7; 64]));
    let (page, _) = m.cache().page("s", None, 50).unwrap();
    let received = page.iter().find(|n| !n.own).unwrap();
    assert_eq!(received.duration_ms, Some(2_500));
    assert_eq!(received.waveform, vec![9; 64], "kept from the first play");
}

#[tokio::test]
async fn tarot_chat_message_ids_must_be_uuids() {
    let (client, _m) = offline(DialectId::TarotChat, "uuid");
    assert_eq!(
        client
            .send(msg("s", "not-a-uuid", "hi"))
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert!(client.send(msg("s", "", "hi")).await.is_ok());
}

#[tokio::test]
async fn a_send_handle_reads_its_state_times_out_offline_and_aborts() {
    let (_client, m) = offline(DialectId::SupportChat, "handle");
    let h = m.send_text("c", "hello").unwrap();
    assert!(!h.client_id().is_empty());
    assert_eq!(h.conversation_id(), "c");
    assert_eq!(h.state().unwrap(), Some(DeliveryState::Pending));
    assert_eq!(
        h.message().unwrap().and_then(|m| m.text).as_deref(),
        Some("hello")
    );
    let waited = h.settled(Duration::from_millis(200)).await.unwrap_err();
    assert_eq!(waited.code(), "timeout", "{waited}");
    let unbounded = tokio::time::timeout(Duration::from_millis(100), h.settled(Duration::MAX));
    assert!(
        unbounded.await.is_err(),
        "Duration::MAX waits instead of overflowing"
    );
    assert!(!h.retry().unwrap(), "a pending message is not retried");
    assert!(h.abort().unwrap());
    assert_eq!(h.state().unwrap(), None);
    assert!(!h.abort().unwrap(), "nothing is left to abort");
    let gone = h.settled(Duration::from_secs(1)).await.unwrap_err();
    assert_eq!(gone.code(), "illegal_state", "{gone}");
    assert_eq!(m.send_text("c", "  ").unwrap_err().code(), "invalid_input");
    assert_eq!(m.send_text("", "text").unwrap_err().code(), "invalid_input");
}

/// An answer that names no message of ours (seed 003's `messageSent` has no client id) and
/// comes while the next message is in flight: a server that acks with no body and then sends
/// the event, or answers both ways, does so. It is the earlier message's (its text says so),
/// never the one in flight: taking it for that one would call a message sent that the server
/// never got.
#[tokio::test]
async fn a_late_answer_confirms_its_own_message_not_the_one_in_flight() {
    let (client, m) = offline(DialectId::SupportChat, "late-answer");
    client.publish(DomainEvent::Authenticated {
        user: Party {
            id: "1".into(),
            ..Party::default()
        },
    });
    let first = m.send_text("c", "first").unwrap();
    let second = m.send_text("c", "second").unwrap();
    let local = |h: &crate::messaging::SendHandle| h.message().unwrap().unwrap().local_id;
    // The outbox took `first` on an empty ack and moved on to `second`.
    let cache = &m.inner.cache;
    cache.start_try(local(&first)).unwrap();
    cache.confirm_taken(local(&first)).unwrap();
    cache.start_try(local(&second)).unwrap();
    *m.inner.in_flight.lock().unwrap() = Some(super::super::shared::InFlight {
        conversation_id: "c".into(),
        client_id: second.client_id().into(),
        text: Some("second".into()),
    });
    let answer = |id: &str, text: &str| DomainEvent::MessageSent {
        conversation_id: Some("c".into()),
        server_id: id.into(),
        client_id: None,
        message: Some(
            serde_json::from_value(serde_json::json!({"id": id, "conversation_id": "c",
                "sender": {"id": "1"}, "kind": "text", "text": text}))
            .unwrap(),
        ),
    };
    eprintln!(
        "before {:?} {:?}",
        first.message().unwrap(),
        second.message().unwrap()
    );
    client.publish(answer("srv-1", "first"));
    eprintln!(
        "after {:?} {:?}",
        first.message().unwrap(),
        second.message().unwrap()
    );
    let server_id = |h: &crate::messaging::SendHandle| h.message().unwrap().unwrap().server_id;
    assert_eq!(
        server_id(&first).as_deref(),
        Some("srv-1"),
        "its own message"
    );
    assert_eq!(server_id(&second), None, "not the one in flight");
    assert_eq!(second.state().unwrap(), Some(DeliveryState::Sending));
    // Its own answer then confirms it.
    client.publish(answer("srv-2", "second"));
    assert_eq!(server_id(&second).as_deref(), Some("srv-2"));
    assert_eq!(second.state().unwrap(), Some(DeliveryState::Sent));
    // A repeat of an answer already applied changes nothing.
    client.publish(answer("srv-1", "first"));
    assert_eq!(server_id(&second).as_deref(), Some("srv-2"));
}

/// A voice note whose upload lost its answer is `unconfirmed` in its conversation, and a resend
/// puts it back on its way. Its resend and discard are the voice outbox's (which holds the
/// audio): the Messenger does not claim them, whatever the conversation's buttons send.
#[tokio::test]
async fn an_unconfirmed_voice_note_shows_so_and_its_resend_is_not_the_messengers() {
    let (client, m) = offline(DialectId::TarotChat, "voice-unconfirmed");
    let cid = "5d1e3c2a-0000-4000-8000-00000000000a";
    client.publish(voice("queued", cid));
    client.publish(voice("sending", cid));
    client.publish(voice("unconfirmed", cid));
    let state = || {
        let (page, _) = m.cache().page("s", None, 10).unwrap();
        page.iter()
            .find(|n| n.client_id.as_deref() == Some(cid))
            .map(|n| n.state)
    };
    assert_eq!(state(), Some(DeliveryState::Unconfirmed));
    let retry = LocalCommand::RetryMessage {
        conversation_id: "s".into(),
        client_id: cid.into(),
    };
    assert!(m.handle_local(&retry).is_none(), "left to the voice outbox");
    let discard = LocalCommand::DiscardMessage {
        conversation_id: "s".into(),
        client_id: cid.into(),
    };
    assert!(
        m.handle_local(&discard).is_none(),
        "left to the voice outbox"
    );
    // The voice outbox's resend: back on its way.
    client.publish(voice("retrying", cid));
    assert_eq!(state(), Some(DeliveryState::Pending));
    // A text message's retry stays the Messenger's.
    let text = LocalCommand::RetryMessage {
        conversation_id: "s".into(),
        client_id: "not-a-voice-note".into(),
    };
    assert!(m.handle_local(&text).is_some());
}
