//! Playback (rodio): a note is downloaded once into the cache directory, decoded with libopus
//! (rodio cannot decode Opus) and played as samples; play/pause/seek/stop with position events,
//! one note at a time. The output device is opened per note and closed when it ends, so an idle
//! player holds no device.

use super::encode::{decode_ogg_opus, wav_to_mono_48k, waveform, SAMPLE_RATE};
use super::upload::download;
use super::VoiceError;
use crate::transport::rest::RestClient;
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Decodes a note as servers store them: Ogg/Opus (ours), or WAV (which servers accept from
/// other clients). MP3 and WebM are refused by name rather than played as noise.
fn decode_note(bytes: &[u8]) -> Result<Vec<i16>, VoiceError> {
    match bytes {
        [b'O', b'g', b'g', b'S', ..] => decode_ogg_opus(bytes),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E', ..] => wav_to_mono_48k(bytes),
        [0x1A, 0x45, 0xDF, 0xA3, ..] => Err(VoiceError::Codec(
            "WebM voice notes cannot be played here yet".into(),
        )),
        [b'I', b'D', b'3', ..] | [0xFF, 0xE0..=0xFF, ..] => Err(VoiceError::Codec(
            "MP3 voice notes cannot be played here yet".into(),
        )),
        _ => Err(VoiceError::Codec(
            "the voice note is not Ogg/Opus or WAV audio".into(),
        )),
    }
}

/// What the player reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PlaybackEvent {
    /// A note started.
    Started {
        /// Its key (the URL or a caller's id).
        key: String,
        /// Its length.
        duration_ms: u64,
        /// Its peaks, for drawing (the receiver of a note has no waveform until it decodes it).
        waveform: Vec<u8>,
    },
    /// Position, about every 100 ms while playing.
    Position {
        /// The note.
        key: String,
        /// Position.
        position_ms: u64,
    },
    /// Paused.
    Paused {
        /// The note.
        key: String,
    },
    /// Resumed.
    Resumed {
        /// The note.
        key: String,
    },
    /// The note played to its end.
    Finished {
        /// The note.
        key: String,
    },
    /// Stopped (by `stop` or by another note starting).
    Stopped {
        /// The note.
        key: String,
    },
    /// The output device failed.
    Failed(String),
}

enum Cmd {
    Play(String, Vec<i16>),
    Pause,
    Resume,
    Seek(Duration),
    Stop,
}

/// Plays voice notes, one at a time.
pub struct VoicePlayer {
    cmds: std_mpsc::Sender<Cmd>,
    cache_dir: PathBuf,
    /// The most a download may bring ([`VoicePlayer::with_max_download`]).
    max_download: u64,
}

/// The download limit of a player not told its server's: larger than any note a documented
/// server takes, small enough that a hostile URL cannot fill the memory.
const DEFAULT_MAX_DOWNLOAD: u64 = 16 * 1024 * 1024;

impl std::fmt::Debug for VoicePlayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoicePlayer")
            .field("cache_dir", &self.cache_dir)
            .finish()
    }
}

/// The cache file of a URL.
fn cache_path(dir: &Path, url: &str) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut h);
    let name = url.rsplit('/').next().unwrap_or("note");
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    dir.join(format!("{:016x}-{safe}", h.finish()))
}

impl VoicePlayer {
    /// A player caching downloads in `cache_dir`; events go to the returned receiver.
    pub fn new(
        cache_dir: impl Into<PathBuf>,
    ) -> Result<(VoicePlayer, mpsc::UnboundedReceiver<PlaybackEvent>), VoiceError> {
        let cache_dir = cache_dir.into();
        std::fs::create_dir_all(&cache_dir)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (ctx, crx) = std_mpsc::channel();
        std::thread::Builder::new()
            .name("parlor-voice-playback".into())
            .spawn(move || run(crx, tx))?;
        Ok((
            VoicePlayer {
                cmds: ctx,
                cache_dir,
                max_download: DEFAULT_MAX_DOWNLOAD,
            },
            rx,
        ))
    }

    /// The Ogg/Opus bytes of `url`: from the cache, else downloaded once and cached.
    pub async fn fetch(&self, rest: &RestClient, url: &str) -> Result<Vec<u8>, VoiceError> {
        let path = cache_path(&self.cache_dir, url);
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return Ok(bytes);
        }
        let bytes = download(rest, url, self.max_download).await?;
        let tmp = path.with_extension("part");
        tokio::fs::write(&tmp, &bytes).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(bytes)
    }

    /// This player downloading no more than `bytes` a note (the largest its server takes).
    pub fn with_max_download(mut self, bytes: u64) -> Self {
        self.max_download = bytes;
        self
    }

    /// Whether `url` is already in the cache.
    pub fn is_cached(&self, url: &str) -> bool {
        cache_path(&self.cache_dir, url).exists()
    }

    /// Fetches (once), decodes and plays the note at `url`, stopping any other.
    pub async fn play_url(&self, rest: &RestClient, url: &str) -> Result<(), VoiceError> {
        let bytes = self.fetch(rest, url).await?;
        let samples = tokio::task::spawn_blocking(move || decode_note(&bytes))
            .await
            .map_err(|e| VoiceError::Codec(e.to_string()))??;
        self.play_samples(url, samples);
        Ok(())
    }

    /// Plays mono 48 kHz samples under `key`, stopping any other note.
    pub fn play_samples(&self, key: &str, samples: Vec<i16>) {
        let _ = self.cmds.send(Cmd::Play(key.to_owned(), samples));
    }

    /// Pauses.
    pub fn pause(&self) {
        let _ = self.cmds.send(Cmd::Pause);
    }

    /// Resumes.
    pub fn resume(&self) {
        let _ = self.cmds.send(Cmd::Resume);
    }

    /// Seeks within the current note.
    pub fn seek(&self, to: Duration) {
        let _ = self.cmds.send(Cmd::Seek(to));
    }

    /// Stops the current note.
    pub fn stop(&self) {
        let _ = self.cmds.send(Cmd::Stop);
    }
}

struct Current {
    key: String,
    // Field order matters: the player goes before the device it plays on.
    player: rodio::Player,
    sink: rodio::MixerDeviceSink,
}

fn run(cmds: std_mpsc::Receiver<Cmd>, events: mpsc::UnboundedSender<PlaybackEvent>) {
    let mut current: Option<Current> = None;
    let mut last_report = std::time::Instant::now();
    loop {
        let wait = if current.as_ref().is_some_and(|c| !c.player.is_paused()) {
            Duration::from_millis(5)
        } else {
            Duration::from_secs(3600)
        };
        match cmds.recv_timeout(wait) {
            Ok(Cmd::Play(key, samples)) => {
                if let Some(c) = current.take() {
                    let _ = events.send(PlaybackEvent::Stopped { key: c.key.clone() });
                    close(c);
                }
                // 48 kHz mono as decoded when the device takes it; else its default.
                let opened = rodio::DeviceSinkBuilder::from_default_device()
                    .and_then(|b| {
                        b.with_sample_rate(NonZero::new(SAMPLE_RATE).expect("48 kHz"))
                            .with_channels(NonZero::new(1).expect("mono"))
                            .open_stream()
                    })
                    .or_else(|_| rodio::DeviceSinkBuilder::open_default_sink());
                let mut sink = match opened {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = events.send(PlaybackEvent::Failed(e.to_string()));
                        continue;
                    }
                };
                sink.log_on_drop(false);
                let player = rodio::Player::connect_new(sink.mixer());
                let duration_ms = samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE);
                let peaks = waveform(&samples);
                let data: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
                player.append(rodio::buffer::SamplesBuffer::new(
                    NonZero::new(1).expect("one channel"),
                    NonZero::new(SAMPLE_RATE).expect("48 kHz"),
                    data,
                ));
                let _ = events.send(PlaybackEvent::Started {
                    key: key.clone(),
                    duration_ms,
                    waveform: peaks,
                });
                last_report = std::time::Instant::now();
                current = Some(Current { key, player, sink });
            }
            Ok(Cmd::Pause) => {
                if let Some(c) = &current {
                    c.player.pause();
                    let _ = events.send(PlaybackEvent::Paused { key: c.key.clone() });
                }
            }
            Ok(Cmd::Resume) => {
                if let Some(c) = &current {
                    c.player.play();
                    let _ = events.send(PlaybackEvent::Resumed { key: c.key.clone() });
                }
            }
            Ok(Cmd::Seek(to)) => {
                if let Some(c) = &current {
                    if let Err(e) = c.player.try_seek(to) {
                        tracing::warn!(error = %e, "voice note seek failed");
                    }
                    let _ = events.send(PlaybackEvent::Position {
                        key: c.key.clone(),
                        position_ms: c.player.get_pos().as_millis() as u64,
                    });
                }
            }
            Ok(Cmd::Stop) => {
                if let Some(c) = current.take() {
                    let _ = events.send(PlaybackEvent::Stopped { key: c.key.clone() });
                    close(c);
                }
            }
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            Err(std_mpsc::RecvTimeoutError::Disconnected) => {
                if let Some(c) = current.take() {
                    close(c);
                }
                return;
            }
        }
        if let Some(c) = &current {
            if c.player.empty() {
                let key = c.key.clone();
                // Close the device at once: an open idle sink keeps writing silence.
                close(current.take().expect("current"));
                let _ = events.send(PlaybackEvent::Finished { key });
            } else if !c.player.is_paused() && last_report.elapsed() >= Duration::from_millis(100) {
                last_report = std::time::Instant::now();
                let _ = events.send(PlaybackEvent::Position {
                    key: c.key.clone(),
                    position_ms: c.player.get_pos().as_millis() as u64,
                });
            }
        }
    }
}

fn close(c: Current) {
    let Current { player, sink, .. } = c;
    player.stop();
    drop(player);
    drop(sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voice::encode::encode_ogg_opus;

    #[test]
    fn notes_decode_from_ogg_opus_and_wav_and_other_formats_are_named() {
        let tone: Vec<i16> = (0..48_000).map(|i| ((i % 96) as i16 - 48) * 300).collect();
        let ogg = encode_ogg_opus(&tone).unwrap().bytes;
        assert_eq!(decode_note(&ogg).unwrap().len(), tone.len());
        // A 16-bit mono 48 kHz WAV, as another client might have uploaded it.
        let data: Vec<u8> = tone.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes());
        wav.extend_from_slice(&48_000u32.to_le_bytes());
        wav.extend_from_slice(&96_000u32.to_le_bytes());
        wav.extend_from_slice(&2u16.to_le_bytes());
        wav.extend_from_slice(&16u16.to_le_bytes());
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
        wav.extend_from_slice(&data);
        assert_eq!(decode_note(&wav).unwrap(), tone);
        for (bytes, word) in [
            (&b"ID3\x04rest"[..], "MP3"),
            (&[0x1A, 0x45, 0xDF, 0xA3, 0][..], "WebM"),
            (&b"hello"[..], "not Ogg/Opus or WAV"),
        ] {
            let e = decode_note(bytes).unwrap_err();
            assert!(
                matches!(&e, VoiceError::Codec(m) if m.contains(word)),
                "{e:?}"
            );
        }
    }
}
