//! Tokens from a provider's login: a URL that takes the expert's user name and password and
//! answers with a token (and how long it lives), or a command the app team ships that prints
//! one. [`LoginToken`] is a [`TokenSource`]: it logs in on first use, hands out the same token
//! until shortly before it expires, then logs in again; a token the server refuses is
//! forgotten ([`TokenSource::refused`]) and replaced by a fresh login once; when the server
//! refuses that fresh token too, the source gives up (wrong account, revoked access) instead of
//! logging in forever.
//!
//! The login URL's answer is JSON: `{"token": "…", "expires_in": 3600}` (seconds), or
//! `expires_at` (ISO 8601), field names configurable; without either, a JWT's own `exp` claim
//! is used. A command gets the credentials as JSON on stdin and prints the token alone, or the
//! same JSON object. Secrets never reach `Debug` output, errors or logs.

use crate::token::{TokenError, TokenFuture, TokenSource};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod read;
#[cfg(test)]
mod tests;

pub use read::jwt_subject;
use read::{read_token, server_message};

/// How a provider hands out tokens (the `[login]` table of a provider file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum LoginSpec {
    /// `POST url` with `{"<username_field>": …, "<password_field>": …}`.
    Url {
        /// The login endpoint (https, or http to this machine only).
        url: String,
        /// The request's user-name field.
        #[serde(default = "default_username_field")]
        username_field: String,
        /// The request's password field.
        #[serde(default = "default_password_field")]
        password_field: String,
        /// The answer's token field.
        #[serde(default = "default_token_field")]
        token_field: String,
    },
    /// A program run without a shell: credentials as JSON on stdin, the token on stdout.
    Command {
        /// The program and its arguments.
        command: Vec<String>,
    },
}

fn default_username_field() -> String {
    "username".into()
}
fn default_password_field() -> String {
    "password".into()
}
fn default_token_field() -> String {
    "token".into()
}

impl LoginSpec {
    /// A login URL with the default field names.
    pub fn url(url: impl Into<String>) -> Self {
        LoginSpec::Url {
            url: url.into(),
            username_field: default_username_field(),
            password_field: default_password_field(),
            token_field: default_token_field(),
        }
    }

    /// Checks the spec: a login URL carries a password, so it must be https unless it points
    /// at this machine; a command must name a program.
    pub fn validate(&self) -> Result<(), TokenError> {
        match self {
            LoginSpec::Url { url, .. } => {
                let u = url::Url::parse(url)
                    .map_err(|e| TokenError(format!("the login URL {url:?} is invalid: {e}")))?;
                let local = match u.host() {
                    Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    None => false,
                };
                match u.scheme() {
                    "https" => Ok(()),
                    "http" if local => Ok(()),
                    _ => Err(TokenError(format!(
                        "the login URL {url:?} must use https (it carries the password)"
                    ))),
                }
            }
            LoginSpec::Command { command } if command.is_empty() => {
                Err(TokenError("the login command is empty".into()))
            }
            LoginSpec::Command { .. } => Ok(()),
        }
    }
}

/// The expert's user name and password (kept in memory only; `Debug` hides the password).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name (or phone, or e-mail) the provider asks for.
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <redacted>)", self.username)
    }
}

/// A token the login issued.
struct Issued {
    token: String,
    /// The account the login answer (or the JWT's `sub`) names.
    account: Option<String>,
    /// Seconds since the epoch when it stops working, when known.
    expires_at: Option<u64>,
    /// Seconds since the epoch when it was issued.
    issued_at: u64,
    /// Times handed out: a token refused at its first use never worked.
    handed_out: u32,
    /// It was fetched because the server refused the one before.
    after_refusal: bool,
}

#[derive(Default)]
struct State {
    current: Option<Issued>,
    /// The next login replaces a refused token.
    refused_before: bool,
    /// Why the source gave up (the server refused a token fresh from the login).
    gave_up: Option<String>,
    logins: u64,
}

/// A token source backed by a provider's login; see the module doc.
pub struct LoginToken {
    spec: LoginSpec,
    credentials: Credentials,
    http: reqwest::Client,
    state: Mutex<State>,
}

impl std::fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginToken")
            .field("spec", &self.spec)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// Seconds since the epoch.
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// How long before its expiry a token is replaced: a tenth of its life, 5 s to 60 s.
fn refresh_margin(lifetime: u64) -> u64 {
    (lifetime / 10).clamp(5, 60)
}

impl LoginToken {
    /// A source that logs in with `credentials` as `spec` says (nothing is sent until the first
    /// token is asked for).
    pub fn new(spec: LoginSpec, credentials: Credentials) -> Result<LoginToken, TokenError> {
        spec.validate()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| TokenError(format!("no HTTP client for the login: {e}")))?;
        Ok(LoginToken {
            spec,
            credentials,
            http,
            state: Mutex::new(State::default()),
        })
    }

    /// Logs in now (the sign-in button: wrong credentials show at once), keeping the token.
    pub async fn login_now(&self) -> Result<(), TokenError> {
        let (token, expires_at, account) = self.login().await?;
        self.keep(token, expires_at, account);
        Ok(())
    }

    /// The account id the last login named (`account_id`, `user_id` or `id` in its answer,
    /// else the token's JWT `sub`), for protocols that repeat our own id.
    pub fn account_id(&self) -> Option<String> {
        let st = crate::sync::lock(&self.state);
        st.current.as_ref().and_then(|i| i.account.clone())
    }

    /// How many logins this source made (a refresh is a login).
    pub fn logins(&self) -> u64 {
        crate::sync::lock(&self.state).logins
    }

    /// The cached token, when it is still good for more than the refresh margin.
    fn cached(&self) -> Option<String> {
        let mut st = crate::sync::lock(&self.state);
        let now = now_secs();
        let fresh = st.current.as_ref().is_some_and(|i| match i.expires_at {
            None => true,
            Some(exp) => {
                let life = exp.saturating_sub(i.issued_at);
                now.saturating_add(refresh_margin(life)) < exp
            }
        });
        if !fresh {
            return None;
        }
        let issued = st.current.as_mut().expect("checked");
        issued.handed_out = issued.handed_out.saturating_add(1);
        Some(issued.token.clone())
    }

    fn keep(&self, token: String, expires_at: Option<u64>, account: Option<String>) {
        let mut st = crate::sync::lock(&self.state);
        let after_refusal = std::mem::take(&mut st.refused_before);
        st.logins += 1;
        st.current = Some(Issued {
            token,
            account,
            expires_at,
            issued_at: now_secs(),
            handed_out: 0,
            after_refusal,
        });
    }

    async fn login(&self) -> Result<(String, Option<u64>, Option<String>), TokenError> {
        let answer = match &self.spec {
            LoginSpec::Url {
                url,
                username_field,
                password_field,
                token_field,
            } => {
                let body = serde_json::json!({
                    username_field.as_str(): self.credentials.username,
                    password_field.as_str(): self.credentials.password,
                });
                let answer = self.post(url, &body).await?;
                (answer, token_field.as_str())
            }
            LoginSpec::Command { command } => (self.run_command(command).await?, "token"),
        };
        read_token(&answer.0, answer.1)
    }

    async fn post(&self, url: &str, body: &Value) -> Result<Value, TokenError> {
        // A login server that is briefly away gets three tries, a second apart, then two.
        let mut last = String::new();
        for pause in [0u64, 1, 2] {
            tokio::time::sleep(Duration::from_secs(pause)).await;
            let response = match self.http.post(url).json(body).send().await {
                Ok(r) => r,
                Err(e) => {
                    last = format!("the login server could not be reached: {e}");
                    continue;
                }
            };
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if status.is_server_error() {
                last = format!("the login server failed (HTTP {})", status.as_u16());
                continue;
            }
            if !status.is_success() {
                let said = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| server_message(&v))
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                return Err(TokenError(format!(
                    "the login was refused (HTTP {}){said}",
                    status.as_u16()
                )));
            }
            return serde_json::from_str(&text)
                .map_err(|_| TokenError("the login answer is not JSON".into()));
        }
        Err(TokenError(last))
    }

    async fn run_command(&self, command: &[String]) -> Result<Value, TokenError> {
        use tokio::io::AsyncWriteExt;
        let (program, args) = command
            .split_first()
            .ok_or_else(|| TokenError("the login command is empty".into()))?;
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| TokenError(format!("the login command {program:?} did not start: {e}")))?;
        let input = serde_json::json!({
            "username": self.credentials.username,
            "password": self.credentials.password,
        });
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.to_string().as_bytes()).await;
        }
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .map_err(|_| TokenError("the login command took longer than a minute".into()))?
            .map_err(|e| TokenError(format!("the login command failed: {e}")))?;
        if !out.status.success() {
            return Err(TokenError(format!(
                "the login command refused the sign-in ({})",
                out.status
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok(serde_json::from_str::<Value>(&text)
            .ok()
            .filter(Value::is_object)
            .unwrap_or(Value::String(text)))
    }
}

impl TokenSource for LoginToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            if let Some(why) = crate::sync::lock(&self.state).gave_up.clone() {
                return Err(TokenError(why));
            }
            if let Some(t) = self.cached() {
                return Ok(t);
            }
            let (token, expires_at, account) = self.login().await?;
            self.keep(token.clone(), expires_at, account);
            let mut st = crate::sync::lock(&self.state);
            if let Some(i) = st.current.as_mut() {
                i.handed_out = 1;
            }
            Ok(token)
        })
    }

    fn refused(&self, token: &str) {
        let mut st = crate::sync::lock(&self.state);
        let Some(issued) = st.current.as_ref().filter(|i| i.token == token) else {
            return; // an older token: the current one is already newer
        };
        if issued.after_refusal && issued.handed_out <= 1 {
            st.gave_up = Some(
                "the server refused the token the login had just issued; sign in again".into(),
            );
        } else {
            st.refused_before = true;
        }
        st.current = None;
    }
}
