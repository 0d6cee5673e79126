//! Multipart upload of a voice note, as the server's dialect describes it
//! ([`VoiceUploadSpec`]: the path, the form's fields, the types, size and rate the server
//! takes, its error codes), with progress, cancellation, the client-side checks of type, size
//! and the per-minute limit, and one typed error per refusal. Sent through the profile's
//! [`RestClient`].

use super::VoiceError;
use crate::model::{UploadRefusal, VoiceUploadSpec};
use crate::transport::rest::{RestClient, RestError};
use futures_util::stream;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

const CHUNK: usize = 16 * 1024;

/// A file to upload.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceFile {
    /// File name; its extension must be one the server takes ([`VoiceUploadSpec::types`]).
    pub file_name: String,
    /// MIME type of the part (always sent: the server answers 415 without one).
    pub mime: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

impl VoiceFile {
    /// An Ogg/Opus note.
    pub fn ogg(file_name: impl Into<String>, bytes: Vec<u8>) -> Self {
        VoiceFile {
            file_name: file_name.into(),
            mime: "audio/ogg".into(),
            bytes,
        }
    }

    /// A file from disk, its MIME type taken from its extension as `spec`'s server names it.
    pub fn from_path(spec: &VoiceUploadSpec, path: &std::path::Path) -> Result<Self, VoiceError> {
        let bytes = std::fs::read(path)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "voice".into());
        let mime = mime_of(spec, &file_name).unwrap_or("application/octet-stream");
        Ok(VoiceFile {
            file_name,
            mime: mime.into(),
            bytes,
        })
    }
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The MIME type to send for a file name, when its extension is one `spec` takes.
pub fn mime_of(spec: &VoiceUploadSpec, file_name: &str) -> Option<&'static str> {
    spec.mime_types(&extension(file_name))
        .and_then(|m| m.first().copied())
}

/// The client-side checks of type and size against what `spec`'s server takes, before
/// anything is sent.
pub fn check_file(spec: &VoiceUploadSpec, file: &VoiceFile) -> Result<(), VoiceError> {
    let ext = extension(&file.file_name);
    let Some(mimes) = spec.mime_types(&ext) else {
        return Err(VoiceError::UnsupportedType(format!(
            "{}: voice notes must be {}",
            file.file_name,
            spec.extensions()
        )));
    };
    let mime = file.mime.to_ascii_lowercase();
    if !mimes.contains(&mime.as_str()) && mime != "application/octet-stream" {
        return Err(VoiceError::UnsupportedType(format!(
            "{} does not match .{ext}",
            file.mime
        )));
    }
    let size = file.bytes.len() as u64;
    if size > spec.max_bytes {
        return Err(VoiceError::TooLarge {
            size,
            max: spec.max_bytes,
        });
    }
    Ok(())
}

/// The per-minute limit, kept on the client so a burst fails before it is sent.
#[derive(Debug, Clone)]
pub struct RateWindow {
    inner: Arc<Mutex<VecDeque<Instant>>>,
    limit: usize,
    window: Duration,
}

impl RateWindow {
    /// The per-minute limit of `spec`'s server.
    pub fn per_minute(spec: &VoiceUploadSpec) -> Self {
        Self::new(spec.per_minute, Duration::from_secs(60))
    }

    /// `limit` attempts per `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        RateWindow {
            inner: Arc::default(),
            limit,
            window,
        }
    }

    /// Counts an attempt, or says how long until one is allowed.
    pub fn try_hit(&self) -> Result<(), VoiceError> {
        let now = Instant::now();
        let mut q = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.limit {
            // A limit of 0 (a dialect's spec may say so) has no oldest try: a whole window.
            let wait = q.front().map_or(self.window, |oldest| {
                self.window.saturating_sub(now.duration_since(*oldest))
            });
            return Err(VoiceError::TooMany {
                retry_after_ms: u64::try_from(wait.as_millis())
                    .unwrap_or(u64::MAX)
                    .saturating_add(1),
            });
        }
        q.push_back(now);
        Ok(())
    }
}

/// Cancels an upload in flight.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle {
    flag: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl CancelHandle {
    /// A fresh handle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Whether cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    async fn cancelled(&self) {
        loop {
            let n = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            n.await;
        }
    }
}

/// Upload progress: bytes of the file handed to the connection so far, of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadProgress {
    /// Bytes sent.
    pub sent: u64,
    /// File size.
    pub total: u64,
}

/// Maps an error answer to its typed error: by the server's code as `spec` reads it, else
/// by the HTTP status.
pub fn voice_error(spec: &VoiceUploadSpec, e: RestError) -> VoiceError {
    match e {
        RestError::Http {
            status,
            code,
            message,
            ..
        } => match code.as_deref().and_then(|c| spec.refusal(c)) {
            Some(UploadRefusal::AuthenticationRequired) => {
                VoiceError::AuthenticationRequired(message)
            }
            Some(UploadRefusal::AccessDenied) => VoiceError::ChatAccessDenied(message),
            Some(UploadRefusal::ConversationNotFound) => VoiceError::SessionNotFound(message),
            Some(UploadRefusal::Validation) => VoiceError::Validation(message),
            Some(UploadRefusal::FileTooLarge) => VoiceError::FileTooLarge(message),
            Some(UploadRefusal::UnsupportedFileType) => VoiceError::UnsupportedFileType(message),
            Some(UploadRefusal::RateLimited) => VoiceError::RateLimitExceeded(message),
            Some(UploadRefusal::ConversationInactive) => VoiceError::SessionInactive(message),
            None => match status {
                401 => VoiceError::AuthenticationRequired(message),
                413 => VoiceError::FileTooLarge(message),
                415 => VoiceError::UnsupportedFileType(message),
                429 => VoiceError::RateLimitExceeded(message),
                400 | 422 => VoiceError::Validation(message),
                _ => VoiceError::Server { status, message },
            },
        },
        RestError::Network(m) => VoiceError::Network(m),
        RestError::NoAnswer(m) => VoiceError::NoAnswer(m),
        RestError::Decode(m) => VoiceError::Server {
            status: 200,
            message: m,
        },
        RestError::Token(t) => VoiceError::AuthenticationRequired(t.to_string()),
        RestError::NoBaseUrl => VoiceError::Network("this server profile has no REST URL".into()),
    }
}

/// Called with each step of an upload's progress.
pub type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// The optional parts of an upload.
#[derive(Clone, Default)]
pub struct UploadOptions {
    /// A client uuid: the message id, and what makes a retry idempotent on servers that take
    /// it (the reference server's extension).
    pub client_id: Option<String>,
    /// The note's duration, sent as `duration`.
    pub duration_secs: Option<f64>,
    /// The per-minute limit to check before sending.
    pub limiter: Option<RateWindow>,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// A pause after each 16 KB chunk (bandwidth shaping; tests use it to slow an upload).
    pub chunk_delay: Duration,
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("client_id", &self.client_id)
            .field("duration_secs", &self.duration_secs)
            .field("chunk_delay", &self.chunk_delay)
            .finish_non_exhaustive()
    }
}

/// Uploads `file` to `conversation_id` as `spec` describes, checking it first; the answer is
/// the server's body as it came (its dialect reads it: `Dialect::decode_upload_answer`).
/// `cancel` aborts the request at any point.
pub async fn upload_voice_note(
    rest: &RestClient,
    spec: &VoiceUploadSpec,
    conversation_id: &str,
    file: &VoiceFile,
    options: UploadOptions,
    cancel: &CancelHandle,
) -> Result<Value, VoiceError> {
    check_file(spec, file)?;
    if cancel.is_cancelled() {
        return Err(VoiceError::Cancelled);
    }
    if let Some(l) = &options.limiter {
        l.try_hit()?;
    }
    let total = file.bytes.len() as u64;
    let chunks: VecDeque<Vec<u8>> = file.bytes.chunks(CHUNK).map(<[u8]>::to_vec).collect();
    let progress = options.progress.clone();
    let delay = options.chunk_delay;
    let body = stream::unfold(
        (chunks, 0u64, true),
        move |(mut chunks, mut sent, first)| {
            let progress = progress.clone();
            async move {
                if !first && !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let c = chunks.pop_front()?;
                sent += c.len() as u64;
                if let Some(p) = &progress {
                    p(UploadProgress { sent, total });
                }
                Some((Ok::<_, std::io::Error>(c), (chunks, sent, false)))
            }
        },
    );
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(body), total)
            .file_name(file.file_name.clone())
            .mime_str(&file.mime)
            .map_err(|e| VoiceError::UnsupportedType(e.to_string()))?;
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in spec.form_fields(
        conversation_id,
        options.client_id.as_deref(),
        options.duration_secs,
    ) {
        form = form.text(name, value);
    }
    let form = form.part(spec.file_field, part);
    let request = rest.post_form(spec.path, form, Duration::from_secs(120));
    tokio::select! {
        r = request => r.map_err(|e| voice_error(spec, e)),
        _ = cancel.cancelled() => Err(VoiceError::Cancelled),
    }
}

/// Downloads a voice note (served without auth, like a CDN URL). The URL comes from the
/// server, so it is held to the same rules as the profile's own: plain `http` only to this
/// machine or to the REST host the profile already talks to, and no more than `max_bytes`
/// (the largest note the server takes: a hostile URL cannot fill the memory).
pub async fn download(rest: &RestClient, url: &str, max_bytes: u64) -> Result<Vec<u8>, VoiceError> {
    check_download_url(rest.base(), url)?;
    let mut r = rest
        .http()
        .get(url)
        .send()
        .await
        .map_err(|e| VoiceError::Network(e.to_string()))?;
    let status = r.status();
    if !status.is_success() {
        return Err(VoiceError::Server {
            status: status.as_u16(),
            message: format!("download of {url} failed"),
        });
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = r
        .chunk()
        .await
        .map_err(|e| VoiceError::Network(e.to_string()))?
    {
        bytes.extend_from_slice(&chunk);
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > max_bytes {
            return Err(VoiceError::TooLarge {
                size,
                max: max_bytes,
            });
        }
    }
    Ok(bytes)
}

/// Refuses a download URL that would leave this machine in the clear for a host the profile
/// never approved.
fn check_download_url(rest_base: &str, raw: &str) -> Result<(), VoiceError> {
    let refused = |why: &str| VoiceError::Io(format!("will not download {raw:?}: {why}"));
    let url = url::Url::parse(raw).map_err(|e| refused(&e.to_string()))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            let same_host = url::Url::parse(rest_base)
                .ok()
                .is_some_and(|b| b.scheme() == "http" && b.host_str() == url.host_str());
            if loopback || same_host {
                Ok(())
            } else {
                Err(refused("plain http to a host the profile does not use"))
            }
        }
        other => Err(refused(&format!("unsupported scheme {other:?}"))),
    }
}

#[cfg(test)]
mod tests;
