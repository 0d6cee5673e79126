//! Every payload the documents print, and the shapes beyond them that the dialects' module
//! docs say they accept, per dialect.

use super::*;

/// What to decode: an event, or the answer to a command.
pub(super) enum Input {
    Event(&'static str),
    Reply(Command),
}

pub(super) struct Case {
    /// Index into [`dialects`].
    pub(super) dialect: usize,
    pub(super) input: Input,
    pub(super) payload: Value,
}

/// 000, 001, 002, 003, 004 user side, 004 telecaller side.
pub(super) fn dialects() -> Vec<Box<dyn Dialect>> {
    let ctx = |namespace: &str| DialectContext {
        namespace: namespace.into(),
        account_id: Some("me".into()),
    };
    vec![
        dialect_for(DialectId::BillingChat, &ctx("/")),
        dialect_for(DialectId::PresenceSessions, &ctx("/")),
        dialect_for(DialectId::TarotChat, &ctx("/")),
        dialect_for(DialectId::SupportChat, &ctx("/")),
        dialect_for(DialectId::Telecaller, &ctx("/user")),
        dialect_for(DialectId::Telecaller, &ctx("/telecaller")),
    ]
}

pub(super) const D000: usize = 0;
pub(super) const D001: usize = 1;
pub(super) const D002: usize = 2;
pub(super) const D003: usize = 3;
pub(super) const D004_USER: usize = 4;
pub(super) const D004_TELECALLER: usize = 5;

pub(super) fn event(dialect: usize, name: &'static str, payload: Value) -> Case {
    Case {
        dialect,
        input: Input::Event(name),
        payload,
    }
}

pub(super) fn reply(dialect: usize, cmd: Command, payload: Value) -> Case {
    Case {
        dialect,
        input: Input::Reply(cmd),
        payload,
    }
}

/// Every payload the documents print (with real values where they print placeholders for
/// amounts), and the shapes beyond them that the dialects' module docs say they accept.
pub(super) fn cases() -> Vec<Case> {
    let message_003 = json!({"id":"m1","chatId":"chat-id-123","senderId":1,"text":"hi","fileUrl":"https://f","replyToId":"m0","replyTo":{"id":"m0","chatId":"chat-id-123","senderId":2,"text":"a","createdAt":"t"},"createdAt":"2024-12-01T00:00:00Z","sender":{"id":1,"email":"a@b","role":"CLIENT"}});
    vec![
        // ----- 000 -----
        event(
            D000,
            "chat-request-response",
            json!({"status":"success","message":"Chat request sent to astrologer.","data":{"roomId":"ROOM_ID","astrologerId":"ASTROLOGER_ID"}}),
        ),
        event(
            D000,
            "chat-request-response",
            json!({"success":true,"roomId":"r9","astrologerId":"a1","ratePerMinute":"12.50","expiresAt":"t"}),
        ),
        event(
            D000,
            "chat-request-response",
            json!({"status":"error","error":"ASTROLOGER_BUSY","message":"Astrologer is busy."}),
        ),
        event(
            D000,
            "chat-request",
            json!({"roomId":"r1","userId":"u-asha","userName":"Asha Verma","chatType":"audio","ratePerMinute":"12.50","expiresAt":"2026-01-01T00:00:00Z"}),
        ),
        event(
            D000,
            "chat-request",
            json!({"room":{"id":"r1"},"user":{"_id":"u1","name":"Asha"},"chat_type":"VIDEO"}),
        ),
        event(
            D000,
            "chat-status",
            json!({"status":"accepted","message":"Astrologer has accepted/rejected the request.","roomId":"ROOM_ID"}),
        ),
        event(
            D000,
            "chat-status",
            json!({"status":"rejected","message":"no","roomId":"ROOM_ID"}),
        ),
        event(
            D000,
            "chat-started",
            json!({"status":"success","message":"Chat session started.","startTime":"TIMESTAMP"}),
        ),
        event(
            D000,
            "chat-started",
            json!({"status":"success","roomId":"r1","startTime":"t","ratePerMinute":"10.00","balance":"500","currency":"INR"}),
        ),
        event(
            D000,
            "chat-paused",
            json!({"status":"success","message":"Chat paused successfully."}),
        ),
        event(
            D000,
            "chat-resumed",
            json!({"status":"success","message":"Chat resumed successfully.","roomId":"r1","resumedBy":"user"}),
        ),
        event(
            D000,
            "chat-ended",
            json!({"status":"success","message":"Chat session ended.","duration":"DURATION_IN_MINUTES","totalCost":"TOTAL_COST"}),
        ),
        event(
            D000,
            "chat-ended",
            json!({"status":"success","message":"Chat session ended.","roomId":"r1","duration":4,"totalCost":"50.25","endedBy":"user","reason":"ended","balance":"449.75"}),
        ),
        event(
            D000,
            "chat-timer",
            json!({"roomId":"ROOM_ID","duration":"3","cost":"37.50","balance":"462.50","state":"active"}),
        ),
        event(
            D000,
            "chat-error",
            json!({"error":"ERROR_CODE","message":"ERROR_MESSAGE"}),
        ),
        event(
            D000,
            "wallet-error",
            json!({"status":"error","message":"Insufficient wallet balance to continue the chat.","requiredBalance":"MINIMUM_REQUIRED_BALANCE"}),
        ),
        event(
            D000,
            "wallet-error",
            json!({"status":"error","message":"Insufficient wallet balance to continue the chat.","requiredBalance":"10.00"}),
        ),
        event(
            D000,
            "admin-monitor",
            json!({"status":"success","message":"Action performed successfully."}),
        ),
        event(
            D000,
            "admin-monitor",
            json!({"status":"success","message":"ok","data":{"chats":[{"roomId":"r1","userId":"u","astrologerId":"a","status":"active","duration":"2","cost":"20.00"}]}}),
        ),
        // ----- 001 (the document prints no socket payloads: the common shapes) -----
        event(
            D001,
            "presence:online-list",
            json!([{"id":"astro_sharma","name":"Pandit Sharma","ratePerMinute":"10.00","isOnline":true,"busy":false,"currentSessionId":null},{"_id":"astro_meera","name":"Meera","isOnline":true,"currentSessionId":"s1"}]),
        ),
        event(
            D001,
            "presence:online-list",
            json!({"astrologers":[{"id":"a1","name":"A"},{"_id":"a2","isOnline":false}]}),
        ),
        event(
            D001,
            "session:request",
            json!({"sessionId":"s1","userId":"user_asha","userName":"Asha Verma","sessionType":"video","ratePerMinute":"10.00","expiresAt":"t"}),
        ),
        event(
            D001,
            "session:request",
            json!({"session":{"_id":"s1","sessionType":"chat","ratePerMinute":10},"user":{"_id":"u1","name":"Asha"}}),
        ),
        event(
            D001,
            "session:accepted",
            json!({"sessionId":"s1","astrologerId":"a","acceptedAt":"t","sessionType":"chat","channelName":"ch","ratePerMinute":"10"}),
        ),
        event(
            D001,
            "session:accepted",
            json!({"session":{"_id":"s1","channelName":"ch","acceptedAt":"t"}}),
        ),
        event(
            D001,
            "session:ended",
            json!({"sessionId":"s1","endedBy":"user","endReason":"ended","duration":3,"coinsDeducted":"30.00"}),
        ),
        event(
            D001,
            "session:ended",
            json!({"sessionId":"s1","endedBy":"astrologer","endReason":"rejected"}),
        ),
        event(
            D001,
            "message:receive",
            json!({"_id":"m1","sessionId":"s1","senderId":"user_asha","senderName":"Asha","text":"hello","clientId":"c1","createdAt":"t"}),
        ),
        event(
            D001,
            "message:receive",
            json!({"message":{"_id":"m1","sessionId":"s1","sender":{"_id":"u1","name":"Asha"},"text":"hello","createdAt":"t"}}),
        ),
        event(
            D001,
            "message:error",
            json!({"code":"NOT_A_PARTICIPANT","message":"no","sessionId":"s1","clientId":"c1"}),
        ),
        reply(
            D001,
            Command::RequestConsultation {
                expert_id: "a1".into(),
                kind: ConsultationKind::Video,
                rate_per_minute: None,
            },
            json!({"success":true,"session":{"_id":"s1","astrologerId":"a1","sessionType":"video","ratePerMinute":"10.00","status":"pending","expiresAt":"t"}}),
        ),
        reply(
            D001,
            Command::AnswerConsultation {
                consultation_id: "s1".into(),
                accept: true,
            },
            json!({"success":true,"session":{"_id":"s1","channelName":"ch","acceptedAt":"t","ratePerMinute":"10"}}),
        ),
        reply(
            D001,
            Command::EndConsultation {
                consultation_id: "s1".into(),
                rate_per_minute: None,
                duration_minutes: None,
            },
            json!({"success":true,"session":{"_id":"s1","duration":3,"coinsDeducted":"30","endedBy":"user","endReason":"ended"},"balance":"470"}),
        ),
        reply(
            D001,
            Command::ListOnlineExperts,
            json!({"success":true,"astrologers":[{"id":"a1","name":"A","ratePerMinute":"10"}]}),
        ),
        reply(
            D001,
            Command::RequestAgoraToken {
                channel: "c".into(),
                uid: None,
            },
            json!({"success":true,"token":"007abc","appId":"app","channelName":"c","uid":0,"expiresAt":"t"}),
        ),
        reply(
            D001,
            Command::JoinConversation {
                conversation_id: "s1".into(),
            },
            json!([{"ok":true}]),
        ),
        reply(
            D001,
            Command::JoinConversation {
                conversation_id: "s1".into(),
            },
            json!([{"ok":false,"code":"NOT_A_PARTICIPANT","message":"You are not part of this session"}]),
        ),
        reply(
            D001,
            // An expert whose id the profile knows: presence over REST.
            Command::SetPresence { online: true },
            json!({"success":true,"astrologer":{"id":"a1","isOnline":true}}),
        ),
        // ----- 002 -----
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
        // ----- 003 -----
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
        // ----- 004 -----
        event(
            D004_USER,
            "telecaller:presence-changed",
            json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"ONLINE","telecaller":{"_id":"507f1f77bcf86cd799439031","name":"Jane Smith","profile":"avatar-3","language":"hindi","about":"Experienced telecaller with 5 years of experience."}}),
        ),
        event(
            D004_USER,
            "telecaller:presence-changed",
            json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"OFFLINE","telecaller":null}),
        ),
        event(
            D004_USER,
            "telecaller:presence-changed",
            json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"ON_CALL","telecaller":null}),
        ),
        event(
            D004_USER,
            "call:ringing",
            json!({"callId":"507f1f77bcf86cd799439081","telecaller":{"_id":"507f1f77bcf86cd799439031","name":"Jane Smith","profile":"avatar-3"}}),
        ),
        event(
            D004_USER,
            "call:accepted",
            json!({"callId":"507f1f77bcf86cd799439081","livekit":{"token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...","url":"wss://your-livekit-server.com","roomName":"507f1f77bcf86cd799439081"}}),
        ),
        event(
            D004_USER,
            "call:rejected",
            json!({"callId":"507f1f77bcf86cd799439081"}),
        ),
        event(
            D004_USER,
            "call:missed",
            json!({"callId":"507f1f77bcf86cd799439081"}),
        ),
        event(
            D004_USER,
            "call:ended",
            json!({"callId":"507f1f77bcf86cd799439081"}),
        ),
        event(
            D004_USER,
            "call:error",
            json!({"message":"This person is currently offline. Please try again later."}),
        ),
        event(D004_USER, "error", json!({"message":"An error occurred"})),
        event(
            D004_TELECALLER,
            "call:incoming",
            json!({"callId":"c","callType":"VIDEO","caller":{"_id":"u","name":"Arjun","profile":null}}),
        ),
        event(
            D004_TELECALLER,
            "call:accepted",
            json!({"callId":"c","callType":"AUDIO","caller":{"_id":"u","name":"Arjun"},"livekit":{"token":"t","url":"wss://lk","roomName":"c"}}),
        ),
        event(D004_TELECALLER, "call:cancelled", json!({"callId":"c"})),
        event(
            D004_TELECALLER,
            "call:ended",
            json!({"callId":"c","duration":65,"coins":"12","endedBy":"user"}),
        ),
    ]
}
