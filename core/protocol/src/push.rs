//! Push notifications: the platforms a device token belongs to, and [`read_push`], which finds
//! the server event a push carries so that the dialect reads it like the same event from the
//! socket (one home per server rule: the envelope is generic, the payload is the dialect's).
//!
//! The seed documents define no push format. Marketplace backends that push usually forward
//! the socket event they would have emitted; the envelope accepted here is that, as FCM and
//! APNs deliver it (FCM data values are strings, so the payload may be JSON in a string):
//!
//! ```json
//! {"event": "chat-request", "data": {"roomId": "r1", "user": {"id": "u1"}}}
//! {"data": {"event": "newMessage", "payload": "{\"id\":\"m1\",…}"}}
//! {"aps": {"alert": "…"}, "type": "call:incoming", "data": {…}}
//! ```
//!
//! The event's name is read from `event` or `type`, the payload from `data`, `payload` or
//! `args` (an array: the event's arguments), looking one level into an outer `data` or
//! `message` object (FCM's HTTP v1 shape).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The push service a device token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PushPlatform {
    /// Firebase Cloud Messaging (Android).
    Fcm,
    /// Apple Push Notification service, alerts (iOS).
    Apns,
    /// APNs VoIP pushes for PushKit and CallKit (iOS incoming calls).
    ApnsVoip,
}

/// Why a push payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// Not JSON.
    #[error("the push payload is not JSON: {0}")]
    NotJson(String),
    /// JSON without an event name.
    #[error("the push payload names no event (no `event` or `type` field)")]
    NoEvent,
}

/// The server event a push carries: its name and its arguments, as the socket would deliver
/// them.
pub fn read_push(payload: &str) -> Result<(String, Vec<Value>), PushError> {
    let root: Value =
        serde_json::from_str(payload).map_err(|e| PushError::NotJson(e.to_string()))?;
    let candidates = [
        Some(&root),
        root.get("data"),
        root.get("message"),
        root.get("message").and_then(|m| m.get("data")),
    ];
    for envelope in candidates.into_iter().flatten() {
        if let Some(name) = name_of(envelope) {
            return Ok((name, args_of(envelope)));
        }
    }
    Err(PushError::NoEvent)
}

fn name_of(envelope: &Value) -> Option<String> {
    ["event", "type"].iter().find_map(|k| {
        envelope
            .get(*k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    })
}

/// The arguments: `args` as given, else `data` or `payload` as the one argument (a string
/// that holds JSON is read as that JSON, as FCM delivers data values as strings).
fn args_of(envelope: &Value) -> Vec<Value> {
    if let Some(Value::Array(args)) = envelope.get("args") {
        return args.iter().map(unstring).collect();
    }
    ["data", "payload"]
        .iter()
        .find_map(|k| envelope.get(*k))
        .map(|v| vec![unstring(v)])
        .unwrap_or_default()
}

fn unstring(v: &Value) -> Value {
    match v {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(inner @ (Value::Object(_) | Value::Array(_))) => inner,
            _ => v.clone(),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_envelopes_fcm_and_apns_deliver() {
        let (name, args) =
            read_push(r#"{"event":"chat-request","data":{"roomId":"r1"}}"#).expect("a push");
        assert_eq!(name, "chat-request");
        assert_eq!(args, vec![json!({"roomId": "r1"})]);

        // FCM: data values are strings; the payload is JSON inside one.
        let fcm = r#"{"data":{"event":"newMessage","payload":"{\"id\":\"m1\"}"}}"#;
        assert_eq!(
            read_push(fcm).expect("a push"),
            ("newMessage".into(), vec![json!({"id": "m1"})])
        );

        // APNs: the alert beside our fields, the name as `type`.
        let apns = r#"{"aps":{"alert":"Call"},"type":"call:incoming","data":{"callId":"c1"}}"#;
        assert_eq!(read_push(apns).expect("a push").0, "call:incoming");

        // FCM HTTP v1 message shape, arguments as an array.
        let v1 = r#"{"message":{"data":{"event":"x","args":["{\"a\":1}", 2]}}}"#;
        assert_eq!(
            read_push(v1).expect("a push"),
            ("x".into(), vec![json!({"a": 1}), json!(2)])
        );
    }

    #[test]
    fn refuses_what_names_no_event() {
        assert!(matches!(read_push("not json"), Err(PushError::NotJson(_))));
        assert_eq!(
            read_push(r#"{"aps":{"alert":"hi"}}"#),
            Err(PushError::NoEvent)
        );
        assert_eq!(read_push(r#"{"event":"  "}"#), Err(PushError::NoEvent));
        assert_eq!(read_push("[]"), Err(PushError::NoEvent));
    }
}
