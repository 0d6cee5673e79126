//! Playback controls: pause, seek, resume and stop.

use super::*;

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
