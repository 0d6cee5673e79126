//! A REST call as a dialect describes it: pure data, sent by the transport's REST client.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// HTTP method of a REST call (upper case in JSON: `"POST"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

/// One REST call, as a dialect describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct RestRequest {
    /// Method.
    pub method: Method,
    /// Path below the REST base URL, starting with `/`.
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Value>,
}
