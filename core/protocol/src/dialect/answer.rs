//! Server answers that a document leaves open (acks it never defines, REST bodies it does not
//! print) and the server's own error codes in any payload. The rule for answers: an empty
//! answer, `true`, `{ok: true}`, `{success: true}` or any body that is not recognisably an
//! error is success; a recognisable error keeps the server's code and message.

use super::DialectError;
use serde_json::{Map, Value};

/// The server's code and message from an error payload of any common shape: a bare string,
/// `{code | errorCode | error_code, message | msg | detail | reason | description}`, an
/// `error` that is the message (`{error: "Session not found"}`), the code (`{error:
/// "ERROR_CODE", message}`) or an object (`{error: {code, message}}`), `errors: [..]`, or
/// all of these under `data` (`{event: "error", data}`).
pub fn error_parts(v: &Value) -> (Option<String>, Option<String>) {
    let mut code = None;
    let mut message = None;
    fill(v, &mut code, &mut message, 0);
    (code, message)
}

fn fill(v: &Value, code: &mut Option<String>, message: &mut Option<String>, depth: u8) {
    if depth > 3 {
        return;
    }
    match v {
        Value::String(s) if !s.trim().is_empty() && message.is_none() => {
            *message = Some(s.clone());
        }
        Value::Object(m) => {
            if code.is_none() {
                *code = first_text(m, &["code", "errorCode", "error_code", "errCode"]);
            }
            if message.is_none() {
                *message = first_str(
                    m,
                    &[
                        "message",
                        "msg",
                        "detail",
                        "reason",
                        "description",
                        "error_description",
                    ],
                );
            }
            match m.get("error") {
                Some(Value::String(e)) if !e.trim().is_empty() => {
                    if code.is_none() && looks_like_code(e) {
                        *code = Some(e.clone());
                    }
                    if message.is_none() {
                        *message = Some(e.clone());
                    }
                }
                Some(e @ Value::Object(_)) => fill(e, code, message, depth + 1),
                _ => {}
            }
            if let Some(first) = m
                .get("errors")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            {
                fill(first, code, message, depth + 1);
            }
            if let Some(data) = m.get("data") {
                fill(data, code, message, depth + 1);
            }
        }
        _ => {}
    }
}

fn first_str(m: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|k| m.get(*k)?.as_str())
        .find(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

fn first_text(m: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match m.get(*k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// `ERROR_CODE`, `CHAT_ACCESS_DENIED`, `not_found`, `E42`: one word, no spaces, upper case
/// or with underscores.
fn looks_like_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
        && (s.contains('_') || !s.chars().any(|c| c.is_ascii_lowercase()))
}

/// The server's refusal in an answer, if the answer is recognisably one: `false`,
/// `{ok: false}`, `{success: false}`, `{status: "error" | "fail" | …}` or an HTTP-like
/// `status` ≥ 400, `{event: "error"}`, a non-empty `error` or `errors`. An explicit
/// `ok: true` / `success: true` wins over everything else.
pub fn refusal(answer: &Value) -> Option<DialectError> {
    let refused = match answer {
        Value::Bool(false) => true,
        Value::Object(m) => refused(m),
        _ => false,
    };
    if !refused {
        return None;
    }
    let (code, message) = error_parts(answer);
    Some(DialectError::Rejected {
        code,
        message: message.unwrap_or_else(|| "the server refused".into()),
    })
}

fn refused(m: &Map<String, Value>) -> bool {
    let flag = |k: &str| m.get(k).and_then(Value::as_bool);
    if flag("ok") == Some(true) || flag("success") == Some(true) {
        return false;
    }
    let status_says_error = ["status", "statusCode"].iter().any(|k| match m.get(*k) {
        Some(Value::String(s)) => matches!(
            s.to_ascii_lowercase().as_str(),
            "error"
                | "fail"
                | "failed"
                | "failure"
                | "rejected"
                | "denied"
                | "forbidden"
                | "unauthorized"
        ),
        Some(Value::Number(n)) => n.as_u64().is_some_and(|c| (400..600).contains(&c)),
        _ => false,
    });
    let error_present = match m.get("error") {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Bool(b)) => *b,
        // An error object counts when it says something (a code or a message).
        Some(e @ Value::Object(_)) => error_parts(e) != (None, None),
        Some(Value::Number(_)) => true,
        _ => false,
    };
    let errors_present = m
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let error_event = matches!(
        m.get("event").and_then(Value::as_str),
        Some("error" | "exception")
    );
    flag("ok") == Some(false)
        || flag("success") == Some(false)
        || status_says_error
        || error_present
        || errors_present
        || error_event
}

/// Success or the server's refusal, for an answer the document never defines.
pub fn accepted(answer: &Value) -> Result<(), DialectError> {
    refusal(answer).map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rejected(code: Option<&str>, message: &str) -> Option<DialectError> {
        Some(DialectError::Rejected {
            code: code.map(str::to_owned),
            message: message.into(),
        })
    }

    #[test]
    fn answers_that_are_not_recognisably_errors_are_success() {
        for ok in [
            json!(null),
            json!(true),
            json!({}),
            json!({"ok": true}),
            json!({"success": true, "error": "ignored when success is explicit"}),
            json!({"status": "success"}),
            json!({"joined": "s1"}),
            json!("joined"),
            json!(42),
            json!([]),
            json!({"error": null, "errors": []}),
        ] {
            assert_eq!(refusal(&ok), None, "{ok}");
        }
    }

    #[test]
    fn refusals_keep_the_servers_code_and_message() {
        assert_eq!(
            refusal(&json!({"ok": false, "code": "NOT_A_PARTICIPANT", "message": "no"})),
            rejected(Some("NOT_A_PARTICIPANT"), "no")
        );
        // 002's error format: `error` is the text, `code` the code.
        assert_eq!(
            refusal(
                &json!({"success": false, "error": "Session is inactive", "code": "SESSION_INACTIVE", "details": []})
            ),
            rejected(Some("SESSION_INACTIVE"), "Session is inactive")
        );
        // 000's chat-error shape: `error` is the code.
        assert_eq!(
            refusal(&json!({"error": "CHAT_ACCESS_DENIED", "message": "denied"})),
            rejected(Some("CHAT_ACCESS_DENIED"), "denied")
        );
        // 003's error envelope, with a string or an object.
        assert_eq!(
            refusal(&json!({"event": "error", "data": "Chat not found"})),
            rejected(None, "Chat not found")
        );
        assert_eq!(
            refusal(
                &json!({"event": "error", "data": {"code": "CHAT_CLOSED", "message": "closed"}})
            ),
            rejected(Some("CHAT_CLOSED"), "closed")
        );
        assert_eq!(
            refusal(&json!({"error": {"code": 403, "message": "Forbidden"}})),
            rejected(Some("403"), "Forbidden")
        );
        assert_eq!(
            refusal(&json!({"status": "error", "errors": [{"msg": "bad id"}]})),
            rejected(None, "bad id")
        );
        assert_eq!(refusal(&json!(false)), rejected(None, "the server refused"));
        assert_eq!(
            refusal(&json!({"statusCode": 404, "message": "Not Found"})),
            rejected(None, "Not Found")
        );
    }

    #[test]
    fn error_parts_read_every_common_shape() {
        assert_eq!(error_parts(&json!("boom")), (None, Some("boom".into())));
        assert_eq!(
            error_parts(&json!({"error": "Unauthorized"})),
            (None, Some("Unauthorized".into()))
        );
        assert_eq!(
            error_parts(&json!({"error": "ERROR_CODE"})),
            (Some("ERROR_CODE".into()), Some("ERROR_CODE".into()))
        );
        assert_eq!(error_parts(&json!({"x": 1})), (None, None));
        assert_eq!(error_parts(&json!([1])), (None, None));
    }
}
