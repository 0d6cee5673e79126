//! 002's cases (tarot chat): the payloads its document prints, and the answers to its
//! commands.

use super::*;

/// This dialect's cases, in the order the property tests have always run them.
pub(super) fn cases() -> Vec<Case> {
    vec![
        event(
            D002,
            "authenticated",
            json!({"user":{"id":"u1","name":"Sarah","avatar":"a.png","role":"client","email":"s@x"}}),
        ),
        event(D002, "auth_error", json!({"message":"Auth failed"})),
        event(D002, "chat_joined", json!({"session_id":"uuid"})),
        event(D002, "user_joined", json!({"user_name":"Sarah"})),
        event(
            D002,
            "user_left",
            json!({"user_name":"Sarah","user_id":"u1","session_id":"s","timestamp":"t"}),
        ),
        event(D002, "message_sent", json!({"message_id":"uuid"})),
        event(
            D002,
            "new_message",
            json!({"id":"uuid","content":"message text","type":"text","sender":{"id":"u1","name":"Sarah","avatar":"a.png"},"timestamp":"2024-12-01T00:00:00Z"}),
        ),
        event(
            D002,
            "new_message",
            json!({"session_id":"s","message":{"id":"m","content":"hi","type":"voice","file_url":"https://v","metadata":{"duration":15},"sender":{"id":"u1"},"reply_to":"m0"}}),
        ),
        event(
            D002,
            "user_typing",
            json!({"user_name":"Samia","is_typing":true}),
        ),
        event(
            D002,
            "message_reaction_update",
            json!({"message_id":"m","user_name":"Sarah","reaction":"❤️"}),
        ),
        event(
            D002,
            "message_reaction_update",
            json!({"message_id":"m","user_name":"Sarah","reaction":"❤️","session_id":"s","action":"added","reactions":[{"user_id":"u1","reaction":"❤️"},{"emoji":"🙏","count":3}]}),
        ),
        event(
            D002,
            "message_reaction_update",
            json!({"message_id":"m","user_id":"u1","reaction":"❤️","reactions":{"❤️":2,"🙏":"1"}}),
        ),
        event(
            D002,
            "message_read",
            json!({"session_id":"s","user_id":"u2","message_id":"m","read_at":"t"}),
        ),
        event(
            D002,
            "error",
            json!({"success":false,"error":"Human-readable error message","code":"ERROR_CODE","details":["Additional error details array"]}),
        ),
        reply(
            D002,
            Command::FetchHistory {
                conversation_id: "uuid".into(),
                before: None,
                limit: None,
            },
            json!({"success":true,"data":{"messages":[{"id":"uuid","session_id":"uuid","sender_id":"uuid","content":"Hello! How can I help you today?","type":"text","file_url":null,"file_name":null,"is_read":true,"created_at":"2024-12-...","profiles":{"first_name":"Samia","last_name":"Reader","avatar_url":"https://..."},"message_reactions":[{"user_id":"uuid","reaction":"❤️","profiles":{"first_name":"Sarah"}}]}],"has_more":true}}),
        ),
        reply(
            D002,
            Command::ListConversations { status: None },
            json!({"success":true,"data":{"sessions":[{"id":"uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1-id","reader1-id"],"last_message_at":"2024-12-...","unread_count":3,"bookings":{"id":"uuid","services":{"name":"Full Tarot Reading","type":"comprehensive"},"profiles":[]}}],"pagination":{"page":1,"limit":20,"total":45,"total_pages":3}}}),
        ),
        reply(
            D002,
            Command::GetConversation {
                conversation_id: "uuid".into(),
            },
            json!({"success":true,"data":{"id":"uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1","reader1"],"participant_profiles":[{"id":"user1","first_name":"Sarah","last_name":"Johnson","avatar_url":"https://...","role":"client"}],"metadata":{},"created_at":"2024-12-...","bookings":{}}}),
        ),
        reply(
            D002,
            Command::CreateConversation {
                participant_ids: vec!["user1".into()],
                kind: None,
            },
            json!({"success":true,"data":{"id":"new-session-uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1","reader1"],"created_at":"2024-12-..."},"message":"Chat session created successfully"}),
        ),
        reply(
            D002,
            Command::MarkRead {
                conversation_id: "s".into(),
                message_ids: vec!["m1".into()],
            },
            json!({"success":true,"message":"Message marked as read"}),
        ),
    ]
}
