//! 003's cases (support chat): the payloads its document prints, and the answers to its
//! commands.

use super::*;

/// This dialect's cases, in the order the property tests have always run them.
pub(super) fn cases() -> Vec<Case> {
    let message_003 = json!({"id":"m1","chatId":"chat-id-123","senderId":1,"text":"hi","fileUrl":"https://f","replyToId":"m0","replyTo":{"id":"m0","chatId":"chat-id-123","senderId":2,"text":"a","createdAt":"t"},"createdAt":"2024-12-01T00:00:00Z","sender":{"id":1,"email":"a@b","role":"CLIENT"}});
    vec![
        event(D003, "newMessage", message_003.clone()),
        event(D003, "messageSent", message_003.clone()),
        event(
            D003,
            "userTyping",
            json!({"userId":1,"email":"a@b","isTyping":true}),
        ),
        event(
            D003,
            "messagesRead",
            json!({"userId":2,"messageIds":["m1","m2"]}),
        ),
        event(
            D003,
            "participantUpdate",
            json!({"chatId":"c","userId":3,"action":"left","timestamp":"t"}),
        ),
        event(
            D003,
            "chatStatusChanged",
            json!({"chatId":"c","status":"CLOSED"}),
        ),
        event(D003, "activeUsers", json!({"chatId":"c","userIds":[1,10]})),
        event(D003, "messagesMarkedRead", json!([{"id":"m1","readBy":2}])),
        event(
            D003,
            "joinedChat",
            json!({"chatId":"chat-1","messages":[message_003.clone()]}),
        ),
        event(
            D003,
            "error",
            json!({"message":"Chat not found","code":"NOT_FOUND"}),
        ),
        reply(
            D003,
            Command::JoinConversation {
                conversation_id: "chat-1".into(),
            },
            json!([{"event":"joinedChat","data":{"chatId":"chat-1","messages":[message_003.clone()]}}]),
        ),
        reply(
            D003,
            Command::SendMessage {
                conversation_id: "chat-id-123".into(),
                client_id: "k".into(),
                text: Some("hi".into()),
                reply_to: None,
                file_id: None,
            },
            json!([{"event":"messageSent","data":message_003}]),
        ),
        reply(
            D003,
            Command::MarkRead {
                conversation_id: "c".into(),
                message_ids: vec!["m1".into()],
            },
            json!([{"event":"messagesMarkedRead","data":[{"id":"m1","readBy":1}]}]),
        ),
        reply(
            D003,
            Command::GetActiveUsers {
                conversation_id: "c".into(),
            },
            json!([{"event":"activeUsers","data":{"chatId":"c","userIds":[1,2]}}]),
        ),
        reply(
            D003,
            Command::LeaveConversation {
                conversation_id: "c".into(),
            },
            json!([{"event":"leftChat","data":"c"}]),
        ),
        reply(
            D003,
            Command::JoinConversation {
                conversation_id: "c".into(),
            },
            json!([{"event":"error","data":{"code":"CHAT_CLOSED","message":"closed"}}]),
        ),
    ]
}
