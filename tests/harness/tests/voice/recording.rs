//! Recording through the file-backed ALSA device: a note from microphone to speaker, the length cap, pause and resume.

use super::*;

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
