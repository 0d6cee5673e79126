//! Ogg/Opus encoding of mono 48 kHz speech (about 24 kbit/s), its duration and a compact
//! waveform, and the reverse (rodio cannot decode Opus: libopus does it here).

use super::VoiceError;
use ogg::{PacketReader, PacketWriteEndInfo, PacketWriter};
use std::io::Cursor;

/// The sample rate of every voice note (Opus' native rate).
pub const SAMPLE_RATE: u32 = 48_000;
/// 20 ms frames.
const FRAME: usize = 960;
/// Speech bitrate.
const BITRATE: i32 = 24_000;
/// Peaks in a waveform.
pub const WAVEFORM_PEAKS: usize = 64;
const SERIAL: u32 = 0x5041_524c; // "PARL"

/// An encoded voice note.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedNote {
    /// The Ogg/Opus file.
    pub bytes: Vec<u8>,
    /// Its exact duration in milliseconds.
    pub duration_ms: u64,
    /// 64 peaks, 0–255, for a UI to draw without decoding.
    pub waveform: Vec<u8>,
}

fn codec(e: impl std::fmt::Display) -> VoiceError {
    VoiceError::Codec(e.to_string())
}

/// `WAVEFORM_PEAKS` peaks (absolute maximum of each slice, 255 = full scale).
pub fn waveform(samples: &[i16]) -> Vec<u8> {
    if samples.is_empty() {
        return vec![0; WAVEFORM_PEAKS];
    }
    (0..WAVEFORM_PEAKS)
        .map(|i| {
            let a = i * samples.len() / WAVEFORM_PEAKS;
            let b = ((i + 1) * samples.len() / WAVEFORM_PEAKS).max(a + 1);
            let peak = samples[a..b.min(samples.len())]
                .iter()
                .map(|s| s.unsigned_abs())
                .max()
                .unwrap_or(0);
            (u32::from(peak) * 255 / 32768) as u8
        })
        .collect()
}

/// Encodes mono 48 kHz samples to Ogg/Opus.
pub fn encode_ogg_opus(samples: &[i16]) -> Result<EncodedNote, VoiceError> {
    let mut enc = opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)
        .map_err(codec)?;
    enc.set_bitrate(opus::Bitrate::Bits(BITRATE))
        .map_err(codec)?;
    let pre_skip = enc.get_lookahead().map_err(codec)? as u16;

    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1); // version
    head.push(1); // channels
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // mapping family
    let vendor = b"parlor";
    let mut tags = Vec::new();
    tags.extend_from_slice(b"OpusTags");
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes());

    let mut w = PacketWriter::new(Cursor::new(Vec::new()));
    w.write_packet(head, SERIAL, PacketWriteEndInfo::EndPage, 0)
        .map_err(codec)?;
    w.write_packet(tags, SERIAL, PacketWriteEndInfo::EndPage, 0)
        .map_err(codec)?;

    // The samples, then enough silence to flush the encoder's lookahead.
    let total = samples.len() as u64;
    let end_granule = u64::from(pre_skip) + total;
    let padded_len = (samples.len() + usize::from(pre_skip))
        .div_ceil(FRAME)
        .max(1)
        * FRAME;
    let mut frame = [0i16; FRAME];
    let mut out = vec![0u8; 4000];
    let frames = padded_len / FRAME;
    for i in 0..frames {
        let start = i * FRAME;
        for (j, s) in frame.iter_mut().enumerate() {
            *s = samples.get(start + j).copied().unwrap_or(0);
        }
        let n = enc.encode(&frame, &mut out).map_err(codec)?;
        let last = i + 1 == frames;
        let granule = ((start + FRAME) as u64).min(end_granule);
        let info = if last {
            PacketWriteEndInfo::EndStream
        } else if (i + 1) % 50 == 0 {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        w.write_packet(out[..n].to_vec(), SERIAL, info, granule)
            .map_err(codec)?;
    }
    Ok(EncodedNote {
        bytes: w.into_inner().into_inner(),
        duration_ms: total * 1000 / u64::from(SAMPLE_RATE),
        waveform: waveform(samples),
    })
}

/// Decodes an Ogg/Opus file (mono or stereo, downmixed) to mono 48 kHz samples, exactly as
/// long as the stream says (pre-skip removed, trailing padding cut at the final granule).
pub fn decode_ogg_opus(bytes: &[u8]) -> Result<Vec<i16>, VoiceError> {
    let mut r = PacketReader::new(Cursor::new(bytes));
    let head = r
        .read_packet()
        .map_err(codec)?
        .ok_or_else(|| codec("empty file"))?;
    if head.data.len() < 19 || &head.data[..8] != b"OpusHead" {
        return Err(codec("not an Ogg/Opus file"));
    }
    let channels = head.data[9].max(1);
    let pre_skip = usize::from(u16::from_le_bytes([head.data[10], head.data[11]]));
    let ch = if channels >= 2 {
        opus::Channels::Stereo
    } else {
        opus::Channels::Mono
    };
    let mut dec = opus::Decoder::new(SAMPLE_RATE, ch).map_err(codec)?;
    let nch = if channels >= 2 { 2 } else { 1 };
    let mut pcm = vec![0i16; 5760 * nch];
    let mut out: Vec<i16> = Vec::new();
    let mut last_granule = None;
    let mut skipped_tags = false;
    while let Some(p) = r.read_packet().map_err(codec)? {
        if !skipped_tags {
            skipped_tags = true;
            if p.data.starts_with(b"OpusTags") {
                continue;
            }
        }
        let n = dec.decode(&p.data, &mut pcm, false).map_err(codec)?;
        if nch == 2 {
            out.extend(
                pcm[..n * 2]
                    .chunks(2)
                    .map(|c| ((i32::from(c[0]) + i32::from(c[1])) / 2) as i16),
            );
        } else {
            out.extend_from_slice(&pcm[..n]);
        }
        if p.last_in_stream() {
            last_granule = Some(p.absgp_page());
        }
    }
    let mut samples: Vec<i16> = out.into_iter().skip(pre_skip).collect();
    if let Some(g) = last_granule {
        let len = (g as usize).saturating_sub(pre_skip);
        samples.truncate(len);
    }
    Ok(samples)
}

/// Reads a PCM WAV (16-bit integer or 32-bit float, any rate and channel count) as mono
/// 48 kHz samples: channels averaged, rate converted by linear interpolation.
pub fn wav_to_mono_48k(bytes: &[u8]) -> Result<Vec<i16>, VoiceError> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(codec("not a WAV file"));
    }
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let mut fmt = None;
    let mut i = 12;
    while i + 8 <= bytes.len() {
        let len = u32_at(i + 4) as usize;
        let body = i + 8;
        match &bytes[i..i + 4] {
            b"fmt " if body + 16 <= bytes.len() => {
                fmt = Some((
                    u16_at(body),
                    u16_at(body + 2),
                    u32_at(body + 4),
                    u16_at(body + 14),
                ));
            }
            b"data" => {
                let (format, channels, rate, bits) = fmt.ok_or_else(|| codec("WAV without fmt"))?;
                let end = body.saturating_add(len).min(bytes.len());
                let data = &bytes[body..end];
                let channels = usize::from(channels.max(1));
                let frames: Vec<f32> = match (format, bits) {
                    (1, 16) | (0xFFFE, 16) => data
                        .chunks_exact(2 * channels)
                        .map(|f| {
                            f.chunks_exact(2)
                                .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
                                .sum::<f32>()
                                / channels as f32
                        })
                        .collect(),
                    (3, 32) | (0xFFFE, 32) => data
                        .chunks_exact(4 * channels)
                        .map(|f| {
                            f.chunks_exact(4)
                                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                                .sum::<f32>()
                                / channels as f32
                        })
                        .collect(),
                    _ => return Err(codec(format!("WAV format {format} with {bits} bits"))),
                };
                return Ok(resample(&frames, rate));
            }
            _ => {}
        }
        i = body.saturating_add(len + (len & 1));
    }
    Err(codec("WAV without data"))
}

/// Linear-interpolation resampling of mono samples to 48 kHz.
fn resample(x: &[f32], rate: u32) -> Vec<i16> {
    let to_i16 = |v: f32| (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
    if rate == SAMPLE_RATE || rate == 0 || x.is_empty() {
        return x.iter().map(|&v| to_i16(v)).collect();
    }
    let n = (x.len() as u64 * u64::from(SAMPLE_RATE) / u64::from(rate)) as usize;
    let step = f64::from(rate) / f64::from(SAMPLE_RATE);
    (0..n)
        .map(|k| {
            let pos = k as f64 * step;
            let i = pos as usize;
            let frac = (pos - i as f64) as f32;
            let a = x[i.min(x.len() - 1)];
            let b = x[(i + 1).min(x.len() - 1)];
            to_i16(a + (b - a) * frac)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_round_trips_with_its_exact_length() {
        let samples: Vec<i16> = (0..48_000 + 123)
            .map(|i| ((i as f32 * 440.0 * std::f32::consts::TAU / 48_000.0).sin() * 8000.0) as i16)
            .collect();
        let note = encode_ogg_opus(&samples).unwrap();
        assert_eq!(note.duration_ms, 1002);
        assert_eq!(note.waveform.len(), 64);
        assert!(
            note.waveform.iter().all(|&p| (55..=70).contains(&p)),
            "{:?}",
            note.waveform
        );
        // 24 kbit/s for a second, plus headers.
        assert!(note.bytes.len() < 4_500, "{} bytes", note.bytes.len());
        let back = decode_ogg_opus(&note.bytes).unwrap();
        assert_eq!(back.len(), samples.len());
        let energy = |s: &[i16]| s.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
        let ratio = energy(&back[4800..]) / energy(&samples[4800..]);
        assert!((0.8..1.2).contains(&ratio), "energy ratio {ratio}");
    }

    #[test]
    fn a_wav_becomes_mono_48k() {
        // 16 kHz stereo, 0.5 s.
        let frames = 8000u32;
        let mut b = Vec::new();
        b.extend_from_slice(b"RIFF");
        b.extend_from_slice(&(36 + frames * 4).to_le_bytes());
        b.extend_from_slice(b"WAVEfmt ");
        b.extend_from_slice(&16u32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&16_000u32.to_le_bytes());
        b.extend_from_slice(&64_000u32.to_le_bytes());
        b.extend_from_slice(&4u16.to_le_bytes());
        b.extend_from_slice(&16u16.to_le_bytes());
        b.extend_from_slice(b"data");
        b.extend_from_slice(&(frames * 4).to_le_bytes());
        for _ in 0..frames {
            b.extend_from_slice(&1000i16.to_le_bytes());
            b.extend_from_slice(&3000i16.to_le_bytes());
        }
        let s = wav_to_mono_48k(&b).unwrap();
        assert_eq!(s.len(), 24_000);
        assert!(s.iter().all(|&x| x == 2000));
    }

    #[test]
    fn garbage_is_a_codec_error() {
        assert!(matches!(
            decode_ogg_opus(b"not ogg at all"),
            Err(VoiceError::Codec(_))
        ));
    }
}
