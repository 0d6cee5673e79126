//! Starting the reference servers (`tests/servers/*.js`) as child processes, the way a client
//! meets them: a port from their `READY <port>` line, tokens from their `--mint`.

use parlor_core::DialectId;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Why a server could not be started or asked.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Node.js or npm is missing or failed.
    #[error("{0}")]
    Node(String),
    /// The server did not print READY.
    #[error("{file} did not start: {reason}")]
    Start {
        /// The script.
        file: String,
        /// Why.
        reason: String,
    },
    /// `--mint` failed.
    #[error("cannot mint a token for {account}: {reason}")]
    Mint {
        /// The account asked for.
        account: String,
        /// Why.
        reason: String,
    },
}

/// The folder holding the reference servers: `PARLOR_SERVERS_DIR`, else this repository's.
pub fn servers_dir() -> PathBuf {
    std::env::var_os("PARLOR_SERVERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../servers"))
}

/// The script of a dialect's reference server.
pub fn server_file(d: DialectId) -> &'static str {
    match d {
        DialectId::BillingChat => "000_billing_chat.js",
        DialectId::PresenceSessions => "001_presence_sessions.js",
        DialectId::TarotChat => "002_tarot_chat.js",
        DialectId::SupportChat => "003_support_chat.js",
        DialectId::Telecaller => "004_telecaller_calls.js",
    }
}

/// The transport probe's script.
pub const PROBE: &str = "transport_probe.js";

/// Installs the servers' npm dependencies (from the lockfile) if they are missing.
pub async fn ensure_dependencies() -> Result<(), ServerError> {
    let dir = servers_dir();
    if dir.join("node_modules/socket.io").is_dir() {
        return Ok(());
    }
    eprintln!("installing the reference servers' dependencies (npm ci) …");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .status()
        .await
        .map_err(|e| {
            ServerError::Node(format!("cannot run npm (is Node.js 20 installed?): {e}"))
        })?;
    if !status.success() {
        return Err(ServerError::Node(format!(
            "npm ci failed in {}",
            dir.display()
        )));
    }
    Ok(())
}

/// How the reference servers run (their own modes; `tests/servers/README.md`): the document
/// plus our extensions (`default`), the document only (`seed-only`), or the document as
/// another team would have written it (`drift:<seed>`). Chosen for a whole test run by
/// `PARLOR_SERVER_MODE`, so that the same suites prove the same promises against each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    /// The document plus the extensions.
    Default,
    /// Only what the document prints.
    SeedOnly,
    /// Seed-only, with what the document leaves open varied from this seed.
    Drift(u32),
}

impl ServerMode {
    /// The mode `PARLOR_SERVER_MODE` names (`default`, `seed-only`, `drift:<seed>`); unset is
    /// `default`. Anything else stops the run: a typo must not silently test the default.
    pub fn from_env() -> ServerMode {
        let raw = std::env::var("PARLOR_SERVER_MODE").unwrap_or_default();
        match raw.trim() {
            "" | "default" => ServerMode::Default,
            "seed-only" => ServerMode::SeedOnly,
            other => match other.strip_prefix("drift:").map(str::parse::<u32>) {
                Some(Ok(seed)) => ServerMode::Drift(seed),
                _ => panic!(
                    "PARLOR_SERVER_MODE={other:?}: expected default, seed-only or drift:<seed>"
                ),
            },
        }
    }

    /// True when the servers carry our extensions (fields, events and acks no document
    /// defines): tests may then also check what the extensions add.
    pub fn has_extensions(self) -> bool {
        self == ServerMode::Default
    }

    /// The servers' environment for this mode.
    fn env(self) -> Vec<(String, String)> {
        match self {
            ServerMode::Default => vec![],
            ServerMode::SeedOnly => vec![("PARLOR_SEED_ONLY".into(), "1".into())],
            ServerMode::Drift(seed) => vec![("PARLOR_DRIFT".into(), seed.to_string())],
        }
    }
}

/// A running reference server.
pub struct RefServer {
    child: Option<Child>,
    file: String,
    port: u16,
    env: Vec<(String, String)>,
    args: Vec<String>,
}

impl RefServer {
    /// Starts `file` on a free port with extra environment.
    pub async fn start(file: &str, env: &[(&str, &str)]) -> Result<RefServer, ServerError> {
        Self::start_on(file, 0, env).await
    }

    /// Starts `file` on `port` (0: any free port).
    pub async fn start_on(
        file: &str,
        port: u16,
        env: &[(&str, &str)],
    ) -> Result<RefServer, ServerError> {
        Self::start_with_args(file, port, env, &[]).await
    }

    /// Starts `file` on `port` with extra command-line arguments (`--tls-cert`, …).
    pub async fn start_with_args(
        file: &str,
        port: u16,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Result<RefServer, ServerError> {
        ensure_dependencies().await?;
        // The run's mode first, so that a test's own environment can still override it.
        let env: Vec<(String, String)> = ServerMode::from_env()
            .env()
            .into_iter()
            .chain(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (child, port) = launch(file, port, &env, &args).await?;
        Ok(RefServer {
            child: Some(child),
            file: file.into(),
            port,
            env,
            args,
        })
    }

    /// What the server stored for a conversation, through its test-only debug endpoint
    /// (`GET /debug/messages`; 001, 002, 003): `(sender, text)` in the order stored.
    pub async fn stored_messages(
        &self,
        conversation: &str,
    ) -> Result<Vec<(String, String)>, ServerError> {
        self.stored_fields(conversation, "sender", "text").await
    }

    /// The ids the server gave the messages of a conversation (`GET /debug/messages`; 001,
    /// 002, 003): `(server id, text)` in the order stored, to hold a client's record of which
    /// answer was whose against.
    pub async fn stored_message_ids(
        &self,
        conversation: &str,
    ) -> Result<Vec<(String, String)>, ServerError> {
        self.stored_fields(conversation, "id", "text").await
    }

    /// Two fields of each message `GET /debug/messages` lists for `conversation`, as text
    /// (`null` as empty, numbers as written).
    async fn stored_fields(
        &self,
        conversation: &str,
        first: &str,
        second: &str,
    ) -> Result<Vec<(String, String)>, ServerError> {
        let url = format!("{}/debug/messages", self.url());
        let body: serde_json::Value = reqwest::Client::new()
            .get(url)
            .query(&[("conversation", conversation)])
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| ServerError::Node(format!("GET /debug/messages: {e}")))?
            .json()
            .await
            .map_err(|e| ServerError::Node(format!("GET /debug/messages: {e}")))?;
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        Ok(body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| (text(&m[first]), text(&m[second])))
            .collect())
    }

    /// What the server says about its mode and, in drift, its choices (`GET /drift`), for a
    /// failing test to print.
    pub async fn drift_report(&self) -> String {
        match reqwest::get(format!("{}/drift", self.url())).await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(e) => format!("GET /drift failed: {e}"),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its script.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Asks for a graceful stop (SIGTERM) and waits for the exit.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ = Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .await;
            }
            if tokio::time::timeout(Duration::from_secs(5), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }

    /// Kills the process outright (SIGKILL), as a crash would.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts it again on the same port with the same environment.
    pub async fn restart(&mut self) -> Result<(), ServerError> {
        self.stop().await;
        let (child, port) = launch(&self.file, self.port, &self.env, &self.args).await?;
        self.child = Some(child);
        self.port = port;
        Ok(())
    }

    /// A token for a seeded account of this server.
    pub async fn mint(&self, account: &str) -> Result<String, ServerError> {
        mint(&self.file, account).await
    }
}

impl Drop for RefServer {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }
}

async fn launch(
    file: &str,
    port: u16,
    env: &[(String, String)],
    args: &[String],
) -> Result<(Child, u16), ServerError> {
    let script = servers_dir().join(file);
    let mut cmd = Command::new("node");
    cmd.arg(&script)
        .args(["--port", &port.to_string()])
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| ServerError::Node(format!("cannot run node: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| ServerError::Node("no stdout".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(p) = line.strip_prefix("READY ") {
                return p.trim().parse::<u16>().ok();
            }
        }
        None
    })
    .await;
    match ready {
        Ok(Some(port)) => {
            // Keep draining stdout so the server never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            Ok((child, port))
        }
        Ok(None) => Err(ServerError::Start {
            file: file.into(),
            reason: "exited before READY".into(),
        }),
        Err(_) => Err(ServerError::Start {
            file: file.into(),
            reason: "no READY within 20 s".into(),
        }),
    }
}

/// A token for `account` of the server `file`, minted by the script itself.
pub async fn mint(file: &str, account: &str) -> Result<String, ServerError> {
    let out = Command::new("node")
        .arg(servers_dir().join(file))
        .args(["--mint", account])
        .output()
        .await
        .map_err(|e| ServerError::Node(format!("cannot run node: {e}")))?;
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || token.is_empty() {
        return Err(ServerError::Mint {
            account: account.into(),
            reason: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(token)
}

/// The seeded accounts of `file` as JSON (`--list-accounts`).
pub async fn list_accounts(file: &str) -> Result<serde_json::Value, ServerError> {
    let out = Command::new("node")
        .arg(servers_dir().join(file))
        .arg("--list-accounts")
        .output()
        .await
        .map_err(|e| ServerError::Node(format!("cannot run node: {e}")))?;
    serde_json::from_slice(&out.stdout)
        .map_err(|e| ServerError::Node(format!("{file} --list-accounts: {e}")))
}
