//! The recorder (cpal): default or named input device, mono, resampled to 48 kHz, an RMS level
//! every 50 ms, pause/resume, cancel, stop, and a maximum length that stops it by itself.
//! Length is counted in samples, not wall time, so a device that delivers faster than real
//! time (a file-backed ALSA device) still records exactly the configured length.

use super::encode::SAMPLE_RATE;
use super::VoiceError;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// 50 ms at 48 kHz.
const LEVEL_WINDOW: usize = (SAMPLE_RATE / 20) as usize;

/// How to record.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// An input device by name (see [`input_devices`]); `None`: the default one.
    pub device: Option<String>,
    /// The recording stops by itself at this length.
    pub max_duration: Duration,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        RecorderConfig {
            device: None,
            max_duration: Duration::from_secs(60),
        }
    }
}

/// What a recorder reports while it runs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RecorderEvent {
    /// RMS of the last 50 ms, 0.0–1.0 of full scale, at `at_ms` into the recording.
    Level {
        /// Position.
        at_ms: u64,
        /// RMS level.
        rms: f32,
    },
    /// The maximum length was reached: the recording stopped by itself.
    MaxLengthReached {
        /// Its length.
        duration_ms: u64,
    },
    /// The device failed mid-recording.
    Failed(String),
}

/// A finished recording: mono 48 kHz.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Samples.
    pub samples: Vec<i16>,
}

impl Recording {
    /// Its duration in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }
}

/// Names of the input devices.
pub fn input_devices() -> Result<Vec<String>, VoiceError> {
    let host = cpal::default_host();
    let devices = host.input_devices().map_err(device_error)?;
    Ok(devices
        .filter_map(|d| d.description().ok().map(|x| x.name().to_owned()))
        .collect())
}

fn device_error(e: cpal::Error) -> VoiceError {
    match e.kind() {
        cpal::ErrorKind::PermissionDenied => VoiceError::PermissionDenied(e.to_string()),
        cpal::ErrorKind::DeviceNotAvailable => VoiceError::NoDevice(e.to_string()),
        _ => VoiceError::Device(e.to_string()),
    }
}

struct State {
    samples: Vec<i16>,
    cap: usize,
    paused: bool,
    done: bool,
    /// Resampler position (input frames per output sample) and carry-over.
    step: f64,
    pos: f64,
    prev: f32,
    level_acc: f64,
    level_n: usize,
    events: mpsc::UnboundedSender<RecorderEvent>,
}

impl State {
    /// Takes mono input samples (-1.0..1.0) at the device rate.
    fn push(&mut self, mono: impl Iterator<Item = f32>) {
        if self.paused || self.done {
            return;
        }
        for x in mono {
            // Linear interpolation between the previous and this input sample.
            while self.pos <= 1.0 {
                let y = self.prev + (x - self.prev) * self.pos as f32;
                self.emit((y * 32768.0).round().clamp(-32768.0, 32767.0) as i16);
                if self.done {
                    return;
                }
                self.pos += self.step;
            }
            self.pos -= 1.0;
            self.prev = x;
        }
    }

    fn emit(&mut self, s: i16) {
        self.samples.push(s);
        let f = f64::from(s) / 32768.0;
        self.level_acc += f * f;
        self.level_n += 1;
        if self.level_n == LEVEL_WINDOW {
            let rms = (self.level_acc / LEVEL_WINDOW as f64).sqrt() as f32;
            let at_ms = self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE);
            let _ = self.events.send(RecorderEvent::Level { at_ms, rms });
            self.level_acc = 0.0;
            self.level_n = 0;
        }
        if self.samples.len() >= self.cap {
            self.done = true;
            let _ = self.events.send(RecorderEvent::MaxLengthReached {
                duration_ms: self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE),
            });
        }
    }
}

/// A running recording. Dropping it cancels.
pub struct Recorder {
    stream: Option<cpal::Stream>,
    shared: Arc<(Mutex<State>, Condvar)>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    /// Starts recording; events arrive on the returned receiver.
    pub fn start(
        config: &RecorderConfig,
    ) -> Result<(Recorder, mpsc::UnboundedReceiver<RecorderEvent>), VoiceError> {
        let host = cpal::default_host();
        let device = match &config.device {
            None => host
                .default_input_device()
                .ok_or_else(|| VoiceError::NoDevice("no default input device".into()))?,
            Some(name) => host
                .input_devices()
                .map_err(device_error)?
                .find(|d| d.description().map(|x| x.name() == name).unwrap_or(false))
                .ok_or_else(|| VoiceError::NoDevice(format!("no input device named {name}")))?,
        };
        // Mono i16 when the device offers it (the rate closest to 48 kHz), else its default.
        let mono_i16 = device
            .supported_input_configs()
            .map_err(device_error)?
            .filter(|c| c.channels() == 1 && c.sample_format() == cpal::SampleFormat::I16)
            .map(|c| {
                let rate = SAMPLE_RATE.clamp(c.min_sample_rate(), c.max_sample_rate());
                c.with_sample_rate(rate)
            })
            .min_by_key(|c| c.sample_rate().abs_diff(SAMPLE_RATE));
        let supported = match mono_i16 {
            Some(c) => c,
            None => device.default_input_config().map_err(device_error)?,
        };
        let format = supported.sample_format();
        let stream_config: cpal::StreamConfig = supported.config();
        let channels = usize::from(stream_config.channels.max(1));
        let (tx, rx) = mpsc::unbounded_channel();
        let cap = (config.max_duration.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize;
        let shared = Arc::new((
            Mutex::new(State {
                samples: Vec::with_capacity(cap.min(SAMPLE_RATE as usize * 120)),
                cap: cap.max(1),
                paused: false,
                done: false,
                step: f64::from(stream_config.sample_rate) / f64::from(SAMPLE_RATE),
                pos: 1.0,
                prev: 0.0,
                level_acc: 0.0,
                level_n: 0,
                events: tx.clone(),
            }),
            Condvar::new(),
        ));
        let err_tx = tx;
        let on_error = move |e: cpal::Error| {
            let _ = err_tx.send(RecorderEvent::Failed(e.to_string()));
        };
        let stream = match format {
            cpal::SampleFormat::I16 => {
                let sh = shared.clone();
                device.build_input_stream::<i16, _, _>(
                    stream_config,
                    move |data, _| {
                        let (m, cv) = &*sh;
                        let mut st = m.lock().unwrap_or_else(|p| p.into_inner());
                        st.push(data.chunks(channels).map(|c| {
                            c.iter().map(|&s| f32::from(s) / 32768.0).sum::<f32>() / channels as f32
                        }));
                        if st.done {
                            cv.notify_all();
                        }
                    },
                    on_error,
                    None,
                )
            }
            cpal::SampleFormat::F32 => {
                let sh = shared.clone();
                device.build_input_stream::<f32, _, _>(
                    stream_config,
                    move |data, _| {
                        let (m, cv) = &*sh;
                        let mut st = m.lock().unwrap_or_else(|p| p.into_inner());
                        st.push(
                            data.chunks(channels)
                                .map(|c| c.iter().sum::<f32>() / channels as f32),
                        );
                        if st.done {
                            cv.notify_all();
                        }
                    },
                    on_error,
                    None,
                )
            }
            other => {
                return Err(VoiceError::Device(format!(
                    "unsupported sample format {other:?}"
                )))
            }
        }
        .map_err(device_error)?;
        stream.play().map_err(device_error)?;
        Ok((
            Recorder {
                stream: Some(stream),
                shared,
            },
            rx,
        ))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pauses: input is dropped until [`Recorder::resume`].
    pub fn pause(&self) {
        self.state().paused = true;
    }

    /// Resumes after a pause.
    pub fn resume(&self) {
        self.state().paused = false;
    }

    /// Recorded so far, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.state().samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }

    /// Whether the maximum length was reached.
    pub fn is_done(&self) -> bool {
        self.state().done
    }

    /// Blocks until the maximum length is reached or `timeout` passes; true when reached.
    pub fn wait_until_done(&self, timeout: Duration) -> bool {
        let (m, cv) = &*self.shared;
        let guard = m.lock().unwrap_or_else(|p| p.into_inner());
        let (g, _) = cv
            .wait_timeout_while(guard, timeout, |st| !st.done)
            .unwrap_or_else(|p| p.into_inner());
        g.done
    }

    /// Blocks until `ms` milliseconds are recorded (or the cap), at most `timeout`.
    pub fn wait_for_ms(&self, ms: u64, timeout: Duration) -> bool {
        let want = (ms * u64::from(SAMPLE_RATE) / 1000) as usize;
        let deadline = std::time::Instant::now() + timeout;
        loop {
            {
                let st = self.state();
                if st.samples.len() >= want || st.done {
                    return true;
                }
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Stops and returns what was recorded.
    pub fn stop(mut self) -> Recording {
        self.stream.take();
        let mut st = self.state();
        st.done = true;
        Recording {
            samples: std::mem::take(&mut st.samples),
        }
    }

    /// Stops and discards everything.
    pub fn cancel(mut self) {
        self.stream.take();
        let mut st = self.state();
        st.done = true;
        st.samples = Vec::new();
    }
}
