//! Voice notes through `parlor connect`: from a WAV file and the microphone, and played back.

use super::*;

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
