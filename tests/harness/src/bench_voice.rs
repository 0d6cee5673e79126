//! `parlor bench-voice`: a minute of speech (espeak-ng, resampled by sox to 48 kHz mono, repeated
//! to the length asked) encoded to Ogg/Opus as a voice note: size against the 200 KB target,
//! encode and decode time as a fraction of real time.

use crate::bench::median_of;
use parlor_core::voice::{decode_ogg_opus, encode_ogg_opus, SAMPLE_RATE};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// The figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct VoiceReport {
    /// Seconds of speech.
    pub seconds: f64,
    /// The 48 kHz 16-bit mono PCM, bytes.
    pub pcm_bytes: u64,
    /// The Ogg/Opus note, bytes.
    pub encoded_bytes: u64,
    /// Its average bitrate, kbit/s.
    pub kbit_per_sec: f64,
    /// Encode time (median of the runs), ms.
    pub encode_ms: f64,
    /// Encode time / audio duration.
    pub encode_rt_fraction: f64,
    /// Decode time (median), ms.
    pub decode_ms: f64,
    /// Decode time / audio duration.
    pub decode_rt_fraction: f64,
    /// Runs.
    pub runs: u32,
}

const TEXT: &str =
    "Welcome back to your reading. Today we will look at three cards: the past, the \
present and the future. The first card is the Tower, which speaks of sudden change and of \
structures that could not hold. The second card is the Star: after the storm there is calm, hope \
and a slow healing. The third card is the Wheel of Fortune. Things are turning in your favour, but \
the wheel keeps moving, so use this season well. Think about your work, your family and your \
health, and ask yourself which of them needs your attention this month.";

/// espeak-ng saying `text`, resampled by sox to 48 kHz mono s16 and followed by `pad_secs` of
/// silence (`dir/{name}.wav` and `.raw` are left behind). The voice tests use it too.
pub fn spoken(dir: &Path, name: &str, text: &str, pad_secs: f64) -> Result<Vec<i16>, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let wav = dir.join(format!("{name}.wav"));
    let raw = dir.join(format!("{name}.raw"));
    let run = |cmd: &str, args: &[&str]| -> Result<(), String> {
        let st = std::process::Command::new(cmd)
            .args(args)
            .status()
            .map_err(|e| format!("{cmd}: {e} (tests/setup.sh installs espeak-ng and sox)"))?;
        if st.success() {
            Ok(())
        } else {
            Err(format!("{cmd} {args:?} failed"))
        }
    };
    run("espeak-ng", &["-w", &wav.to_string_lossy(), text])?;
    let pad = format!("{pad_secs}");
    run(
        "sox",
        &[
            &wav.to_string_lossy(),
            "-r",
            "48000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            "-t",
            "raw",
            &raw.to_string_lossy(),
            "pad",
            "0",
            &pad,
        ],
    )?;
    let samples: Vec<i16> = std::fs::read(&raw)
        .map_err(|e| e.to_string())?
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    if samples.is_empty() {
        return Err("espeak-ng produced no audio".into());
    }
    Ok(samples)
}

/// Speech samples, 48 kHz mono, exactly `seconds` long (the utterance repeated).
pub fn speech(dir: &Path, seconds: f64) -> Result<Vec<i16>, String> {
    let one = spoken(dir, "speech", TEXT, 0.0)?;
    let want = (seconds * f64::from(SAMPLE_RATE)) as usize;
    Ok(one.iter().copied().cycle().take(want).collect())
}

/// Encodes and decodes `seconds` of speech `runs` times.
pub fn run(dir: &Path, seconds: f64, runs: u32) -> Result<VoiceReport, String> {
    let samples = speech(dir, seconds)?;
    let runs = runs.max(1);
    let mut enc = Vec::new();
    let mut dec = Vec::new();
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let note = encode_ogg_opus(&samples).map_err(|e| e.to_string())?;
        enc.push(t.elapsed().as_secs_f64() * 1000.0);
        size = note.bytes.len() as u64;
        let t = Instant::now();
        let back = decode_ogg_opus(&note.bytes).map_err(|e| e.to_string())?;
        dec.push(t.elapsed().as_secs_f64() * 1000.0);
        if back.len() != samples.len() {
            return Err(format!(
                "decoded {} samples of {}",
                back.len(),
                samples.len()
            ));
        }
    }
    let (encode_ms, decode_ms) = (median_of(enc), median_of(dec));
    Ok(VoiceReport {
        seconds,
        pcm_bytes: samples.len() as u64 * 2,
        encoded_bytes: size,
        kbit_per_sec: size as f64 * 8.0 / 1000.0 / seconds,
        encode_ms,
        encode_rt_fraction: encode_ms / 1000.0 / seconds,
        decode_ms,
        decode_rt_fraction: decode_ms / 1000.0 / seconds,
        runs,
    })
}

/// The report as a table.
pub fn table(r: &VoiceReport) -> String {
    let verdict = if r.encoded_bytes <= 200 * 1000 {
        "ok"
    } else {
        "OVER"
    };
    format!(
        "voice note: {:.0} s of speech (espeak-ng), 48 kHz mono, Ogg/Opus 24 kbit/s, median of {} runs\n\
         | measure                 |          value | target          |\n\
         |-------------------------|----------------|-----------------|\n\
         | PCM (48 kHz s16 mono)   | {:>11.1} KB |                 |\n\
         | encoded size            | {:>11.1} KB | <= 200 KB: {verdict:<4} |\n\
         | average bitrate         | {:>7.1} kbit/s |                 |\n\
         | encode time             | {:>11.0} ms |                 |\n\
         | encode time / real time | {:>14.4} |                 |\n\
         | decode time             | {:>11.0} ms |                 |\n\
         | decode time / real time | {:>14.4} |                 |\n",
        r.seconds,
        r.runs,
        r.pcm_bytes as f64 / 1000.0,
        r.encoded_bytes as f64 / 1000.0,
        r.kbit_per_sec,
        r.encode_ms,
        r.encode_rt_fraction,
        r.decode_ms,
        r.decode_rt_fraction,
    )
}
