//! Reading a login answer: the token and its lifetime wherever the provider puts them, its
//! error message, and the claims of a JWT (never verified here: the server does that).

use super::*;

/// The server's words in a refusal: `message`, `error` (text) or `error.message`.
pub(super) fn server_message(v: &Value) -> Option<String> {
    let text = v
        .get("message")
        .or_else(|| v.get("error").filter(|e| e.is_string()))
        .or_else(|| v.get("error").and_then(|e| e.get("message")))?
        .as_str()?
        .trim();
    (!text.is_empty()).then(|| text.chars().take(200).collect())
}

/// The token, its expiry (seconds since the epoch) and the account from a login answer.
pub(super) fn read_token(
    answer: &Value,
    token_field: &str,
) -> Result<(String, Option<u64>, Option<String>), TokenError> {
    let token = match answer {
        Value::String(s) => s.trim().to_owned(),
        _ => answer
            .get(token_field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    };
    if token.is_empty() {
        return Err(TokenError("the login answer has no token".into()));
    }
    let now = now_secs();
    let expires_at = answer
        .get("expires_in")
        .and_then(Value::as_u64)
        .map(|s| now.saturating_add(s))
        .or_else(|| {
            answer
                .get("expires_at")
                .and_then(Value::as_str)
                .and_then(|s| humantime::parse_rfc3339_weak(s.trim_end_matches('Z')).ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs())
        })
        .or_else(|| jwt_claim(&token, "exp").and_then(|v| v.as_u64()));
    let account = ["account_id", "user_id", "id"]
        .iter()
        .find_map(|k| match answer.get(*k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
        .or_else(|| jwt_subject(&token));
    Ok((token, expires_at, account))
}

/// A claim of a JWT's payload, read without checking the signature (only to know when to
/// refresh, or whose token it is: the server checks the signature).
fn jwt_claim(token: &str, name: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64url_decode(payload)?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .get(name)
        .cloned()
}

/// The `sub` (account id) of a JWT, when the token is one.
pub fn jwt_subject(token: &str) -> Option<String> {
    match jwt_claim(token, "sub")? {
        Value::String(s) if !s.trim().is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}
