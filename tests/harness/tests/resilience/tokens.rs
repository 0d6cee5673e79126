//! Logins and tokens: a login refused after connecting, a login confirmed by an event, expired and refused tokens renewed from their source.

use super::*;

/// A token for `account` of `file` that expires `ttl` seconds from now (negative: already).
async fn mint_with_ttl(file: &str, account: &str, ttl: i64) -> String {
    let out = tokio::process::Command::new("node")
        .arg(servers_dir().join(file))
        .args(["--mint", account, "--ttl", &ttl.to_string()])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn profile(d: DialectId, url: &str, ns: &str) -> ServerProfile {
    let mut p = ServerProfile::new(d, url);
    p.namespace = ns.into();
    p.rest_url = Some(url.into());
    p
}

/// Issue 14 item 5: a 002 server accepts every socket and refuses a bad token afterwards with
/// `auth_error`; `wait_connected` used to answer ok first. Now `connected` waits for the
/// document's `authenticated`, and a refusal is `auth_failed`, never preceded by `connected`.
/// The same holds for every dialect (the others refuse in the handshake).
#[tokio::test]
async fn a_login_refused_after_connecting_is_auth_failed_and_never_connected_first() {
    for (d, ns, account, expected) in [
        (
            DialectId::TarotChat,
            "/",
            "11111111-1111-4111-8111-111111111111",
            "Authentication token expired",
        ),
        (
            DialectId::BillingChat,
            "/",
            "u-asha",
            "Invalid or expired token",
        ),
        (
            DialectId::PresenceSessions,
            "/",
            "user_asha",
            "Invalid or expired token",
        ),
        (DialectId::SupportChat, "/", "1", "Token expired"),
        (
            DialectId::Telecaller,
            "/user",
            "507f1f77bcf86cd799439011",
            "Invalid or expired token",
        ),
    ] {
        let server = RefServer::start(server_file(d), &[]).await.unwrap();
        let expired = mint_with_ttl(server_file(d), account, -60).await;
        let client = Client::connect(
            profile(d, &server.url(), ns),
            Arc::new(StaticToken::new(expired)),
        )
        .unwrap();
        let mut events = client.subscribe();
        assert_eq!(
            client.wait_connected(Duration::from_secs(10)).await,
            Err(Error::AuthFailed(expected.into())),
            "{d}"
        );
        let mut states = Vec::new();
        while let Some(e) = events.try_recv() {
            if let DomainEvent::Connection { state } = e {
                states.push(state);
            }
        }
        assert!(
            !states.contains(&ConnectionState::Connected),
            "{d}: connected before the refusal: {states:?}"
        );
        assert_eq!(
            states.last(),
            Some(&ConnectionState::AuthFailed {
                message: expected.into()
            }),
            "{d}"
        );
        // Commands fail fast with the reason.
        let err = client
            .send(Command::JoinConversation {
                conversation_id: "c".into(),
            })
            .await
            .unwrap_err();
        assert!(
            err.code() == "auth_failed" || err.code() == "unsupported",
            "{d}: {err}"
        );
    }
}

/// With a good token, 002 is `connected` only after its `authenticated`, which the app sees.
#[tokio::test]
async fn tarot_chat_is_connected_after_the_server_confirms_the_login() {
    let d = DialectId::TarotChat;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let token = server
        .mint("11111111-1111-4111-8111-111111111111")
        .await
        .unwrap();
    let client = Client::connect(
        profile(d, &server.url(), "/"),
        Arc::new(StaticToken::new(token)),
    )
    .unwrap();
    let mut events = client.subscribe();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let mut authenticated_first = false;
    while let Some(e) = events.try_recv() {
        match e {
            DomainEvent::Authenticated { .. } => authenticated_first = true,
            DomainEvent::Connection {
                state: ConnectionState::Connected,
            } => break,
            _ => {}
        }
    }
    assert!(authenticated_first, "authenticated before connected");
}

/// The probe-free part of the renewal test: the server's copy of a conversation.
fn stored_texts(state_file: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(state_file).unwrap_or_default();
    let state: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    state["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m.to_string().contains(needle))
        .count()
}

/// Issue 15 item 7: an expired token on reconnect was final: a fresh token written to
/// `--token-file` was never read again, commands said `not_connected`, and queued messages sat
/// `pending`. Now the state says `auth_failed`, commands fail fast with it, the file is read
/// again with backoff, and once the new token works the queued message arrives, once.
#[tokio::test]
async fn an_expired_token_is_renewed_from_the_token_file_and_the_outbox_resumes() {
    let d = DialectId::SupportChat;
    let dir = scratch("renew");
    let state_file = dir.join("server-state.json");
    let state_env = state_file.to_string_lossy().to_string();
    let mut server = RefServer::start(server_file(d), &[("PARLOR_STATE_FILE", &state_env)])
        .await
        .unwrap();
    let token_file = dir.join("token");
    let ttl = 4;
    let short = mint_with_ttl(server_file(d), "1", ttl).await;
    let minted = std::time::Instant::now();
    std::fs::write(&token_file, &short).unwrap();
    let url = server.url();
    let data = dir.join("data");
    let mut s = Session::start(
        &[
            "--url",
            &url,
            "--dialect",
            "003",
            "--account-id",
            "1",
            "--token-file",
            token_file.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        None,
    );
    s.send(json!({"id": 1, "cmd": "wait_connected"})).await;
    assert_eq!(s.reply(1).await["ok"], json!(true));
    s.send(json!({"id": 2, "cmd": "join_conversation", "conversation_id": "chat-1"}))
        .await;
    assert_eq!(s.reply(2).await["ok"], json!(true));

    // The token expires; then the server restarts and refuses it on reconnect.
    let expiry = Duration::from_secs(ttl as u64 + 1);
    tokio::time::sleep(expiry.saturating_sub(minted.elapsed())).await;
    server.restart().await.unwrap();
    s.line_where(20, "auth_failed", |v| {
        v["event"] == "connection" && v["state"]["state"] == "auth_failed"
    })
    .await;
    s.send(json!({"id": 3, "cmd": "state"})).await;
    let state = s.reply(3).await;
    assert_eq!(state["state"]["state"], json!("auth_failed"), "{state}");
    assert_eq!(state["state"]["message"], json!("Token expired"), "{state}");
    s.send(json!({"id": 4, "cmd": "join_conversation", "conversation_id": "chat-1"}))
        .await;
    let refused = s.reply(4).await;
    assert_eq!(refused["error"]["code"], json!("auth_failed"), "{refused}");

    // A message queued meanwhile.
    let text = format!("queued while refused {}", std::process::id());
    s.send(
        json!({"id": 5, "cmd": "send_message", "conversation_id": "chat-1",
                  "client_id": "renew-1", "text": text}),
    )
    .await;
    assert_eq!(s.reply(5).await["ok"], json!(true));

    // A new token in the file is picked up, the socket connects, the outbox resumes.
    let fresh = server.mint("1").await.unwrap();
    std::fs::write(&token_file, &fresh).unwrap();
    s.line_where(60, "connected again", |v| {
        v["event"] == "connection" && v["state"]["state"] == "connected"
    })
    .await;
    s.line_where(30, "the queued message sent", |v| {
        v["event"] == "chat_message_changed"
            && v["message"]["client_id"] == json!("renew-1")
            && v["message"]["state"] == json!("sent")
    })
    .await;
    // Exactly once on the server: ask it after a marker message that was sent later.
    s.send(
        json!({"id": 6, "cmd": "send_message", "conversation_id": "chat-1",
                  "client_id": "renew-2", "text": "marker after"}),
    )
    .await;
    s.line_where(30, "the marker sent", |v| {
        v["event"] == "chat_message_changed"
            && v["message"]["client_id"] == json!("renew-2")
            && v["message"]["state"] == json!("sent")
    })
    .await;
    assert_eq!(stored_texts(&state_file, &text), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A source that caches a token until told it was refused, then fetches the next one (as a
/// login SDK does): counts the refusals it was told of.
struct CachingSource {
    current: Mutex<String>,
    next: String,
    refusals: Mutex<Vec<String>>,
}

impl parlor_core::TokenSource for CachingSource {
    fn token(&self) -> parlor_core::token::TokenFuture<'_> {
        let t = self.current.lock().unwrap().clone();
        Box::pin(async move { Ok(t) })
    }

    fn refused(&self, token: &str) {
        self.refusals.lock().unwrap().push(token.to_owned());
        *self.current.lock().unwrap() = self.next.clone();
    }
}

/// The transport tells a source on every refusal (`TokenSource::refused`), for the socket and
/// for REST, and then uses the source's next token.
#[tokio::test]
async fn refusals_reach_the_token_source_which_supplies_the_next_token() {
    let d = DialectId::TarotChat;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let account = "11111111-1111-4111-8111-111111111111";
    let expired = mint_with_ttl(server_file(d), account, -60).await;
    let good = server.mint(account).await.unwrap();
    let source = Arc::new(CachingSource {
        current: Mutex::new(expired.clone()),
        next: good.clone(),
        refusals: Mutex::new(Vec::new()),
    });
    let client = Client::connect(profile(d, &server.url(), "/"), source.clone()).unwrap();
    let mut events = client.subscribe();
    event_where(&mut events, 20, "connected with the renewed token", |e| {
        matches!(
            e,
            DomainEvent::Connection {
                state: ConnectionState::Connected
            }
        )
    })
    .await;
    assert_eq!(*source.refusals.lock().unwrap(), vec![expired.clone()]);

    // REST: a 401 hands the token back and the call is made once more with the next one.
    *source.current.lock().unwrap() = expired.clone();
    let rest = client.rest().unwrap();
    let sessions = rest
        .send(&RestRequest {
            method: Method::Get,
            path: "/api/chat/sessions".into(),
            query: vec![],
            body: None,
        })
        .await
        .unwrap();
    assert!(sessions.is_object() || sessions.is_array(), "{sessions}");
    assert_eq!(
        *source.refusals.lock().unwrap(),
        vec![expired.clone(), expired]
    );
}
