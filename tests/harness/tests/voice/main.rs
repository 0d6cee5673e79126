//! Voice notes end to end, with no sound card: ALSA file-backed devices (recipes.md, "Audio
//! without a sound card") that this test binary sets up itself before its first ALSA call, so
//! these tests live in their own binary (own process). Speech comes from espeak-ng, converted
//! by sox to 48 kHz mono s16 raw and padded longer than any capture; cpal captures it through
//! the default input, rodio plays through the default output into a WAV file.
//!
//! The device files are chosen per test through `ALSA_CAPTURE_IN` / `ALSA_PLAYBACK_OUT`, read
//! when a device is opened, so the tests that touch devices take one lock in turn.

#[path = "../support/mod.rs"]
mod support;

use parlor_core::dialect::tarot_chat::TarotChat;
use parlor_core::dialect::Dialect;
use parlor_core::model::VoiceUploadSpec;
use parlor_core::token::StaticToken;
use parlor_core::transport::{Method, RestClient, RestRequest};
use parlor_core::voice::{
    decode_ogg_opus, encode_ogg_opus, upload_voice_note, CancelHandle, EncodedNote, OutboxNote,
    PlaybackEvent, Recorder, RecorderConfig, RecorderEvent, UploadOptions, VoiceError, VoiceFile,
    VoiceOutbox, VoiceOutboxConfig, VoiceOutboxEvent, VoicePlayer,
};
use parlor_core::DialectId;
use parlor_harness::servers::{server_file, RefServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

mod cli;
mod outbox;
mod playback;
mod recording;

/// The 002 server's voice-note rules, as its dialect states them.
fn spec() -> &'static VoiceUploadSpec {
    TarotChat.voice_upload().expect("002 takes voice notes")
}

/// The message id of an upload's answer, read by the 002 dialect.
fn answered_id(answer: &Value) -> Option<String> {
    TarotChat.decode_upload_answer(answer).message_id
}

const SARAH: &str = "11111111-1111-4111-8111-111111111111";
const SAMIA: &str = "22222222-2222-4222-8222-222222222222";
const ACTIVE: &str = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const CLOSED: &str = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const RATE: usize = 48_000;

const ASOUND_CONF: &str = r#"
pcm.!default { type asym  playback.pcm "fileplay"  capture.pcm "filecap" }
pcm.filecap  { type plug slave { pcm "filecap_raw" format S16_LE rate 48000 channels 1 } }
pcm.filecap_raw { type file slave.pcm "nullsink" file "/dev/null"
    infile { @func getenv vars [ ALSA_CAPTURE_IN ] default "capture.raw" } format "raw" }
pcm.fileplay { type plug slave { pcm "fileplay_raw" format S16_LE rate 48000 channels 1 } }
pcm.fileplay_raw { type file slave.pcm "nullsink"
    file { @func getenv vars [ ALSA_PLAYBACK_OUT ] default "playback.wav" } format "wav" }
pcm.nullsink { type null }
"#;

fn scratch(tag: &str) -> PathBuf {
    support::scratch_dir("voice-it", tag)
}

/// Sets ALSA up once (before any ALSA call of this process) and serialises device use.
fn audio() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let dir = scratch("alsa");
        let conf = dir.join("asound.conf");
        std::fs::write(&conf, ASOUND_CONF).unwrap();
        std::env::set_var(
            "ALSA_CONFIG_PATH",
            format!("/usr/share/alsa/alsa.conf:{}", conf.display()),
        );
    });
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn run(cmd: &str, args: &[&str]) {
    let st = std::process::Command::new(cmd)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{cmd} (install it: tests/setup.sh): {e}"));
    assert!(st.success(), "{cmd} {args:?} failed");
}

/// espeak-ng speech as 48 kHz mono s16 samples, padded with `pad_secs` of silence.
fn speech(dir: &Path, name: &str, text: &str, pad_secs: f64) -> Vec<i16> {
    parlor_harness::bench_voice::spoken(dir, name, text, pad_secs).unwrap()
}

fn write_raw(path: &Path, samples: &[i16]) {
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// The samples of a 16-bit mono WAV (the data chunk to the end of the file).
fn read_wav(path: &Path) -> Vec<i16> {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..4], b"RIFF", "not a WAV");
    let mut i = 12;
    while i + 8 <= b.len() {
        let id = &b[i..i + 4];
        let len = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        if id == b"fmt " {
            let channels = u16::from_le_bytes([b[i + 10], b[i + 11]]);
            let rate = u32::from_le_bytes([b[i + 12], b[i + 13], b[i + 14], b[i + 15]]);
            assert_eq!((channels, rate), (1, 48_000), "played WAV format");
        }
        if id == b"data" {
            return b[i + 8..]
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
        }
        i += 8 + len + (len & 1);
    }
    panic!("no data chunk");
}

/// Where the audible part starts and ends (first and last sample above -36 dBFS).
fn audible_span(s: &[i16]) -> (usize, usize) {
    const T: i16 = 512;
    let first = s.iter().position(|x| x.abs() > T).expect("audible audio");
    let last = s.iter().rposition(|x| x.abs() > T).unwrap();
    (first, last + 1)
}

/// RMS envelope in 10 ms windows.
fn envelope(s: &[i16]) -> Vec<f64> {
    s.chunks(RATE / 100)
        .map(|c| (c.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / c.len() as f64).sqrt())
        .collect()
}

/// Pearson correlation of two envelopes over their common length.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let ma = a.iter().sum::<f64>() / n as f64;
    let mb = b.iter().sum::<f64>() / n as f64;
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va.sqrt() * vb.sqrt())
}

/// Envelope correlation of two signals aligned on the start of their audible parts.
fn similarity(reference: &[i16], other: &[i16]) -> f64 {
    let (ra, rb) = audible_span(reference);
    let (oa, ob) = audible_span(other);
    correlation(&envelope(&reference[ra..rb]), &envelope(&other[oa..ob]))
}

async fn rest(server: &RefServer, account: &str) -> RestClient {
    let token = server.mint(account).await.unwrap();
    RestClient::new(server.url(), Arc::new(StaticToken::new(token)), None).unwrap()
}

async fn voice_messages(rest: &RestClient, session: &str) -> Vec<Value> {
    let page = rest
        .send(&RestRequest {
            method: Method::Get,
            path: "/api/chat/messages".into(),
            query: vec![
                ("session_id".into(), session.into()),
                ("limit".into(), "100".into()),
            ],
            body: None,
        })
        .await
        .unwrap();
    page["data"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "voice")
        .cloned()
        .collect()
}

fn fast_outbox() -> VoiceOutboxConfig {
    VoiceOutboxConfig {
        retry_base: Duration::from_millis(100),
        retry_max: Duration::from_millis(500),
        chunk_delay: Duration::ZERO,
        server_deduplicates: false,
    }
}

/// Events until `pred` matches one (returned), within `secs`.
async fn until<T>(
    rx: &mut UnboundedReceiver<T>,
    secs: u64,
    seen: &mut Vec<T>,
    pred: impl Fn(&T) -> bool,
) -> T
where
    T: Clone + std::fmt::Debug,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out; seen {seen:?}"))
            .expect("channel open");
        seen.push(ev.clone());
        if pred(&ev) {
            return ev;
        }
    }
}

/// Records `cap` from the default input reading `input`.
fn record(input: &Path, cap: Duration) -> (Vec<i16>, Vec<RecorderEvent>) {
    std::env::set_var("ALSA_CAPTURE_IN", input);
    let (rec, mut rx) = Recorder::start(&RecorderConfig {
        device: None,
        max_duration: cap,
    })
    .unwrap();
    assert!(
        rec.wait_until_done(Duration::from_secs(60)),
        "the cap stops the recording"
    );
    let recording = rec.stop();
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (recording.samples, events)
}
