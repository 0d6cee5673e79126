//! `parlor connect`: drive one core client with JSON lines. Each stdin line is a command
//! `{"id": any, "cmd": "<name>", …}`; stdout carries replies `{"reply_to": id, "ok": …}` and
//! every domain event `{"event": "<name>", …}`. A bad line gets an error reply; the session
//! goes on. Besides the core's commands: `state`, `capabilities`, `wait_connected` (a barrier:
//! later lines wait until connected), `quit`. Core commands run concurrently; match replies by id.

use crate::schema::{Reply, ReplyError};
use parlor_core::{Client, Command, Error};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Commands the harness answers itself.
const LOCAL: &[&str] = &["state", "capabilities", "wait_connected", "quit"];

/// Parses one input line into its id and command (or a harness command name).
pub fn parse_line(line: &str) -> Result<(Value, Parsed), (Value, ReplyError)> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| (Value::Null, invalid(format!("not JSON: {e}"))))?;
    let Value::Object(mut map) = value else {
        return Err((
            Value::Null,
            invalid("a command must be a JSON object".into()),
        ));
    };
    let id = map.remove("id").unwrap_or(Value::Null);
    let name = match map.get("cmd") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err((id, invalid("missing \"cmd\" (see `parlor schema`)".into()))),
    };
    if LOCAL.contains(&name.as_str()) {
        return Ok((id, Parsed::Local(name, Value::Object(map))));
    }
    match serde_json::from_value::<Command>(Value::Object(map)) {
        Ok(cmd) => Ok((id, Parsed::Core(cmd))),
        Err(e) => Err((id, invalid(format!("bad command {name:?}: {e}")))),
    }
}

/// A parsed input line.
#[derive(Debug)]
pub enum Parsed {
    /// A core command.
    Core(Command),
    /// A harness command with its arguments.
    Local(String, Value),
}

fn invalid(message: String) -> ReplyError {
    ReplyError {
        code: "invalid_input".into(),
        message,
    }
}

fn error_of(e: &Error) -> ReplyError {
    ReplyError {
        code: e.code().into(),
        message: e.to_string(),
    }
}

fn core_reply(id: Value, result: Result<Vec<parlor_core::DomainEvent>, Error>) -> Reply {
    match result {
        Ok(result) => Reply {
            reply_to: id,
            ok: true,
            result: Some(result),
            error: None,
        },
        Err(e) => Reply {
            reply_to: id,
            ok: false,
            result: None,
            error: Some(error_of(&e)),
        },
    }
}

fn reply_line(reply: &Reply) -> String {
    serde_json::to_string(reply).unwrap_or_else(|_| "{\"ok\":false}".into())
}

/// Runs the session until stdin ends (then lingers `linger` for late events) or `quit`.
pub async fn run(client: Client, linger: Duration) -> std::io::Result<()> {
    run_with(client, linger, false).await
}

/// [`run`], and with `ordered_sends` (a Messenger is attached, so `send_message` only queues
/// and answers at once) each `send_message` line is queued before the next line is read:
/// messages go out in the order of the lines.
pub async fn run_with(
    client: Client,
    linger: Duration,
    ordered_sends: bool,
) -> std::io::Result<()> {
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
    // One writer, so replies and events never interleave within a line.
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(line) = out_rx.recv().await {
            if stdout.write_all(line.as_bytes()).await.is_err()
                || stdout.write_all(b"\n").await.is_err()
            {
                break;
            }
            let _ = stdout.flush().await;
        }
    });
    let mut events = client.subscribe();
    let ev_tx = out_tx.clone();
    let forward = tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if let Ok(line) = serde_json::to_string(&ev) {
                if ev_tx.send(line).is_err() {
                    break;
                }
            }
        }
    });
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut in_flight = tokio::task::JoinSet::new();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(&line) {
            Err((id, error)) => {
                let _ = out_tx.send(reply_line(&Reply {
                    reply_to: id,
                    ok: false,
                    result: None,
                    error: Some(error),
                }));
            }
            Ok((id, Parsed::Local(name, args))) => {
                if name == "quit" {
                    let _ = out_tx.send(reply_line(&Reply {
                        reply_to: id,
                        ok: true,
                        result: None,
                        error: None,
                    }));
                    break;
                }
                if name == "wait_connected" {
                    // A barrier: the lines after it are read once connected (or refused).
                    let _ = out_tx.send(local(&client, id, &name, &args).await);
                    continue;
                }
                let client = client.clone();
                let tx = out_tx.clone();
                in_flight.spawn(async move {
                    let _ = tx.send(local(&client, id, &name, &args).await);
                });
            }
            Ok((id, Parsed::Core(cmd))) => {
                if ordered_sends && matches!(cmd, Command::SendMessage { .. }) {
                    let _ = out_tx.send(reply_line(&core_reply(id, client.send(cmd).await)));
                    continue;
                }
                let client = client.clone();
                let tx = out_tx.clone();
                in_flight.spawn(async move {
                    let _ = tx.send(reply_line(&core_reply(id, client.send(cmd).await)));
                });
            }
        }
    }
    while in_flight.join_next().await.is_some() {}
    tokio::time::sleep(linger).await;
    client.disconnect().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    forward.abort();
    drop(out_tx);
    let _ = writer.await;
    Ok(())
}

async fn local(client: &Client, id: Value, name: &str, args: &Value) -> String {
    match name {
        "state" => json!({ "reply_to": id, "ok": true, "state": client.state() }).to_string(),
        "capabilities" => json!({
            "reply_to": id, "ok": true,
            "dialect": client.dialect().as_str(),
            "capabilities": client.capabilities(),
        })
        .to_string(),
        _ => {
            let ms = args
                .get("timeout_ms")
                .and_then(Value::as_u64)
                .unwrap_or(10_000);
            match client.wait_connected(Duration::from_millis(ms)).await {
                Ok(()) => reply_line(&Reply {
                    reply_to: id,
                    ok: true,
                    result: None,
                    error: None,
                }),
                Err(e) => reply_line(&Reply {
                    reply_to: id,
                    ok: false,
                    result: None,
                    error: Some(error_of(&e)),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_into_commands_or_typed_errors() {
        let (id, p) =
            parse_line(r#"{"id":7,"cmd":"join_conversation","conversation_id":"c"}"#).unwrap();
        assert_eq!(id, json!(7));
        assert!(matches!(p, Parsed::Core(Command::JoinConversation { .. })));
        let (id, p) = parse_line(r#"{"id":"a","cmd":"state"}"#).unwrap();
        assert_eq!(id, json!("a"));
        assert!(matches!(p, Parsed::Local(n, _) if n == "state"));
        for bad in [
            "not json",
            "[1,2]",
            r#"{"id":1}"#,
            r#"{"id":1,"cmd":"fly"}"#,
            r#"{"id":1,"cmd":"join_conversation"}"#,
            r#"{"cmd":"set_typing","conversation_id":"c","typing":"yes"}"#,
        ] {
            let (_, e) = parse_line(bad).unwrap_err();
            assert_eq!(e.code, "invalid_input", "{bad}");
        }
        let (id, _) = parse_line(r#"{"id":{"k":1},"cmd":"fly"}"#).unwrap_err();
        assert_eq!(id, json!({"k":1}));
    }
}
