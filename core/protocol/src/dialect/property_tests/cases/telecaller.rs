//! 004's cases (telecaller), from both sides: the user's namespace and the telecaller's.

use super::*;

/// This dialect's cases, in the order the property tests have always run them.
pub(super) fn cases() -> Vec<Case> {
    vec![
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
