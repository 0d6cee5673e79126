//! REST calls with bearer auth and typed errors (reqwest).

use crate::model::{Method, RestRequest};
use crate::token::{SharedTokenSource, TokenError};
use serde_json::Value;
use std::time::Duration;

/// What an HTTP error status means to a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpErrorKind {
    /// 400 / 422.
    BadRequest,
    /// 401.
    Unauthorized,
    /// 402.
    PaymentRequired,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 409.
    Conflict,
    /// 413.
    PayloadTooLarge,
    /// 415.
    UnsupportedMediaType,
    /// 429.
    RateLimited,
    /// 5xx.
    Server,
    /// Anything else.
    Other,
}

impl HttpErrorKind {
    /// The kind of a status code.
    pub fn of(status: u16) -> Self {
        match status {
            400 | 422 => Self::BadRequest,
            401 => Self::Unauthorized,
            402 => Self::PaymentRequired,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            429 => Self::RateLimited,
            500..=599 => Self::Server,
            _ => Self::Other,
        }
    }
}

/// Errors of a REST call.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum RestError {
    /// The server answered with an error status.
    #[error("HTTP {status}: {message}")]
    Http {
        /// Status code.
        status: u16,
        /// What it means.
        kind: HttpErrorKind,
        /// The server's machine code (`code` field), when given.
        code: Option<String>,
        /// The server's message (`error` or `message` field), else the status text.
        message: String,
    },
    /// Nothing reached the server: refused, DNS, TLS, no route. Safe to send again.
    #[error("network error: {0}")]
    Network(String),
    /// The request went out and its answer did not come (a timeout, a reset, a cut body): the
    /// server may have acted on it, so sending it again may do it twice.
    #[error("no answer from the server: {0}")]
    NoAnswer(String),
    /// The answer was not the JSON expected.
    #[error("unreadable answer: {0}")]
    Decode(String),
    /// No token to authenticate with.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// This profile has no REST base URL.
    #[error("this server profile has no REST URL")]
    NoBaseUrl,
}

/// A REST client bound to one base URL and token source.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: String,
    tokens: SharedTokenSource,
}

impl RestClient {
    /// A client for `base` (e.g. `http://127.0.0.1:5000`), trusting `extra_root` (PEM) as
    /// well as the system's roots. Certificates are always verified.
    pub fn new(
        base: impl Into<String>,
        tokens: SharedTokenSource,
        extra_root: Option<&[u8]>,
    ) -> Result<Self, RestError> {
        let http = match extra_root {
            // Building an HTTP client loads and parses the system's CA bundle (~100 ms of CPU
            // and a megabyte or two each): share one per process; it pools connections too.
            None => shared_http()?,
            Some(pem) => {
                let cert = reqwest::Certificate::from_pem(pem)
                    .map_err(|e| RestError::Network(format!("trusted certificate: {e}")))?;
                http_builder()
                    .add_root_certificate(cert)
                    .build()
                    .map_err(|e| RestError::Network(e.to_string()))?
            }
        };
        Ok(RestClient {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
            tokens,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The shared HTTP client with the profile's TLS settings (voice-note downloads use it;
    /// an app's own downloads may too).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Performs `req` and returns the JSON body of a 2xx answer. A 401 hands the token back to
    /// its source ([`TokenSource::refused`](crate::token::TokenSource::refused)); if the source
    /// then has a different token, the call is made once more with it (a refused call did
    /// nothing on the server).
    pub async fn send(&self, req: &RestRequest) -> Result<Value, RestError> {
        let token = self.tokens.token().await?;
        let first = self.send_with(req, &token).await;
        if !matches!(&first, Err(RestError::Http { status: 401, .. })) {
            return first;
        }
        self.tokens.refused(&token);
        match self.tokens.token().await {
            Ok(renewed) if renewed != token => self.send_with(req, &renewed).await,
            _ => first,
        }
    }

    /// Posts a multipart `form` (a file upload a dialect described) to `path` below the base
    /// URL and returns the JSON body of a 2xx answer. Not repeated on a 401: the form's
    /// stream is spent; the caller's retry takes a fresh token.
    pub async fn post_form(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
        timeout: Duration,
    ) -> Result<Value, RestError> {
        let token = self.tokens.token().await?;
        let response = self
            .http
            .post(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .timeout(timeout)
            .multipart(form)
            .send()
            .await
            .map_err(after_sending)?;
        read_answer(response).await
    }

    async fn send_with(&self, req: &RestRequest, token: &str) -> Result<Value, RestError> {
        let url = format!("{}{}", self.base, req.path);
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.http.request(method, &url).bearer_auth(token);
        if !req.query.is_empty() {
            builder = builder.query(&req.query);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(after_sending)?;
        read_answer(response).await
    }
}

fn http_builder() -> reqwest::ClientBuilder {
    // Idle pooled connections are dropped before common server keep-alive timeouts (Node's
    // is 5 s), so a request never goes out on a socket the server is just closing.
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(4))
}

/// The process-wide HTTP client with the system's roots.
fn shared_http() -> Result<reqwest::Client, RestError> {
    static SHARED: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    if let Some(c) = SHARED.get() {
        return Ok(c.clone());
    }
    let built = http_builder()
        .build()
        .map_err(|e| RestError::Network(e.to_string()))?;
    Ok(SHARED.get_or_init(|| built).clone())
}

/// A failed `send`: nothing sent when the connection never opened, else perhaps acted on.
fn after_sending(e: reqwest::Error) -> RestError {
    if e.is_connect() || e.is_builder() {
        RestError::Network(e.to_string())
    } else {
        RestError::NoAnswer(e.to_string())
    }
}

/// Turns a response into its JSON body or a typed error.
pub(crate) async fn read_answer(response: reqwest::Response) -> Result<Value, RestError> {
    let status = response.status();
    // The status came: the server took the request, whatever happened to its body.
    let text = response
        .text()
        .await
        .map_err(|e| RestError::NoAnswer(e.to_string()))?;
    let body: Option<Value> = serde_json::from_str(&text).ok();
    if status.is_success() {
        // No body (204, or an empty 200) is an answer too: the dialect decides what it means.
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        return body.ok_or_else(|| RestError::Decode(format!("not JSON: {}", preview(&text))));
    }
    // Error bodies come in every common shape (`{error, code}`, `{message, code}`, `{error:
    // {code, message}}`, `errors: [..]`, …): read them as the dialects read error answers.
    let (code, message) = body
        .as_ref()
        .map(crate::dialect::answer::error_parts)
        .unwrap_or_default();
    Err(RestError::Http {
        status: status.as_u16(),
        kind: HttpErrorKind::of(status.as_u16()),
        code,
        message: message.unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
    })
}

fn preview(text: &str) -> String {
    text.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_kinds_callers_can_act_on() {
        assert_eq!(HttpErrorKind::of(401), HttpErrorKind::Unauthorized);
        assert_eq!(HttpErrorKind::of(403), HttpErrorKind::Forbidden);
        assert_eq!(HttpErrorKind::of(404), HttpErrorKind::NotFound);
        assert_eq!(HttpErrorKind::of(409), HttpErrorKind::Conflict);
        assert_eq!(HttpErrorKind::of(503), HttpErrorKind::Server);
        assert_eq!(HttpErrorKind::of(418), HttpErrorKind::Other);
    }
}
