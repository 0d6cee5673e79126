//! Security checks: TLS certificates are verified (a self-signed server is refused unless the
//! profile trusts its certificate), and no token ends up in the harness output, the logs or
//! the cache files.

use parlor_core::transport::{Method, RestClient, RestRequest};
use parlor_core::{
    Client, Command, ConnectionState, DialectId, DomainEvent, ServerProfile, StaticToken,
};
use parlor_harness::servers::{server_file, RefServer, PROBE};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// A self-signed certificate for localhost and 127.0.0.1, made with openssl.
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success());
    (cert, key)
}

#[tokio::test]
async fn a_self_signed_server_is_refused_unless_its_certificate_is_trusted() {
    let dir = std::env::temp_dir().join(format!("parlor-tls-{}", std::process::id()));
    let (cert, key) = self_signed(&dir);
    let server = RefServer::start_with_args(
        PROBE,
        0,
        &[],
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    )
    .await
    .unwrap();
    let url = format!("https://localhost:{}", server.port());

    // Not trusted: never connects, and says why.
    let untrusted = Client::connect(
        ServerProfile::new(DialectId::SupportChat, url.clone()),
        Arc::new(StaticToken::new("valid")),
    )
    .unwrap();
    let mut events = untrusted.subscribe();
    let reason = loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
            Ok(Some(DomainEvent::Connection {
                state: ConnectionState::Reconnecting { reason, .. },
            })) => break reason,
            Ok(Some(DomainEvent::Connection {
                state: ConnectionState::Connected,
            })) => panic!("connected to an untrusted certificate"),
            Ok(Some(_)) => {}
            other => panic!("no refusal: {other:?}"),
        }
    };
    assert!(reason.contains("cannot connect"), "{reason}");
    assert!(!untrusted.state().is_connected());
    untrusted.disconnect().await;
    let rest = RestClient::new(url.clone(), Arc::new(StaticToken::new("valid")), None).unwrap();
    let health = RestRequest {
        method: Method::Get,
        path: "/health".into(),
        query: vec![],
        body: None,
    };
    assert!(
        rest.send(&health).await.is_err(),
        "REST refuses the certificate too"
    );

    // Trusted explicitly by the profile: connects, and REST works.
    let mut profile = ServerProfile::new(DialectId::SupportChat, url.clone());
    profile.trusted_certificate = Some(cert.clone());
    let trusted = Client::connect(profile, Arc::new(StaticToken::new("valid"))).unwrap();
    trusted
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let echo = trusted
        .send(Command::Raw {
            event: "echo".into(),
            payload: json!("over tls"),
            ack: true,
        })
        .await
        .unwrap();
    assert_eq!(
        echo,
        vec![DomainEvent::RawReply {
            wire_event: "echo".into(),
            args: vec![json!("over tls")]
        }]
    );
    let pem = std::fs::read(&cert).unwrap();
    let rest = RestClient::new(url, Arc::new(StaticToken::new("valid")), Some(&pem)).unwrap();
    assert_eq!(rest.send(&health).await.unwrap(), json!({"ok": true}));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn tokens_never_reach_output_logs_or_cache_files() {
    let server = RefServer::start(
        server_file(DialectId::BillingChat),
        &[("PARLOR_BILLING_MINUTE_MS", "400")],
    )
    .await
    .unwrap();
    let token = server.mint("u-asha").await.unwrap();
    let data = std::env::temp_dir().join(format!("parlor-leak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args([
            "connect",
            "--url",
            &server.url(),
            "--dialect",
            "000",
            "--account-id",
            "u-asha",
            "--linger-ms",
            "800",
        ])
        .arg("--data-dir")
        .arg(&data)
        .env("PARLOR_TOKEN", &token)
        .env("PARLOR_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in [
        r#"{"id":1,"cmd":"wait_connected"}"#,
        r#"{"id":2,"cmd":"request_consultation","expert_id":"a-sharma","kind":"text"}"#,
        r#"{"id":3,"cmd":"list_consultations"}"#,
        r#"{"id":4,"cmd":"raw","event":"chat-request","payload":{"bad":true}}"#,
    ] {
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("consultation_list"),
        "the session really ran: {stdout}"
    );
    assert!(!stdout.contains(&token), "token in stdout");
    assert!(!stderr.contains(&token), "token in the logs");
    // The token's signature alone must not appear either.
    let signature = token.rsplit('.').next().unwrap();
    let mut files = 0;
    for entry in walk(&data) {
        let bytes = std::fs::read(&entry).unwrap();
        files += 1;
        assert!(
            !contains(&bytes, token.as_bytes()) && !contains(&bytes, signature.as_bytes()),
            "token in {}",
            entry.display()
        );
    }
    assert!(files >= 1, "the cache was written");
    let _ = std::fs::remove_dir_all(data);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
