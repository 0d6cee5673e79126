//! `parlor connect`: drive one core client with JSON lines. Each stdin line is a command
//! `{"id": any, "cmd": "<name>", …}`; stdout carries replies `{"reply_to": id, "ok": …}` and
//! every domain event `{"event": "<name>", …}`. A bad line gets an error reply; the session
//! goes on. Besides the core's commands: `state`, `capabilities`, `wait_connected` (a barrier:
//! later lines wait until connected), `quit`. Core commands run concurrently; match replies by id.
//!
//! Bounded memory: a line longer than the limit (`--max-line-bytes`) is skipped without being
//! held, and answered with `invalid_input`; so is a line that is not UTF-8. Output goes through
//! a bounded queue: when stdout is not read, replies wait (and with them the reading of
//! stdin), while events pile up only to the core's per-subscriber bound and then give way to
//! a `lagged {missed}` event.

use crate::schema::{Reply, ReplyError};
use parlor_core::{Client, Command, Error, Request};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// The default longest input line, in bytes (the largest command, a message with a long text,
/// is far below).
pub const DEFAULT_MAX_LINE_BYTES: usize = 1024 * 1024;

/// Output lines that may wait for stdout before writers wait.
const OUTPUT_QUEUE: usize = 256;

/// One input line as read.
#[derive(Debug, PartialEq)]
pub enum InputLine {
    /// A line within the limit (without its newline).
    Line(Vec<u8>),
    /// A line over the limit, skipped to its end: its length in bytes.
    TooLong(usize),
}

/// Reads the next line, holding at most `max` bytes of it: a longer one is consumed to its
/// end and reported by length. `None` at the end of input.
pub async fn read_line_capped<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> std::io::Result<Option<InputLine>> {
    let mut line = Vec::new();
    let mut len = 0usize;
    let mut any = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(any.then(|| finish(line, len, max)));
        }
        any = true;
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        len = len.saturating_add(chunk.len());
        if len <= max {
            line.extend_from_slice(chunk);
        } else if !line.is_empty() {
            line = Vec::new(); // over the limit: drop what was held
        }
        let used = done.unwrap_or(buf.len());
        reader.consume(used);
        if done.is_some() {
            return Ok(Some(finish(line, len, max)));
        }
    }
}

fn finish(mut line: Vec<u8>, len: usize, max: usize) -> InputLine {
    if len > max {
        return InputLine::TooLong(len);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    InputLine::Line(line)
}

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
    match serde_json::from_value::<Request>(Value::Object(map)) {
        Ok(cmd) => Ok((id, Parsed::Core(cmd))),
        Err(e) => Err((id, invalid(format!("bad command {name:?}: {e}")))),
    }
}

/// A parsed input line.
#[derive(Debug)]
pub enum Parsed {
    /// A core command.
    Core(Request),
    /// A harness command with its arguments.
    Local(String, Value),
}

fn invalid(message: String) -> ReplyError {
    ReplyError {
        code: "invalid_input".into(),
        message,
        server_code: None,
        status: None,
    }
}

fn error_of(e: &Error) -> ReplyError {
    ReplyError {
        code: e.code().into(),
        message: e.to_string(),
        server_code: e.server_code().map(str::to_owned),
        status: e.http_status(),
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

/// How a session reads its input.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// After stdin ends, keep printing events this long before exiting.
    pub linger: Duration,
    /// A Messenger is attached, so `send_message` only queues and answers at once: each
    /// `send_message` line is queued before the next line is read, so messages go out in the
    /// order of the lines.
    pub ordered_sends: bool,
    /// The longest input line accepted, in bytes.
    pub max_line_bytes: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            linger: Duration::from_millis(500),
            ordered_sends: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

/// Runs the session until stdin ends (then lingers `linger` for late events) or `quit`.
pub async fn run(client: Client, linger: Duration) -> std::io::Result<()> {
    run_with(
        client,
        SessionOptions {
            linger,
            ..SessionOptions::default()
        },
    )
    .await
}

/// [`run`] with all options.
pub async fn run_with(client: Client, options: SessionOptions) -> std::io::Result<()> {
    let events = client.subscribe();
    run_subscribed(client, events, options).await
}

/// [`run_with`] on a subscription taken right after connecting: what the services publish
/// before this call (the rows a cache quarantined) is printed too.
pub async fn run_subscribed(
    client: Client,
    mut events: parlor_core::EventStream,
    options: SessionOptions,
) -> std::io::Result<()> {
    let (out_tx, mut out_rx) = mpsc::channel::<String>(OUTPUT_QUEUE);
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
    let ev_tx = out_tx.clone();
    // While stdout is not read, this waits, and the core's bounded queue of this subscriber
    // drops its oldest events (reported as `lagged`).
    let forward = tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if let Ok(line) = serde_json::to_string(&ev) {
                if ev_tx.send(line).await.is_err() {
                    break;
                }
            }
        }
    });
    let mut input = BufReader::new(tokio::io::stdin());
    let mut in_flight = tokio::task::JoinSet::new();
    while let Some(read) = read_line_capped(&mut input, options.max_line_bytes).await? {
        let line = match read {
            InputLine::TooLong(len) => {
                let message = format!(
                    "line too long: {len} bytes, the limit is {} (--max-line-bytes)",
                    options.max_line_bytes
                );
                let _ = out_tx.send(error_line(Value::Null, invalid(message))).await;
                continue;
            }
            InputLine::Line(bytes) => match String::from_utf8(bytes) {
                Ok(line) => line,
                Err(e) => {
                    let message = format!("the line is not UTF-8: {}", e.utf8_error());
                    let _ = out_tx.send(error_line(Value::Null, invalid(message))).await;
                    continue;
                }
            },
        };
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(&line) {
            Err((id, error)) => {
                let _ = out_tx.send(error_line(id, error)).await;
            }
            Ok((id, Parsed::Local(name, args))) => {
                if name == "quit" {
                    let _ = out_tx
                        .send(reply_line(&Reply {
                            reply_to: id,
                            ok: true,
                            result: None,
                            error: None,
                        }))
                        .await;
                    break;
                }
                if name == "wait_connected" {
                    // A barrier: the lines after it are read once connected (or refused).
                    let _ = out_tx.send(local(&client, id, &name, &args).await).await;
                    continue;
                }
                let client = client.clone();
                let tx = out_tx.clone();
                in_flight.spawn(async move {
                    let _ = tx.send(local(&client, id, &name, &args).await).await;
                });
            }
            Ok((id, Parsed::Core(cmd))) => {
                if options.ordered_sends
                    && matches!(cmd, Request::Server(Command::SendMessage { .. }))
                {
                    let reply = reply_line(&core_reply(id, client.send(cmd).await));
                    let _ = out_tx.send(reply).await;
                    continue;
                }
                let client = client.clone();
                let tx = out_tx.clone();
                in_flight.spawn(async move {
                    let _ = tx
                        .send(reply_line(&core_reply(id, client.send(cmd).await)))
                        .await;
                });
            }
        }
        // Finished commands leave the set as they go, so it holds only what is in flight.
        while in_flight.try_join_next().is_some() {}
    }
    while in_flight.join_next().await.is_some() {}
    tokio::time::sleep(options.linger).await;
    client.disconnect().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    forward.abort();
    drop(out_tx);
    let _ = writer.await;
    Ok(())
}

fn error_line(id: Value, error: ReplyError) -> String {
    reply_line(&Reply {
        reply_to: id,
        ok: false,
        result: None,
        error: Some(error),
    })
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
        assert!(matches!(
            p,
            Parsed::Core(Request::Server(Command::JoinConversation { .. }))
        ));
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

    #[tokio::test]
    async fn long_lines_are_skipped_whole_and_short_ones_read() {
        let input = format!("ab\r\n{}\nlast", "x".repeat(50));
        // A tiny buffer, so lines span many reads.
        let mut r = tokio::io::BufReader::with_capacity(4, input.as_bytes());
        let mut got = Vec::new();
        while let Some(l) = read_line_capped(&mut r, 10).await.unwrap() {
            got.push(l);
        }
        assert_eq!(
            got,
            vec![
                InputLine::Line(b"ab".to_vec()),
                InputLine::TooLong(50),
                InputLine::Line(b"last".to_vec()),
            ]
        );
    }
}
