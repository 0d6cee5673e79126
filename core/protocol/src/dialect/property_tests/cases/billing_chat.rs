//! 000's cases (billing chat): the payloads its document prints, and the answers to its
//! commands.

use super::*;

/// This dialect's cases, in the order the property tests have always run them.
pub(super) fn cases() -> Vec<Case> {
    vec![
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
    ]
}
