//! Each messaging dialect end to end through the cache: messages, replies, reactions, receipts, typing, history and search.
//! One file per dialect; the typing check two of them share is here.

use super::*;

mod presence_sessions;
mod support_chat;
mod tarot_chat;

/// Typing through the throttle: many keystrokes, one start, one stop after idle.
async fn check_typing(typist: &mut Actor, watcher: &mut Actor, conv: &str) {
    for _ in 0..5 {
        typist
            .send(
                "typing",
                Command::SetTyping {
                    conversation_id: conv.into(),
                    typing: true,
                },
            )
            .await
            .unwrap();
    }
    watcher
        .expect("typing start", 5, |e| {
            matches!(e, DomainEvent::TypingChanged { typing: true, .. }).then_some(())
        })
        .await
        .unwrap();
    watcher
        .expect("typing stop after idle", 5, |e| {
            matches!(e, DomainEvent::TypingChanged { typing: false, .. }).then_some(())
        })
        .await
        .unwrap();
    watcher
        .expect_none("a second typing start", 300, |e| {
            matches!(e, DomainEvent::TypingChanged { typing: true, .. })
        })
        .await
        .unwrap();
}
