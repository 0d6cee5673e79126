use super::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A login endpoint on 127.0.0.1: answers each POST with `{"token": "t<n>", "expires_in"}`
/// (n counts logins), or 401 for the wrong password.
async fn login_server(expires_in: u64) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/login", listener.local_addr().unwrap());
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let mut got = Vec::new();
            // Headers, then the body by Content-Length.
            loop {
                let n = sock.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let text = String::from_utf8_lossy(&got).to_string();
            let (status, body) = if text.contains("\"password\":\"right\"") {
                let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                (
                    "200 OK",
                    format!("{{\"token\":\"t{n}\",\"expires_in\":{expires_in}}}"),
                )
            } else {
                (
                    "401 Unauthorized",
                    "{\"error\":{\"message\":\"Wrong user name or password\"}}".to_owned(),
                )
            };
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        }
    });
    (url, count)
}

fn source(url: &str, password: &str) -> LoginToken {
    LoginToken::new(
        LoginSpec::url(url),
        Credentials {
            username: "astro_sharma".into(),
            password: password.into(),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn a_token_is_reused_until_near_its_expiry_then_fetched_again() {
    let (url, count) = login_server(3600).await;
    let src = source(&url, "right");
    assert_eq!(src.token().await.unwrap(), "t1");
    assert_eq!(src.token().await.unwrap(), "t1");
    assert_eq!(count.load(Ordering::SeqCst), 1);

    // A token that lives 4 s is inside its 5 s refresh margin at once: every ask logs in.
    let (url, count) = login_server(4).await;
    let src = source(&url, "right");
    assert_eq!(src.token().await.unwrap(), "t1");
    assert_eq!(src.token().await.unwrap(), "t2");
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert_eq!(src.logins(), 2);
}

#[tokio::test]
async fn a_refused_token_is_replaced_once_then_the_source_gives_up() {
    let (url, count) = login_server(3600).await;
    let src = source(&url, "right");
    let first = src.token().await.unwrap();
    // Used for a while (reconnects), then refused: one fresh login.
    assert_eq!(src.token().await.unwrap(), first);
    src.refused(&first);
    let second = src.token().await.unwrap();
    assert_ne!(second, first);
    // An old token's refusal changes nothing.
    src.refused(&first);
    assert_eq!(src.token().await.unwrap(), second);
    // The fresh token refused at its first use, then: the second login's token is
    // refused at once too, so the source gives up.
    src.refused(&second);
    let third = src.token().await.unwrap();
    src.refused(&third);
    let err = src.token().await.unwrap_err();
    assert!(err.0.contains("sign in again"), "{err}");
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn wrong_credentials_are_a_token_error_with_the_servers_words() {
    let (url, _) = login_server(3600).await;
    let err = source(&url, "wrong").token().await.unwrap_err();
    assert!(
        err.0.contains("401") && err.0.contains("Wrong user name"),
        "{err}"
    );
    assert!(!format!("{:?}", source(&url, "wrong")).contains("wrong\""));
}

#[tokio::test]
async fn a_login_command_gets_the_credentials_on_stdin() {
    let spec = LoginSpec::Command {
        command: vec![
            "sh".into(),
            "-c".into(),
            // Echo a token built from the user name it was given.
            r#"read creds; case "$creds" in *'"password":"right"'*) echo "{\"token\":\"cmd-token\",\"expires_in\":600}";; *) exit 3;; esac"#.into(),
        ],
    };
    let creds = |p: &str| Credentials {
        username: "u".into(),
        password: p.into(),
    };
    let ok = LoginToken::new(spec.clone(), creds("right")).unwrap();
    assert_eq!(ok.token().await.unwrap(), "cmd-token");
    let bad = LoginToken::new(spec, creds("nope")).unwrap();
    assert!(bad.token().await.unwrap_err().0.contains("refused"));
}

#[test]
fn expiry_comes_from_the_answer_or_the_jwts_exp_and_plain_http_stays_local() {
    let now = now_secs();
    let (_, exp, _) = read_token(
        &serde_json::json!({"token": "x", "expires_in": 60}),
        "token",
    )
    .unwrap();
    assert!(exp.unwrap() >= now + 60);
    // {"sub":"a","exp":2000000000}
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIiwiZXhwIjoyMDAwMDAwMDAwfQ.sig";
    assert_eq!(
        read_token(&Value::String(jwt.into()), "token").unwrap().1,
        Some(2_000_000_000)
    );
    assert_eq!(jwt_subject(jwt).as_deref(), Some("a"));
    assert_eq!(
        read_token(&serde_json::json!({"token": "x", "user_id": 42}), "token")
            .unwrap()
            .2
            .as_deref(),
        Some("42")
    );
    assert!(read_token(&serde_json::json!({"nothing": 1}), "token").is_err());
    assert!(LoginSpec::url("http://login.example.com/x")
        .validate()
        .is_err());
    assert!(LoginSpec::url("http://127.0.0.1:9/x").validate().is_ok());
    assert!(LoginSpec::url("https://login.example.com/x")
        .validate()
        .is_ok());
}
