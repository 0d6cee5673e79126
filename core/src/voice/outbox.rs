//! The voice-note outbox: a note is written to disk (audio and metadata) before anything is
//! sent, shown at once (optimistic), uploaded oldest first with a client id so a retry is
//! idempotent, retried with backoff while the server is away or busy, and its audio deleted only
//! once the server has it. A restarted process picks up what a killed one left.
//!
//! Layout of its directory: `pending/<id>.json` + `pending/<id>.<ext>` (waiting), `sent/<id>.json`
//! (the server's message with our duration and waveform), `failed/<id>.json` + audio (refused for
//! a reason a retry cannot fix).

use super::upload::{upload_voice_note, CancelHandle, RateWindow, UploadOptions, VoiceFile};
use super::VoiceError;
use crate::model::VoiceUploadSpec;
use crate::transport::rest::RestClient;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, Notify};

/// A note in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxNote {
    /// Client id (uuid): also the server's message id where the server takes it.
    pub client_id: String,
    /// The conversation (002 session).
    pub session_id: String,
    /// File name sent.
    pub file_name: String,
    /// MIME type sent.
    pub mime: String,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// 64 peaks for the UI.
    pub waveform: Vec<u8>,
    /// When queued (ms since the epoch): the sending order.
    pub queued_at_ms: u64,
    /// The server's message, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Value>,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the outbox reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum VoiceOutboxEvent {
    /// Stored and shown (optimistic).
    Queued(OutboxNote),
    /// Upload progress.
    Progress {
        /// The note.
        client_id: String,
        /// Bytes sent.
        sent: u64,
        /// File size.
        total: u64,
    },
    /// A try failed for a reason that may pass; it will be retried.
    Retrying {
        /// The note.
        client_id: String,
        /// Why.
        error: VoiceError,
        /// Tries so far.
        attempt: u32,
    },
    /// The server has it.
    Sent(OutboxNote),
    /// Refused for good (kept in `failed/`).
    Failed {
        /// The note.
        client_id: String,
        /// Why.
        error: VoiceError,
    },
    /// Cancelled by the user before the server had it.
    Cancelled {
        /// The note.
        client_id: String,
    },
}

/// Retry timing and shaping.
#[derive(Debug, Clone)]
pub struct VoiceOutboxConfig {
    /// First retry delay (doubles up to `retry_max`).
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// A pause after each 16 KB chunk (0: none).
    pub chunk_delay: Duration,
}

impl Default for VoiceOutboxConfig {
    fn default() -> Self {
        VoiceOutboxConfig {
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(30),
            chunk_delay: Duration::ZERO,
        }
    }
}

/// The voice-note outbox of one signed-in user.
pub struct VoiceOutbox {
    dir: PathBuf,
    rest: RestClient,
    /// How the server takes notes (its dialect's).
    spec: &'static VoiceUploadSpec,
    limiter: RateWindow,
    config: VoiceOutboxConfig,
    wake: Arc<Notify>,
    events: mpsc::UnboundedSender<VoiceOutboxEvent>,
    in_flight: Mutex<HashMap<String, CancelHandle>>,
    cancelled: Mutex<std::collections::HashSet<String>>,
}

impl std::fmt::Debug for VoiceOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceOutbox")
            .field("dir", &self.dir)
            .finish()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn ext_of(name: &str) -> &str {
    name.rsplit_once('.').map(|(_, e)| e).unwrap_or("bin")
}

/// Writes a file and syncs it, through a temporary name so a crash leaves no half file.
fn write_durable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

impl VoiceOutbox {
    /// Opens (or creates) the outbox in `dir` and starts sending what it holds.
    pub fn start(
        dir: impl Into<PathBuf>,
        rest: RestClient,
        spec: &'static VoiceUploadSpec,
        config: VoiceOutboxConfig,
    ) -> Result<(Arc<VoiceOutbox>, mpsc::UnboundedReceiver<VoiceOutboxEvent>), VoiceError> {
        let dir = dir.into();
        for sub in ["pending", "sent", "failed"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let outbox = Arc::new(VoiceOutbox {
            dir,
            rest,
            spec,
            limiter: RateWindow::per_minute(spec),
            config,
            wake: Arc::new(Notify::new()),
            events: tx,
            in_flight: Mutex::default(),
            cancelled: Mutex::default(),
        });
        tokio::spawn(run(Arc::downgrade(&outbox)));
        Ok((outbox, rx))
    }

    /// Queues a note: checks type and size (refusing at once), stores it, reports it `Queued`
    /// and returns its client id.
    pub fn send(
        &self,
        session_id: &str,
        file: VoiceFile,
        duration_ms: u64,
        waveform: Vec<u8>,
    ) -> Result<String, VoiceError> {
        self.queue(session_id, file, duration_ms, waveform)
            .map(|n| n.client_id)
    }

    /// [`send`](Self::send), returning the stored note itself.
    pub fn queue(
        &self,
        session_id: &str,
        file: VoiceFile,
        duration_ms: u64,
        waveform: Vec<u8>,
    ) -> Result<OutboxNote, VoiceError> {
        super::upload::check_file(self.spec, &file)?;
        let client_id = uuid::Uuid::new_v4().to_string();
        let note = OutboxNote {
            client_id: client_id.clone(),
            session_id: session_id.to_owned(),
            file_name: file.file_name.clone(),
            mime: file.mime.clone(),
            duration_ms,
            waveform,
            queued_at_ms: now_ms(),
            message: None,
            error: None,
        };
        let pending = self.dir.join("pending");
        write_durable(
            &pending.join(format!("{client_id}.{}", ext_of(&file.file_name))),
            &file.bytes,
        )?;
        let json = serde_json::to_vec_pretty(&note).map_err(|e| VoiceError::Io(e.to_string()))?;
        write_durable(&pending.join(format!("{client_id}.json")), &json)?;
        let _ = self.events.send(VoiceOutboxEvent::Queued(note.clone()));
        self.wake.notify_one();
        Ok(note)
    }

    /// True while the note waits here: not yet sent, failed or cancelled (one file check,
    /// where [`pending`](Self::pending) reads every waiting note).
    pub fn is_pending(&self, client_id: &str) -> bool {
        !self.is_cancelled(client_id)
            && self
                .dir
                .join("pending")
                .join(format!("{client_id}.json"))
                .exists()
    }

    /// Cancels a note the server does not have yet: stops its upload, deletes its files.
    /// False when it is not pending (already sent, or unknown).
    pub fn cancel(&self, client_id: &str) -> bool {
        let json = self.dir.join("pending").join(format!("{client_id}.json"));
        let Some(note) = read_note(&json) else {
            return false;
        };
        self.cancelled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(client_id.to_owned());
        if let Some(c) = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(client_id)
        {
            c.cancel();
        }
        self.remove_pending(&note);
        let _ = self.events.send(VoiceOutboxEvent::Cancelled {
            client_id: client_id.to_owned(),
        });
        true
    }

    /// Notes waiting, oldest first.
    pub fn pending(&self) -> Vec<OutboxNote> {
        let mut notes = list(&self.dir.join("pending"));
        notes.retain(|n| !self.is_cancelled(&n.client_id));
        notes.sort_by_key(|n| n.queued_at_ms);
        notes
    }

    /// A sent note (the server's message with our duration and waveform).
    pub fn sent(&self, client_id: &str) -> Option<OutboxNote> {
        read_note(&self.dir.join("sent").join(format!("{client_id}.json")))
    }

    fn audio_path(&self, sub: &str, note: &OutboxNote) -> PathBuf {
        self.dir
            .join(sub)
            .join(format!("{}.{}", note.client_id, ext_of(&note.file_name)))
    }

    fn remove_pending(&self, note: &OutboxNote) {
        let _ = std::fs::remove_file(
            self.dir
                .join("pending")
                .join(format!("{}.json", note.client_id)),
        );
        let _ = std::fs::remove_file(self.audio_path("pending", note));
    }

    fn is_cancelled(&self, id: &str) -> bool {
        self.cancelled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }

    /// One try of one note.
    async fn try_send(self: &Arc<Self>, note: &OutboxNote) -> Result<Value, VoiceError> {
        let bytes = std::fs::read(self.audio_path("pending", note))?;
        let file = VoiceFile {
            file_name: note.file_name.clone(),
            mime: note.mime.clone(),
            bytes,
        };
        let events = self.events.clone();
        let id = note.client_id.clone();
        let cancel = CancelHandle::new();
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone(), cancel.clone());
        if self.is_cancelled(&id) {
            cancel.cancel();
        }
        let options = UploadOptions {
            client_id: Some(id.clone()),
            duration_secs: Some(note.duration_ms as f64 / 1000.0),
            limiter: Some(self.limiter.clone()),
            progress: Some(Arc::new(move |p| {
                let _ = events.send(VoiceOutboxEvent::Progress {
                    client_id: id.clone(),
                    sent: p.sent,
                    total: p.total,
                });
            })),
            chunk_delay: self.config.chunk_delay,
        };
        let r = upload_voice_note(
            &self.rest,
            self.spec,
            &note.session_id,
            &file,
            options,
            &cancel,
        )
        .await;
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&note.client_id);
        r
    }
}

fn read_note(path: &Path) -> Option<OutboxNote> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn list(dir: &Path) -> Vec<OutboxNote> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| read_note(&e.path()))
        .collect()
}

async fn run(weak: std::sync::Weak<VoiceOutbox>) {
    let mut attempts: HashMap<String, u32> = HashMap::new();
    loop {
        let Some(outbox) = weak.upgrade() else {
            return;
        };
        let Some(note) = outbox.pending().into_iter().next() else {
            let wake = outbox.wake.clone();
            drop(outbox);
            let _ = tokio::time::timeout(Duration::from_secs(1), wake.notified()).await;
            continue;
        };
        let result = outbox.try_send(&note).await;
        if result.is_err() && outbox.is_cancelled(&note.client_id) {
            // Cancelled while in flight: its files are gone and `Cancelled` was reported.
            attempts.remove(&note.client_id);
            continue;
        }
        match result {
            Ok(message) => {
                attempts.remove(&note.client_id);
                if outbox.is_cancelled(&note.client_id) {
                    // Too late to cancel: the server has it. Report it sent anyway.
                    tracing::info!(id = %note.client_id, "voice note sent before its cancel");
                }
                let mut done = note.clone();
                done.message = Some(message);
                if let Ok(json) = serde_json::to_vec_pretty(&done) {
                    let path = outbox
                        .dir
                        .join("sent")
                        .join(format!("{}.json", note.client_id));
                    if let Err(e) = write_durable(&path, &json) {
                        tracing::warn!(error = %e, "cannot record a sent voice note");
                    }
                }
                outbox.remove_pending(&note);
                let _ = outbox.events.send(VoiceOutboxEvent::Sent(done));
            }
            Err(VoiceError::Cancelled) => {
                attempts.remove(&note.client_id);
            }
            Err(e) if e.is_transient() => {
                let n = attempts.entry(note.client_id.clone()).or_insert(0);
                *n += 1;
                let delay = match &e {
                    VoiceError::TooMany { retry_after_ms } => {
                        Duration::from_millis(*retry_after_ms)
                    }
                    _ => outbox
                        .config
                        .retry_base
                        .saturating_mul(1 << (*n - 1).min(16))
                        .min(outbox.config.retry_max),
                };
                let _ = outbox.events.send(VoiceOutboxEvent::Retrying {
                    client_id: note.client_id.clone(),
                    error: e,
                    attempt: *n,
                });
                let wake = outbox.wake.clone();
                drop(outbox);
                let _ = tokio::time::timeout(delay, wake.notified()).await;
            }
            Err(e) => {
                attempts.remove(&note.client_id);
                let mut failed = note.clone();
                failed.error = Some(e.to_string());
                let failed_dir = outbox.dir.join("failed");
                let _ = std::fs::rename(
                    outbox.audio_path("pending", &note),
                    outbox.audio_path("failed", &note),
                );
                if let Ok(json) = serde_json::to_vec_pretty(&failed) {
                    let _ =
                        write_durable(&failed_dir.join(format!("{}.json", note.client_id)), &json);
                }
                let _ = std::fs::remove_file(
                    outbox
                        .dir
                        .join("pending")
                        .join(format!("{}.json", note.client_id)),
                );
                let _ = outbox.events.send(VoiceOutboxEvent::Failed {
                    client_id: note.client_id.clone(),
                    error: e,
                });
            }
        }
    }
}
