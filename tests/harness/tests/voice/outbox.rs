//! The voice outbox: cancelling, refusals with typed errors, and uploads cut by the server (at most once).

use super::*;

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
