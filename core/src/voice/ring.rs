//! The ring of an incoming request: a bundled chime played through rodio (the same audio stack
//! as voice notes) again and again until it is stopped, at a chosen volume on a chosen output
//! device. The device is opened for each chime and closed right after it, so a ringer between
//! chimes (or stopped) holds no device and writes nothing.

use super::encode::{wav_to_mono_48k, SAMPLE_RATE};
use super::VoiceError;
use cpal::traits::{DeviceTrait, HostTrait};
use std::num::NonZero;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The bundled chime (three bell notes, 1.66 s, 16 kHz mono WAV made with sox).
pub const RING_SOUND: &[u8] = include_bytes!("ring.wav");

/// The chime as mono 48 kHz samples.
pub fn ring_samples() -> Vec<i16> {
    wav_to_mono_48k(RING_SOUND).expect("the bundled ring sound is a valid WAV")
}

/// How to ring.
#[derive(Debug, Clone, PartialEq)]
pub struct RingConfig {
    /// Loudness, 0.0 (silent) to 1.0 (the chime as recorded).
    pub volume: f32,
    /// The output device by name; none (or a name no longer present): the default device.
    pub device: Option<String>,
    /// Time from the start of one chime to the start of the next.
    pub period: Duration,
}

impl Default for RingConfig {
    fn default() -> Self {
        RingConfig {
            volume: 0.8,
            device: None,
            period: Duration::from_secs(3),
        }
    }
}

/// What the ringer reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RingEvent {
    /// One chime was played to its end (`count` since the ring started).
    Chimed {
        /// Chimes so far in this ring.
        count: u32,
    },
    /// The ring stopped.
    Stopped,
    /// The output device could not be used (the ring goes on trying at each period).
    Failed(String),
}

enum Cmd {
    Start(RingConfig),
    Once(RingConfig),
    Stop,
}

/// Rings until stopped, on its own thread.
pub struct Ringer {
    cmds: std_mpsc::Sender<Cmd>,
}

impl std::fmt::Debug for Ringer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ringer")
    }
}

impl Ringer {
    /// A silent ringer; its events go to the returned receiver.
    pub fn new() -> Result<(Ringer, mpsc::UnboundedReceiver<RingEvent>), VoiceError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let (ctx, crx) = std_mpsc::channel();
        std::thread::Builder::new()
            .name("parlor-ring".into())
            .spawn(move || run(crx, tx))?;
        Ok((Ringer { cmds: ctx }, rx))
    }

    /// Starts ringing (a chime now, then one every period), or changes a running ring's
    /// settings (it keeps its rhythm).
    pub fn start(&self, config: RingConfig) {
        let _ = self.cmds.send(Cmd::Start(config));
    }

    /// Plays one chime (the settings' "test sound"), unless a ring is running.
    pub fn chime_once(&self, config: RingConfig) {
        let _ = self.cmds.send(Cmd::Once(config));
    }

    /// Stops at once, mid-chime too.
    pub fn stop(&self) {
        let _ = self.cmds.send(Cmd::Stop);
    }
}

/// Names of the output devices (for the settings' choice).
pub fn output_devices() -> Result<Vec<String>, VoiceError> {
    let host = cpal::default_host();
    let devices = host
        .output_devices()
        .map_err(|e| VoiceError::Device(e.to_string()))?;
    Ok(devices
        .filter_map(|d| d.description().ok().map(|x| x.name().to_owned()))
        .collect())
}

fn open(device: Option<&str>) -> Result<rodio::MixerDeviceSink, String> {
    let named = device.and_then(|name| {
        cpal::default_host()
            .output_devices()
            .ok()?
            .find(|d| d.description().is_ok_and(|x| x.name() == name))
    });
    let builder = match named {
        Some(d) => rodio::DeviceSinkBuilder::from_device(d),
        None => rodio::DeviceSinkBuilder::from_default_device(),
    };
    builder
        .and_then(|b| {
            b.with_sample_rate(NonZero::new(SAMPLE_RATE).expect("48 kHz"))
                .with_channels(NonZero::new(1).expect("mono"))
                .open_stream()
        })
        .or_else(|_| rodio::DeviceSinkBuilder::open_default_sink())
        .map_err(|e| e.to_string())
}

/// A chime sounding now.
struct Chime {
    // Field order matters: the player goes before the device it plays on.
    player: rodio::Player,
    sink: rodio::MixerDeviceSink,
}

impl Chime {
    fn play(samples: &[f32], config: &RingConfig) -> Result<Chime, String> {
        let mut sink = open(config.device.as_deref())?;
        sink.log_on_drop(false);
        let player = rodio::Player::connect_new(sink.mixer());
        player.set_volume(config.volume.clamp(0.0, 1.0));
        player.append(rodio::buffer::SamplesBuffer::new(
            NonZero::new(1).expect("one channel"),
            NonZero::new(SAMPLE_RATE).expect("48 kHz"),
            samples.to_vec(),
        ));
        Ok(Chime { player, sink })
    }

    fn close(self) {
        let Chime { player, sink } = self;
        player.stop();
        drop(player);
        // Closed at once: an open idle sink keeps writing silence.
        drop(sink);
    }
}

fn run(cmds: std_mpsc::Receiver<Cmd>, events: mpsc::UnboundedSender<RingEvent>) {
    let samples: Vec<f32> = ring_samples()
        .iter()
        .map(|&s| f32::from(s) / 32768.0)
        .collect();
    // The running ring: its settings, the next chime's time, chimes so far.
    let mut ring: Option<(RingConfig, Instant, u32)> = None;
    let mut chime: Option<Chime> = None;
    loop {
        let now = Instant::now();
        let wait = if chime.is_some() {
            Duration::from_millis(5)
        } else if let Some((_, next, _)) = &ring {
            next.saturating_duration_since(now)
        } else {
            Duration::from_secs(3600)
        };
        match cmds.recv_timeout(wait) {
            Ok(Cmd::Start(config)) => match &mut ring {
                Some((running, _, _)) => *running = config,
                None => ring = Some((config, Instant::now(), 0)),
            },
            Ok(Cmd::Once(config)) => {
                if ring.is_none() && chime.is_none() {
                    match Chime::play(&samples, &config) {
                        Ok(c) => chime = Some(c),
                        Err(e) => {
                            let _ = events.send(RingEvent::Failed(e));
                        }
                    }
                }
            }
            Ok(Cmd::Stop) => {
                if let Some(c) = chime.take() {
                    c.close();
                }
                if ring.take().is_some() {
                    let _ = events.send(RingEvent::Stopped);
                }
            }
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            Err(std_mpsc::RecvTimeoutError::Disconnected) => {
                if let Some(c) = chime.take() {
                    c.close();
                }
                return;
            }
        }
        if chime.as_ref().is_some_and(|c| c.player.empty()) {
            chime.take().expect("chime").close();
            if let Some((_, _, count)) = &mut ring {
                *count = count.saturating_add(1);
                let _ = events.send(RingEvent::Chimed { count: *count });
            }
        }
        if let Some((config, next, _)) = &mut ring {
            if chime.is_none() && Instant::now() >= *next {
                *next += config.period.max(Duration::from_millis(500));
                match Chime::play(&samples, config) {
                    Ok(c) => chime = Some(c),
                    Err(e) => {
                        let _ = events.send(RingEvent::Failed(e));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_chime_decodes_to_a_short_audible_sound() {
        let s = ring_samples();
        let secs = s.len() as f64 / f64::from(SAMPLE_RATE);
        assert!((1.5..2.0).contains(&secs), "{secs} s");
        let peak = s.iter().map(|x| x.unsigned_abs()).max().unwrap();
        assert!(peak > 16_000, "peak {peak}");
    }
}
