//! Voice notes end to end, with no sound card: ALSA file-backed devices (recipes.md, "Audio
//! without a sound card") that this test binary sets up itself before its first ALSA call, so
//! these tests live in their own binary (own process). Speech comes from espeak-ng, converted
//! by sox to 48 kHz mono s16 raw and padded longer than any capture; cpal captures it through
//! the default input, rodio plays through the default output into a WAV file.
//!
//! The device files are chosen per test through `ALSA_CAPTURE_IN` / `ALSA_PLAYBACK_OUT`, read
//! when a device is opened, so the tests that touch devices take one lock in turn.

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

/// The whole trip: Sarah's microphone → Ogg/Opus → outbox upload → 002 server → Samia downloads
/// once, decodes and plays through rodio into a WAV file, which matches the source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::await_holding_lock)] // the guard serialises the process-wide device files
async fn a_recorded_note_travels_from_microphone_to_speaker() {
    let _audio = audio();
    let dir = scratch("trip");
    let source = speech(
        &dir,
        "speech",
        "Hello Samia. The cards say your week will be calm, and the money will come.",
        10.0,
    );
    let input = dir.join("speech.raw");
    let cap = Duration::from_millis(3_500);
    let cap_samples = RATE * 35 / 10;
    assert!(
        source.len() > cap_samples + RATE,
        "input longer than the capture"
    );

    // Capture: exactly the cap, bit-exact with the file, levels every 50 ms.
    let (captured, events) = record(&input, cap);
    assert_eq!(captured.len(), cap_samples);
    assert!(
        captured == source[..cap_samples],
        "the capture is the input file"
    );
    let levels: Vec<f32> = events
        .iter()
        .filter_map(|e| match e {
            RecorderEvent::Level { rms, .. } => Some(*rms),
            _ => None,
        })
        .collect();
    assert_eq!(levels.len(), 70, "one level per 50 ms");
    assert!(
        levels.iter().any(|&l| l > 0.05),
        "speech shows on the meter"
    );
    assert!(events.contains(&RecorderEvent::MaxLengthReached { duration_ms: 3_500 }));

    // Encode and send through the outbox.
    let note = encode_ogg_opus(&captured).unwrap();
    assert_eq!(note.duration_ms, 3_500);
    let server = RefServer::start(server_file(DialectId::TarotChat), &[])
        .await
        .unwrap();
    let sarah = rest(&server, SARAH).await;
    let (outbox, mut orx) =
        VoiceOutbox::start(dir.join("outbox"), sarah, spec(), fast_outbox()).unwrap();
    let id = outbox
        .send(
            ACTIVE,
            VoiceFile::ogg("note.ogg", note.bytes.clone()),
            note.duration_ms,
            note.waveform.clone(),
        )
        .unwrap();
    let mut seen = Vec::new();
    let sent = until(&mut orx, 20, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Sent(_))
    })
    .await;
    assert!(matches!(&seen[0], VoiceOutboxEvent::Queued(n) if n.client_id == id));
    let progress: Vec<(u64, u64)> = seen
        .iter()
        .filter_map(|e| match e {
            VoiceOutboxEvent::Progress { sent, total, .. } => Some((*sent, *total)),
            _ => None,
        })
        .collect();
    assert!(!progress.is_empty());
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0), "{progress:?}");
    assert_eq!(
        *progress.last().unwrap(),
        (note.bytes.len() as u64, note.bytes.len() as u64)
    );
    let VoiceOutboxEvent::Sent(OutboxNote {
        message: Some(message),
        waveform,
        ..
    }) = sent
    else {
        panic!("sent without a message")
    };
    assert_eq!(answered_id(&message).as_deref(), Some(id.as_str()));
    assert_eq!(
        waveform, note.waveform,
        "the waveform stays with the message"
    );
    assert_eq!(outbox.sent(&id).unwrap().waveform.len(), 64);
    assert!(outbox.pending().is_empty());

    // Samia finds it in the history and plays it.
    let samia = rest(&server, SAMIA).await;
    let notes = voice_messages(&samia, ACTIVE).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["metadata"]["duration"], 3.5);
    let url = notes[0]["file_url"].as_str().unwrap().to_owned();
    let played_wav = dir.join("played.wav");
    std::env::set_var("ALSA_PLAYBACK_OUT", &played_wav);
    let (player, mut prx) = VoicePlayer::new(dir.join("cache")).unwrap();
    assert!(!player.is_cached(&url));
    player.play_url(&samia, &url).await.unwrap();
    let mut pseen = Vec::new();
    until(&mut prx, 30, &mut pseen, |e| {
        matches!(e, PlaybackEvent::Finished { .. })
    })
    .await;
    assert!(matches!(
        &pseen[0],
        PlaybackEvent::Started {
            duration_ms: 3_500,
            ..
        }
    ));
    assert!(player.is_cached(&url), "downloaded once into the cache");

    // The decoded note is exactly as long as the recording.
    let bytes = player.fetch(&samia, &url).await.unwrap();
    assert_eq!(bytes, note.bytes);
    assert_eq!(decode_ogg_opus(&bytes).unwrap().len(), cap_samples);

    // What the speaker got: the same duration (audible span, within 50 ms) and the same
    // loudness contour.
    let played = read_wav(&played_wav);
    let reference = &source[..cap_samples];
    let (ra, rb) = audible_span(reference);
    let (pa, pb) = audible_span(&played);
    let (ref_ms, played_ms) = ((rb - ra) * 1000 / RATE, (pb - pa) * 1000 / RATE);
    eprintln!("audible: source {ref_ms} ms, played {played_ms} ms");
    assert!(
        ref_ms.abs_diff(played_ms) <= 50,
        "{ref_ms} vs {played_ms} ms"
    );
    let sim = similarity(reference, &played);
    // A different sentence, as a control: what an unrelated signal scores.
    let other = speech(&dir, "other", "Seven blue ships sail north at dawn.", 1.0);
    let control = similarity(reference, &other);
    eprintln!("envelope correlation: played {sim:.3}, other speech {control:.3}");
    // Apart by a wide margin (measured over 6 runs: played 0.947 to 0.994, the control -0.087),
    // so that neither check passes on what the other rejects.
    assert!(sim > 0.85, "played audio resembles the source: {sim}");
    assert!(control < 0.5, "the measure tells speech apart: {control}");
    drop(player);
}

/// The default cap is 60 s and stops the recording by itself.
#[test]
fn the_default_cap_stops_a_recording_at_60_seconds() {
    let _audio = audio();
    let dir = scratch("cap60");
    let input = dir.join("long.raw");
    // 62 s of a quiet tone: longer than the cap.
    let tone: Vec<i16> = (0..RATE * 62)
        .map(|i| ((i as f32 * 0.05).sin() * 3000.0) as i16)
        .collect();
    write_raw(&input, &tone);
    std::env::set_var("ALSA_CAPTURE_IN", &input);
    let config = RecorderConfig::default();
    assert_eq!(config.max_duration, Duration::from_secs(60));
    let (rec, mut rx) = Recorder::start(&config).unwrap();
    assert!(rec.wait_until_done(Duration::from_secs(60)));
    assert_eq!(rec.elapsed_ms(), 60_000);
    let recording = rec.stop();
    assert_eq!(recording.samples.len(), RATE * 60);
    let mut reached = false;
    while let Ok(e) = rx.try_recv() {
        reached |= e
            == RecorderEvent::MaxLengthReached {
                duration_ms: 60_000,
            };
    }
    assert!(reached);
}

/// Noise whose every 32-sample window is unique, so a capture can be located in it exactly.
fn locatable_noise(len: usize) -> Vec<i16> {
    let mut x: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 16) as i16 / 4
        })
        .collect()
}

/// Pause drops the input that arrives meanwhile; resume records on from the live input; the
/// cap counts recorded time only.
#[test]
fn pause_drops_input_and_resume_continues() {
    let _audio = audio();
    let dir = scratch("pause");
    let input = dir.join("noise.raw");
    // The file device is not paced (recipes: 2 s in 6 ms), and it keeps reading while the
    // recorder is paused: a long file keeps the input from running out.
    let source = locatable_noise(RATE * 300);
    write_raw(&input, &source);
    std::env::set_var("ALSA_CAPTURE_IN", &input);
    let (rec, _rx) = Recorder::start(&RecorderConfig {
        device: None,
        max_duration: Duration::from_secs(10),
    })
    .unwrap();
    assert!(rec.wait_for_ms(600, Duration::from_secs(10)));
    rec.pause();
    // Short: a paused recorder lets the unpaced file run at about a thousand times real time.
    std::thread::sleep(Duration::from_millis(20));
    let paused_at = rec.elapsed_ms();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        rec.elapsed_ms(),
        paused_at,
        "nothing is recorded while paused"
    );
    assert!(!rec.is_done());
    rec.resume();
    assert!(
        rec.wait_until_done(Duration::from_secs(20)),
        "the cap still applies"
    );
    let got = rec.stop().samples;
    assert_eq!(got.len(), RATE * 10, "the cap counts recorded time only");
    // Before the pause: the input from its start, sample for sample.
    let split = got
        .iter()
        .zip(&source)
        .position(|(a, b)| a != b)
        .expect("the recording skips the paused input");
    assert!(
        (RATE / 2..RATE * 9).contains(&split),
        "paused after 0.6 s and before the cap, not at sample {split}"
    );
    // After it: the input continues later on, the paused stretch dropped.
    let window = &got[split..split + 32];
    let resumed = (split..source.len() - 32)
        .find(|&i| &source[i..i + 32] == window)
        .expect("the recording after resume is the live input");
    let skipped_ms = (resumed - split) * 1000 / RATE;
    eprintln!("paused at {paused_at} ms; input skipped while paused: {skipped_ms} ms");
    assert!(resumed > split, "the paused input was dropped");
    assert!(got[split..] == source[resumed..resumed + got.len() - split]);
}

/// Playback controls. The file-backed output is not paced (it plays at full speed), so the
/// test works on what is deterministic: a note paused at once stays put (no progress, never
/// finishes), a seek while paused moves to the asked position, resume plays the rest, and the
/// speaker got exactly the part after the seek; stop ends a note without `finished`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::await_holding_lock)] // the guard serialises the device files
async fn playback_pauses_seeks_resumes_and_stops() {
    let _audio = audio();
    let dir = scratch("controls");
    let played = dir.join("played.wav");
    std::env::set_var("ALSA_PLAYBACK_OUT", &played);
    let (player, mut prx) = VoicePlayer::new(dir.join("cache")).unwrap();
    let tone = |secs: usize| -> Vec<i16> {
        (0..RATE * secs)
            .map(|i| {
                ((i as f64 * 440.0 * std::f64::consts::TAU / RATE as f64).sin() * 8000.0) as i16
            })
            .collect()
    };
    player.play_samples("note", tone(6));
    player.pause();
    let mut seen = Vec::new();
    until(&mut prx, 10, &mut seen, |e| {
        matches!(e, PlaybackEvent::Paused { .. })
    })
    .await;
    assert!(matches!(
        &seen[0],
        PlaybackEvent::Started {
            duration_ms: 6_000,
            ..
        }
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(e) = prx.try_recv() {
        assert!(
            !matches!(
                e,
                PlaybackEvent::Position { .. } | PlaybackEvent::Finished { .. }
            ),
            "a paused note stays put: {e:?}"
        );
    }
    player.seek(Duration::from_millis(4_000));
    let jumped = until(&mut prx, 5, &mut seen, |e| {
        matches!(e, PlaybackEvent::Position { .. })
    })
    .await;
    assert!(
        matches!(jumped, PlaybackEvent::Position { position_ms, .. } if (4_000..4_100).contains(&position_ms)),
        "{jumped:?}"
    );
    player.resume();
    until(&mut prx, 5, &mut seen, |e| {
        matches!(e, PlaybackEvent::Resumed { .. })
    })
    .await;
    until(&mut prx, 10, &mut seen, |e| {
        matches!(e, PlaybackEvent::Finished { .. })
    })
    .await;
    // What the speaker got, in 10 ms windows: whatever played before the pause took effect
    // (the unpaced device runs ahead), silence while paused, then exactly the 2 s after the
    // seek point.
    let out = read_wav(&played);
    let loud: Vec<bool> = out
        .chunks(RATE / 100)
        .map(|w| w.iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0) > 4_000)
        .collect();
    let last_run = loud
        .iter()
        .rev()
        .skip_while(|l| !**l)
        .take_while(|l| **l)
        .count()
        * 10;
    let before: usize = loud.iter().filter(|l| **l).count() * 10 - last_run;
    eprintln!("tone heard: {before} ms before the pause, {last_run} ms after the seek to 4000 ms");
    assert!(
        (1_950..=2_050).contains(&last_run),
        "after the seek: {last_run} ms of tone"
    );
    assert!(
        before < 4_000,
        "the seek skipped ahead: {before} ms before it"
    );
    assert!(loud.iter().any(|l| !l), "silence while paused");

    // Stop: the note ends as `stopped`, never `finished`.
    player.play_samples("second", tone(6));
    player.pause();
    until(
        &mut prx,
        10,
        &mut seen,
        |e| matches!(e, PlaybackEvent::Paused { key } if key == "second"),
    )
    .await;
    player.stop();
    until(
        &mut prx,
        5,
        &mut seen,
        |e| matches!(e, PlaybackEvent::Stopped { key } if key == "second"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(e) = prx.try_recv() {
        assert!(
            !matches!(e, PlaybackEvent::Finished { .. }),
            "a stopped note does not finish"
        );
    }
}

/// Cancel discards a recording; a cancelled upload leaves nothing on the server; a cancelled
/// outbox note is gone with its file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_discards_recording_upload_and_queued_note() {
    let dir = scratch("cancel");
    {
        let _audio = audio();
        let input = dir.join("tone.raw");
        write_raw(&input, &vec![1000i16; RATE * 5]);
        std::env::set_var("ALSA_CAPTURE_IN", &input);
        let (rec, _rx) = Recorder::start(&RecorderConfig {
            device: None,
            max_duration: Duration::from_secs(2),
        })
        .unwrap();
        rec.cancel();
    }

    let server = RefServer::start(server_file(DialectId::TarotChat), &[])
        .await
        .unwrap();
    let sarah = rest(&server, SARAH).await;
    let file = VoiceFile::ogg("slow.ogg", vec![7u8; 200 * 1024]);
    let cancel = CancelHandle::new();
    let (first_tx, mut first_rx) = tokio::sync::mpsc::unbounded_channel();
    let options = UploadOptions {
        progress: Some(Arc::new(move |p| {
            let _ = first_tx.send(p);
        })),
        chunk_delay: Duration::from_millis(50),
        ..UploadOptions::default()
    };
    let c2 = cancel.clone();
    tokio::spawn(async move {
        first_rx.recv().await;
        c2.cancel();
    });
    let r = upload_voice_note(&sarah, spec(), ACTIVE, &file, options, &cancel).await;
    assert_eq!(r.unwrap_err(), VoiceError::Cancelled);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(voice_messages(&sarah, ACTIVE).await.is_empty());

    // A queued note cancelled mid-upload: no event but Cancelled, no file left.
    let (outbox, mut orx) = VoiceOutbox::start(
        dir.join("outbox"),
        sarah.clone(),
        spec(),
        VoiceOutboxConfig {
            chunk_delay: Duration::from_millis(50),
            ..fast_outbox()
        },
    )
    .unwrap();
    let id = outbox.send(ACTIVE, file, 4_000, vec![0; 64]).unwrap();
    let mut seen = Vec::new();
    until(&mut orx, 10, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Progress { .. })
    })
    .await;
    assert!(outbox.cancel(&id));
    until(&mut orx, 10, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Cancelled { .. })
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(e) = orx.try_recv() {
        assert!(matches!(e, VoiceOutboxEvent::Progress { .. }), "{e:?}");
    }
    assert!(outbox.pending().is_empty());
    assert!(std::fs::read_dir(dir.join("outbox/pending"))
        .unwrap()
        .next()
        .is_none());
    assert!(voice_messages(&sarah, ACTIVE).await.is_empty());
}

/// Wrong types and oversize files are refused before sending; the server's own refusals come
/// back typed; a refused outbox note fails for good and keeps its file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_and_wrong_type_are_refused_with_typed_errors() {
    let dir = scratch("refuse");
    let server = RefServer::start(server_file(DialectId::TarotChat), &[])
        .await
        .unwrap();
    let sarah = rest(&server, SARAH).await;
    let none = CancelHandle::new();
    let up = |f: VoiceFile, session: &'static str| {
        let sarah = sarah.clone();
        let none = none.clone();
        async move {
            upload_voice_note(&sarah, spec(), session, &f, UploadOptions::default(), &none).await
        }
    };
    let txt = VoiceFile {
        file_name: "note.txt".into(),
        mime: "text/plain".into(),
        bytes: vec![1; 10],
    };
    assert!(matches!(
        up(txt, ACTIVE).await,
        Err(VoiceError::UnsupportedType(_))
    ));
    let mismatched = VoiceFile {
        file_name: "note.ogg".into(),
        mime: "audio/mpeg".into(),
        bytes: vec![1; 10],
    };
    assert!(matches!(
        up(mismatched, ACTIVE).await,
        Err(VoiceError::UnsupportedType(_))
    ));
    let big = VoiceFile::ogg("big.ogg", vec![0; 10 * 1024 * 1024 + 1]);
    assert!(matches!(
        up(big, ACTIVE).await,
        Err(VoiceError::TooLarge { .. })
    ));
    // The server's codes, typed.
    let ok = || VoiceFile::ogg("n.ogg", vec![1; 100]);
    assert!(matches!(
        up(ok(), CLOSED).await,
        Err(VoiceError::SessionInactive(_))
    ));
    assert!(matches!(
        up(ok(), "cccccccc-cccc-4ccc-8ccc-cccccccccccc").await,
        Err(VoiceError::SessionNotFound(_))
    ));
    let omar = rest(&server, "44444444-4444-4444-8444-444444444444").await;
    assert!(matches!(
        upload_voice_note(
            &omar,
            spec(),
            ACTIVE,
            &ok(),
            UploadOptions::default(),
            &none
        )
        .await,
        Err(VoiceError::ChatAccessDenied(_))
    ));
    let bad = RestClient::new(server.url(), Arc::new(StaticToken::new("nope")), None).unwrap();
    assert!(matches!(
        upload_voice_note(&bad, spec(), ACTIVE, &ok(), UploadOptions::default(), &none).await,
        Err(VoiceError::AuthenticationRequired(_))
    ));
    // 10 per minute: the client refuses the 11th before sending (the server would 429 it).
    let limiter = parlor_core::voice::RateWindow::per_minute(spec());
    let mut last = Ok(Value::Null);
    for _ in 0..11 {
        let o = UploadOptions {
            limiter: Some(limiter.clone()),
            ..UploadOptions::default()
        };
        last = upload_voice_note(&omar, spec(), ACTIVE, &ok(), o, &none).await;
    }
    assert!(matches!(last, Err(VoiceError::TooMany { .. })), "{last:?}");

    // The outbox refuses a wrong type at once, and fails a note the server refuses for good.
    let (outbox, mut orx) =
        VoiceOutbox::start(dir.join("outbox"), sarah.clone(), spec(), fast_outbox()).unwrap();
    let wav_as_txt = VoiceFile {
        file_name: "x.exe".into(),
        mime: "application/octet-stream".into(),
        bytes: vec![1],
    };
    assert!(matches!(
        outbox.send(ACTIVE, wav_as_txt, 1, vec![]),
        Err(VoiceError::UnsupportedType(_))
    ));
    let id = outbox.send(CLOSED, ok(), 1, vec![0; 64]).unwrap();
    let mut seen = Vec::new();
    let failed = until(&mut orx, 10, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Failed { .. })
    })
    .await;
    assert!(
        matches!(failed, VoiceOutboxEvent::Failed { client_id, error: VoiceError::SessionInactive(_) } if client_id == id)
    );
    assert!(
        dir.join(format!("outbox/failed/{id}.ogg")).exists(),
        "the audio is kept"
    );
}

/// A tone, encoded: 30 s is about 90 KB, six chunks of upload (long enough to be cut).
fn long_tone() -> EncodedNote {
    let tone: Vec<i16> = (0..RATE * 30)
        .map(|i| ((i as f32 * 0.03).sin() * 6000.0) as i16)
        .collect();
    encode_ogg_opus(&tone).unwrap()
}

/// A voice note cut mid-upload: the server (with a state file) is killed once the upload is
/// under way; the note is the long tone.
struct CutUpload {
    dir: PathBuf,
    server: RefServer,
    sarah: RestClient,
    outbox: Arc<VoiceOutbox>,
    orx: UnboundedReceiver<VoiceOutboxEvent>,
    /// The note's encoded audio.
    bytes: Vec<u8>,
    id: String,
    seen: Vec<VoiceOutboxEvent>,
}

async fn cut_mid_upload(tag: &str, env: &[(&str, &str)], server_deduplicates: bool) -> CutUpload {
    let dir = scratch(tag);
    let state = dir.join("state.json");
    let mut server = RefServer::start_with_args(
        server_file(DialectId::TarotChat),
        0,
        env,
        &["--state-file", state.to_str().unwrap()],
    )
    .await
    .unwrap();
    let sarah = rest(&server, SARAH).await;
    let (outbox, mut orx) = VoiceOutbox::start(
        dir.join("outbox"),
        sarah.clone(),
        spec(),
        VoiceOutboxConfig {
            chunk_delay: Duration::from_millis(30),
            server_deduplicates,
            ..fast_outbox()
        },
    )
    .unwrap();
    let note = long_tone();
    let id = outbox
        .send(
            ACTIVE,
            VoiceFile::ogg("tone.ogg", note.bytes.clone()),
            note.duration_ms,
            note.waveform,
        )
        .unwrap();
    let mut seen = Vec::new();
    until(&mut orx, 10, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Progress { .. })
    })
    .await;
    server.kill().await;
    CutUpload {
        dir,
        server,
        sarah,
        outbox,
        orx,
        bytes: note.bytes,
        id,
        seen,
    }
}

/// The server dies mid-upload and comes back: on a server that drops a repeated upload by its
/// id (the reference server's extension, which the profile states), the outbox retries and
/// the note arrives once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_by_a_server_restart_arrives_once() {
    let CutUpload {
        dir,
        mut server,
        sarah,
        outbox,
        mut orx,
        bytes: sent,
        id,
        mut seen,
    } = cut_mid_upload("restart", &[], true).await;
    until(&mut orx, 10, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Retrying { .. })
    })
    .await;
    assert!(outbox.pending().len() == 1, "kept until the server has it");
    assert!(dir.join(format!("outbox/pending/{id}.ogg")).exists());
    server.restart().await.unwrap();
    until(&mut orx, 30, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Sent(_))
    })
    .await;
    let sent_count = seen
        .iter()
        .filter(|e| matches!(e, VoiceOutboxEvent::Sent(_)))
        .count();
    assert_eq!(sent_count, 1);
    assert!(
        !dir.join(format!("outbox/pending/{id}.ogg")).exists(),
        "deleted once sent"
    );
    let notes = voice_messages(&sarah, ACTIVE).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["id"], id.as_str());
    // The stored file is the whole note.
    let stored = parlor_core::voice::download(
        &sarah,
        notes[0]["file_url"].as_str().unwrap(),
        spec().max_bytes,
    )
    .await
    .unwrap();
    assert_eq!(stored, sent);

    // A retry of an upload the server already has (its answer lost) is not stored twice.
    let again = upload_voice_note(
        &sarah,
        spec(),
        ACTIVE,
        &VoiceFile::ogg("tone.ogg", sent.clone()),
        UploadOptions {
            client_id: Some(id.clone()),
            ..UploadOptions::default()
        },
        &CancelHandle::new(),
    )
    .await
    .unwrap();
    assert_eq!(answered_id(&again).as_deref(), Some(id.as_str()));
    assert_eq!(voice_messages(&sarah, ACTIVE).await.len(), 1);
    server.stop().await;
}

/// The same cut on a server that does only what seed 002 prints: nothing lets it drop a
/// repeated upload, so the outbox never repeats one behind the user's back. The note ends
/// `unconfirmed` and stays so while the server is back; the user's resend then sends it, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_on_a_seed_only_server_waits_unconfirmed_for_the_user() {
    let CutUpload {
        dir,
        mut server,
        sarah,
        outbox,
        mut orx,
        bytes: _,
        id,
        mut seen,
    } = cut_mid_upload("seed-only-cut", &[("PARLOR_SEED_ONLY", "1")], false).await;
    let unconfirmed = until(&mut orx, 10, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Unconfirmed { .. })
    })
    .await;
    assert!(
        matches!(&unconfirmed, VoiceOutboxEvent::Unconfirmed { client_id, error } if *client_id == id && error.may_have_arrived()),
        "{unconfirmed:?}"
    );
    assert!(outbox.pending().is_empty(), "not retried by itself");
    assert!(outbox.unconfirmed(&id).is_some());
    assert!(
        dir.join(format!("outbox/unconfirmed/{id}.ogg")).exists(),
        "the audio is kept"
    );
    server.restart().await.unwrap();
    // The body was cut halfway: the server has nothing (a whole body would be its one copy).
    let before = voice_messages(&sarah, ACTIVE).await.len();
    assert_eq!(before, 0);
    // Nothing happens until the user decides (a window of silence, then the state again).
    tokio::time::sleep(Duration::from_millis(800)).await;
    while let Ok(e) = orx.try_recv() {
        assert!(
            !matches!(e, VoiceOutboxEvent::Sent(_)),
            "sent without the user: {e:?}"
        );
    }
    assert!(outbox.unconfirmed(&id).is_some());
    assert!(outbox.resend(&id).unwrap(), "the user resends it");
    assert!(!outbox.resend(&id).unwrap(), "once");
    until(&mut orx, 30, &mut seen, |e| {
        matches!(e, VoiceOutboxEvent::Sent(_))
    })
    .await;
    assert_eq!(voice_messages(&sarah, ACTIVE).await.len(), before + 1);
    assert!(!dir.join(format!("outbox/unconfirmed/{id}.ogg")).exists());
    server.stop().await;
}

const PARLOR: &str = env!("CARGO_BIN_EXE_parlor");

/// A `parlor connect` process on 002, read line by line.
struct Session {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: UnboundedReceiver<Value>,
    seen: Vec<Value>,
}

impl Session {
    /// `parlor connect` as `account`, with its message cache in `data`.
    async fn start(
        server: &RefServer,
        account: &str,
        data: &Path,
        env: &[(&str, &Path)],
    ) -> Session {
        use tokio::io::AsyncBufReadExt;
        let token = server.mint(account).await.unwrap();
        let mut cmd = tokio::process::Command::new(PARLOR);
        cmd.args(["connect", "--url", &server.url(), "--dialect", "tarot-chat"])
            .arg("--data-dir")
            .arg(data)
            .env("PARLOR_TOKEN", token)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("parlor runs");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                let v: Value = serde_json::from_str(&l)
                    .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Session {
            child,
            stdin,
            lines: rx,
            seen: Vec::new(),
        }
    }

    async fn send(&mut self, line: Value) {
        use tokio::io::AsyncWriteExt;
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }

    async fn wait(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let mut seen = std::mem::take(&mut self.seen);
        let v = until(&mut self.lines, 30, &mut seen, |v| {
            if v.get("ok") == Some(&Value::Bool(false)) {
                panic!("{what}: error reply {v}");
            }
            pred(v)
        })
        .await;
        self.seen = seen;
        v
    }

    async fn quit(mut self) {
        self.send(serde_json::json!({"id": "q", "cmd": "quit"}))
            .await;
        let st = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("exits")
            .unwrap();
        assert!(st.success());
    }
}

fn voice_state<'a>(v: &'a Value, state: &str) -> Option<&'a Value> {
    (v["event"] == "voice_note_changed" && v["state"] == state).then_some(v)
}

/// `parlor connect`: one party sends a note from a WAV file and one from the microphone;
/// the other plays one to its speaker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::await_holding_lock)] // the guard serialises the device files
async fn connect_sends_from_wav_and_microphone_and_plays() {
    let _audio = audio();
    let dir = scratch("connect");
    let source = speech(&dir, "speech", "Your voice note from the harness.", 3.0);
    let input = dir.join("speech.raw");
    // The same speech as a 16 kHz stereo WAV: the harness converts it.
    let wav = dir.join("note.wav");
    run(
        "sox",
        &[
            "-t",
            "raw",
            "-r",
            "48000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            input.to_str().unwrap(),
            "-r",
            "16000",
            "-c",
            "2",
            wav.to_str().unwrap(),
            "trim",
            "0",
            "2",
        ],
    );
    let server = RefServer::start(server_file(DialectId::TarotChat), &[])
        .await
        .unwrap();
    let played = dir.join("played.wav");
    let mut sarah = Session::start(
        &server,
        SARAH,
        &dir.join("sarah"),
        &[("ALSA_CAPTURE_IN", &input)],
    )
    .await;
    sarah
        .send(serde_json::json!({"id": 1, "cmd": "wait_connected"}))
        .await;
    sarah
        .send(serde_json::json!({"id": 2, "cmd": "send_voice_note",
            "conversation_id": ACTIVE, "path": wav}))
        .await;
    let sent = sarah
        .wait("wav note", |v| voice_state(v, "sent").is_some())
        .await;
    assert_eq!(sent["duration_ms"], 2000);
    assert_eq!(sent["waveform"].as_array().unwrap().len(), 64);
    sarah
        .send(serde_json::json!({"id": 3, "cmd": "list_input_devices"}))
        .await;
    sarah
        .wait("devices", |v| v["event"] == "input_devices")
        .await;
    sarah
        .send(serde_json::json!({"id": 4, "cmd": "start_recording", "max_secs": 1.5}))
        .await;
    sarah
        .wait("cap", |v| {
            v["event"] == "recording_ended" && v["reason"] == "max_length"
        })
        .await;
    assert!(sarah.seen.iter().any(|v| v["event"] == "voice_level"));
    sarah
        .send(serde_json::json!({"id": 5, "cmd": "stop_recording", "conversation_id": ACTIVE}))
        .await;
    let mic = sarah
        .wait("mic note", |v| {
            voice_state(v, "sent").is_some() && v["client_id"] != sent["client_id"]
        })
        .await;
    assert_eq!(mic["duration_ms"], 1500);
    // A voice note is a message: shown at once, then sent, with its length and waveform kept
    // in the conversation's cache.
    assert!(sarah
        .seen
        .iter()
        .any(|v| v["event"] == "chat_message_changed"
            && v["message"]["kind"] == "voice"
            && v["message"]["client_id"] == mic["client_id"]
            && v["message"]["state"] == "pending"));
    sarah
        .send(serde_json::json!({"id": 6, "cmd": "load_messages", "conversation_id": ACTIVE}))
        .await;
    let page = sarah.wait("page", |v| v["event"] == "messages_page").await;
    let notes: Vec<&Value> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "voice" && m["own"] == true)
        .collect();
    assert_eq!(notes.len(), 2, "{page}");
    for (note, ev) in notes.iter().zip([&sent, &mic]) {
        assert_eq!(note["client_id"], ev["client_id"]);
        assert_eq!(note["state"], "sent");
        assert_eq!(note["file_url"], ev["file_url"]);
        assert_eq!(note["duration_ms"], ev["duration_ms"]);
        assert_eq!(note["waveform"], ev["waveform"]);
    }
    sarah.quit().await;

    let mut samia = Session::start(
        &server,
        SAMIA,
        &dir.join("samia"),
        &[("ALSA_PLAYBACK_OUT", &played)],
    )
    .await;
    samia
        .send(serde_json::json!({"id": 1, "cmd": "wait_connected"}))
        .await;
    samia
        .send(serde_json::json!({"id": 2, "cmd": "play_voice_note", "url": mic["file_url"]}))
        .await;
    samia
        .wait("playback", |v| {
            v["event"] == "voice_playback" && v["state"] == "finished"
        })
        .await;
    samia.quit().await;
    let out = read_wav(&played);
    let reference = &source[..RATE * 3 / 2];
    let sim = similarity(reference, &out);
    let other = speech(&dir, "other", "Seven blue ships sail north at dawn.", 1.5);
    let control = similarity(reference, &other);
    eprintln!("envelope correlation through connect: played {sim:.3}, other speech {control:.3}");
    assert!(sim > 0.85, "played through connect: {sim}");
    assert!(control < 0.5, "the measure tells speech apart: {control}");
}
