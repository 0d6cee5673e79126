//! `parlor schema`: the JSON Schema of every command, event and reply of `parlor connect`.

use parlor_core::{DomainEvent, Request};
use schemars::JsonSchema;
use serde::Serialize;

/// A reply line of `parlor connect`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Reply {
    /// The `id` of the command line answered (any JSON value; null when it had none).
    pub reply_to: serde_json::Value,
    /// Whether the command succeeded.
    pub ok: bool,
    /// Events decoded from the server's direct answer (also printed as event lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Vec<DomainEvent>>,
    /// The error, when `ok` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ReplyError>,
}

/// An error in a reply line.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReplyError {
    /// Stable machine code: not_connected, timeout, auth_failed, unsupported, invalid_input,
    /// protocol, rejected, network, busy, closed.
    pub code: String,
    /// What went wrong, for people (a server's refusal: its own words, verbatim).
    pub message: String,
    /// The server's own error code (`SESSION_INACTIVE`, `CHAT_ACCESS_DENIED`, …), when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_code: Option<String>,
    /// The HTTP status of a refused REST call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// The whole schema document: `{"command": …, "event": …, "reply": …}`.
pub fn document() -> serde_json::Value {
    serde_json::json!({
        "$comment": "parlor connect: each stdin line is a command object plus an optional \"id\"; stdout carries reply lines and event lines.",
        "command": schemars::schema_for!(Request),
        "event": schemars::schema_for!(DomainEvent),
        "reply": schemars::schema_for!(Reply),
    })
}
