//! 001's cases (presence and sessions): the document prints no socket payloads, so these are
//! the common shapes its module docs say it accepts.

use super::*;

/// This dialect's cases, in the order the property tests have always run them.
pub(super) fn cases() -> Vec<Case> {
    vec![
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
    ]
}
