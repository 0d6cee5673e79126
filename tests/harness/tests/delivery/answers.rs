//! Seed 003's answers in every answer mode a gateway may use (ack, event, both, event then an
//! empty ack): each confirms its own message, and a refusal is never taken for sent.

use super::*;

/// The four ways a drifted 003 gateway answers (`tests/servers/shapes/003_support_chat.js`).
const ANSWER_MODES: [&str; 4] = ["both", "emptyAck", "nest", "ack"];

/// A drifted 003 server that answers only in `answer` mode, a user in its chat, and that
/// user's messenger (quick retries; `confirm_timeout` as given).
struct Pinned {
    server: RefServer,
    // Kept for the connection's lifetime.
    _user: Actor,
    m: Arc<Messenger>,
    conversation: String,
}

async fn pinned(answer: &str, tag: &str, confirm_timeout: Duration) -> Pinned {
    let d = DialectId::SupportChat;
    let pin = format!("003.answer={answer}");
    let server = RefServer::start(
        server_file(d),
        &[("PARLOR_DRIFT", "3"), ("PARLOR_DRIFT_PIN", &pin)],
    )
    .await
    .unwrap();
    let mut user = chat_user_on(&server, d).await;
    let m = messenger(
        &user,
        &format!("{tag}-{answer}"),
        MessengerConfig {
            confirm_timeout,
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_secs(1),
            ..MessengerConfig::default()
        },
    );
    let conversation = open_chat(&server, d, &mut user).await.unwrap();
    Pinned {
        server,
        _user: user,
        m,
        conversation,
    }
}

/// A seed-only 003 server's answer to `sendMessage` names no message of ours, and a drifted
/// one may give it by ack, by event, by both, or by event after an empty ack: an answer that
/// comes while the next message is already in flight is still its own message's. Sent back to
/// back, every message must end `sent` with the id the server gave *it* (a client that takes
/// the previous message's answer for the next one calls a message sent that the server never
/// got, and resends nothing). Each answer mode is pinned here (a drifted run draws one per
/// connection); the race itself, an answer that arrives after the next message went out, is
/// pinned down by the messenger's unit test `a_late_answer_confirms_its_own_message_…`.
#[tokio::test]
async fn support_chat_answers_confirm_their_own_message_in_every_answer_mode() {
    for answer in ANSWER_MODES {
        // The actor stays in `pinned` for the whole round: its connection carries the sends.
        let pinned = pinned(answer, "answers", Duration::from_secs(3)).await;
        let (server, m, conversation) = (&pinned.server, &pinned.m, &pinned.conversation);
        let texts: Vec<String> = (0..40).map(|i| format!("{answer} {i:02}")).collect();
        for text in &texts {
            m.send_text(conversation, text).unwrap();
        }
        assert!(
            wait_until(60, || m.cache().queued_count().unwrap_or(1) == 0).await,
            "{answer}: {} messages still queued",
            m.cache().queued_count().unwrap()
        );
        let stored: HashMap<String, String> = server
            .stored_message_ids(conversation)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, text)| (text, id))
            .collect();
        let (cached, _) = m.cache().page(conversation, None, 1_000).unwrap();
        let drift = server.drift_report().await;
        for text in &texts {
            let mine = cached
                .iter()
                .find(|c| c.own && c.text.as_deref() == Some(text.as_str()))
                .unwrap_or_else(|| panic!("{answer}: {text:?} is not in the cache"));
            assert_eq!(
                (mine.state, mine.server_id.as_deref()),
                (DeliveryState::Sent, stored.get(text).map(String::as_str)),
                "{answer}: {text:?} against the server's record; server mode: {drift}"
            );
        }
    }
}

/// A drifted 003 server that answers by an event and then an empty ack refuses a send the same
/// way: an `error` event, then the empty ack. The ack alone must not count as the proof (the
/// refusal is in the event the client may still be applying): in every answer mode a refused
/// message never ends `sent`, the server never holds it, and the messages around it go.
#[tokio::test]
async fn support_chat_refusals_are_never_taken_for_sent_in_any_answer_mode() {
    for answer in ANSWER_MODES {
        // The actor stays in `pinned` for the whole round: its connection carries the sends.
        let pinned = pinned(answer, "refusals", Duration::from_secs(2)).await;
        let (server, m, conversation) = (&pinned.server, &pinned.m, &pinned.conversation);
        for i in 0..2 {
            m.send_text(conversation, &format!("{answer} before {i}"))
                .unwrap();
            m.send_text("no-such-chat", &format!("{answer} refused {i}"))
                .unwrap();
            m.send_text(conversation, &format!("{answer} after {i}"))
                .unwrap();
        }
        assert!(
            wait_until(90, || m.cache().queued_count().unwrap_or(1) == 0).await,
            "{answer}: {} messages still queued",
            m.cache().queued_count().unwrap()
        );
        let (refused, _) = m.cache().page("no-such-chat", None, 50).unwrap();
        assert_eq!(refused.len(), 2, "{answer}: {refused:?}");
        for r in &refused {
            assert!(
                matches!(r.state, DeliveryState::Failed | DeliveryState::Unconfirmed),
                "{answer}: a refused message ended {:?}: {r:?}",
                r.state
            );
        }
        let stored = server.stored_messages(conversation).await.unwrap();
        assert!(
            stored.iter().all(|(_, t)| !t.contains("refused")),
            "{answer}: {stored:?}"
        );
        let (kept, _) = m.cache().page(conversation, None, 100).unwrap();
        for i in 0..2 {
            for text in [
                format!("{answer} before {i}"),
                format!("{answer} after {i}"),
            ] {
                assert!(
                    kept.iter().any(|c| c.text.as_deref() == Some(text.as_str())
                        && c.state == DeliveryState::Sent),
                    "{answer}: {text:?} not sent: {kept:?}"
                );
                assert_eq!(
                    stored.iter().filter(|(_, t)| *t == text).count(),
                    1,
                    "{answer}: {text:?}"
                );
            }
        }
    }
}
