//! The voice-note outbox: a note is written to disk (audio and metadata) before anything is
//! sent, shown at once (optimistic), uploaded oldest first with a client id so a retry is
//! idempotent, retried with backoff while the server is away or busy, and its audio deleted only
//! once the server has it. A restarted process picks up what a killed one left.
//!
//! Where the server cannot drop a repeated upload (nothing in the document lets it: the
//! profile's `[delivery] server_deduplicates` says when it can), a try whose answer was lost is
//! never repeated behind the user's back: the note ends `unconfirmed`, kept, until the user
//! resends ([`VoiceOutbox::resend`]) or discards ([`VoiceOutbox::cancel`]) it (at most once).
//!
//! Layout of its directory: `pending/<id>.json` + `pending/<id>.<ext>` (waiting), `sent/<id>.json`
//! (the server's message with our duration and waveform), `failed/<id>.json` + audio (refused for
//! a reason a retry cannot fix), `unconfirmed/<id>.json` + audio (perhaps on the server: the
//! user decides).

use super::upload::{upload_voice_note, CancelHandle, RateWindow, UploadOptions, VoiceFile};
use super::VoiceError;
use crate::model::VoiceUploadSpec;
use crate::transport::rest::RestClient;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, Notify};

mod note;
mod run;

pub use note::{OutboxNote, VoiceOutboxConfig, VoiceOutboxEvent};

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
        for sub in ["pending", "sent", "failed", "unconfirmed"] {
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
        tokio::spawn(run::run(Arc::downgrade(&outbox)));
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

    /// Cancels a note the server does not have yet (or may not have: an unconfirmed one is
    /// discarded): stops its upload, deletes its files. False when it is neither pending nor
    /// unconfirmed (already sent, or unknown).
    pub fn cancel(&self, client_id: &str) -> bool {
        if let Some(note) = self.unconfirmed(client_id) {
            self.remove_from("unconfirmed", &note);
            let _ = self.events.send(VoiceOutboxEvent::Cancelled {
                client_id: client_id.to_owned(),
            });
            return true;
        }
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

    /// An unconfirmed note: its upload went out and its answer was lost.
    pub fn unconfirmed(&self, client_id: &str) -> Option<OutboxNote> {
        read_note(
            &self
                .dir
                .join("unconfirmed")
                .join(format!("{client_id}.json")),
        )
    }

    /// The user's choice for an unconfirmed note: send it again (it may then be on the server
    /// twice). False when it is not unconfirmed.
    pub fn resend(&self, client_id: &str) -> Result<bool, VoiceError> {
        let Some(note) = self.unconfirmed(client_id) else {
            return Ok(false);
        };
        self.move_note(&note, "unconfirmed", "pending")?;
        let _ = self.events.send(VoiceOutboxEvent::Resent {
            client_id: client_id.to_owned(),
        });
        self.wake.notify_one();
        Ok(true)
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
        self.remove_from("pending", note);
    }

    fn remove_from(&self, sub: &str, note: &OutboxNote) {
        let _ = std::fs::remove_file(self.dir.join(sub).join(format!("{}.json", note.client_id)));
        let _ = std::fs::remove_file(self.audio_path(sub, note));
    }

    /// Moves a note's audio, then its metadata (what the queue reads), from `from` to `to`.
    fn move_note(&self, note: &OutboxNote, from: &str, to: &str) -> std::io::Result<()> {
        std::fs::rename(self.audio_path(from, note), self.audio_path(to, note))?;
        let json = |sub: &str| self.dir.join(sub).join(format!("{}.json", note.client_id));
        std::fs::rename(json(from), json(to))
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
