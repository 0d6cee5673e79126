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
    fn garbage_is_a_codec_error() {
        assert!(matches!(
            decode_ogg_opus(b"not ogg at all"),
            Err(VoiceError::Codec(_))
        ));
    }
}
