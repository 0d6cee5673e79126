//! The provider file: what an app team ships so that an expert sees only their provider and
//! their own credentials. Found, in order: `--provider <file>` or `PARLOR_PROVIDER`, then
//! `provider.toml` in the app's config directory (dropped there at first run), then the file
//! built into the binary (`PARLOR_PROVIDER_FILE` at build time). No provider: the sign-in
//! form asks for the server itself.
//!
//! ```toml
//! name = "AstroVani"                      # branding: the name experts know
//! tagline = "Consult with your clients"   # optional
//! accent = "#7b5cff"                      # branding colours (CSS hex)
//! accent_dark = "#24135f"
//! currency = "INR"                        # amounts without a unit are in this currency
//! dialect = "presence-sessions"
//! socket_url = "https://chat.astrovani.example"
//! namespace = "/"                         # optional
//! rest_url = "https://api.astrovani.example"   # optional
//! billing_minute_ms = 60000               # optional (test servers shorten it)
//! [login]                                 # optional: without it the expert pastes a token
//! url = "https://api.astrovani.example/api/login"   # or: command = ["/usr/lib/astrovani/login"]
//! username_label = "Phone or e-mail"      # optional
//! ```

use crate::error::{AppError, AppResult};
use parlor_core::login_token::LoginSpec;
use parlor_core::{DialectId, ServerProfile};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The provider built into this binary (empty when none was given at build time).
const BUILT_IN: &str = include_str!(concat!(env!("OUT_DIR"), "/provider.toml"));

/// How the provider's login works.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProviderLogin {
    /// The login itself.
    #[serde(flatten)]
    pub spec: LoginSpec,
    /// What the user-name field is called on this provider.
    #[serde(default)]
    pub username_label: Option<String>,
}

/// A provider file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// The name experts know.
    pub name: String,
    /// A line under the name.
    #[serde(default)]
    pub tagline: Option<String>,
    /// Accent colour (CSS hex).
    #[serde(default)]
    pub accent: Option<String>,
    /// Dark accent colour (CSS hex).
    #[serde(default)]
    pub accent_dark: Option<String>,
    /// Currency of amounts the server sends without a unit.
    #[serde(default)]
    pub currency: Option<String>,
    /// The server's protocol (any spelling `DialectId` parses: `"support-chat"`, `"003"`).
    #[serde(deserialize_with = "dialect_from_str")]
    pub dialect: DialectId,
    /// Socket.IO URL.
    pub socket_url: String,
    /// Namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// REST base URL.
    #[serde(default)]
    pub rest_url: Option<String>,
    /// Length of a billed minute in ms.
    #[serde(default)]
    pub billing_minute_ms: Option<u32>,
    /// How to get a token; none: the expert pastes one.
    #[serde(default)]
    pub login: Option<ProviderLogin>,
}

/// What the page is told about the provider (no secrets are in a provider file anyway).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ProviderInfo {
    /// The name experts know.
    pub name: String,
    /// A line under the name.
    pub tagline: Option<String>,
    /// Accent colour.
    pub accent: Option<String>,
    /// Dark accent colour.
    pub accent_dark: Option<String>,
    /// Currency of amounts without a unit.
    pub currency: Option<String>,
    /// True: user name and password; false: a pasted token.
    pub has_login: bool,
    /// What the user-name field is called.
    pub username_label: Option<String>,
    /// The server (shown under Advanced, for app teams).
    pub socket_url: String,
    /// The protocol (Advanced).
    pub dialect: DialectId,
}

fn is_colour(c: &str) -> bool {
    let hex = c.strip_prefix('#').unwrap_or("");
    matches!(hex.len(), 3 | 6) && hex.chars().all(|x| x.is_ascii_hexdigit())
}

impl Provider {
    /// Parses and checks a provider file's text.
    pub fn from_toml(text: &str) -> AppResult<Provider> {
        let p: Provider = toml::from_str(text).map_err(|e| {
            AppError::new(
                "invalid_input",
                format!("The provider file is not valid: {}.", e.message()),
            )
        })?;
        p.server_profile()?;
        for c in [&p.accent, &p.accent_dark].into_iter().flatten() {
            if !is_colour(c) {
                return Err(AppError::new(
                    "invalid_input",
                    format!("The provider file's colour {c:?} is not a #rgb or #rrggbb colour."),
                ));
            }
        }
        if let Some(l) = &p.login {
            l.spec.validate().map_err(|e| {
                AppError::new(
                    "invalid_input",
                    format!("The provider file's login: {}.", e.0),
                )
            })?;
        }
        Ok(p)
    }

    /// The core profile for this provider's server.
    pub fn server_profile(&self) -> AppResult<ServerProfile> {
        let mut p = ServerProfile::new(self.dialect, self.socket_url.clone());
        p.name = self.name.clone();
        p.rest_url = self.rest_url.clone();
        if let Some(ns) = &self.namespace {
            p.namespace = ns.clone();
        }
        if let Some(ms) = self.billing_minute_ms {
            p.billing_minute_ms = u64::from(ms);
        }
        p.validate().map_err(|e| {
            AppError::new("invalid_input", format!("The provider file's server: {e}."))
        })?;
        Ok(p)
    }

    /// What the page shows.
    pub fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: self.name.clone(),
            tagline: self.tagline.clone(),
            accent: self.accent.clone(),
            accent_dark: self.accent_dark.clone(),
            currency: self.currency.clone(),
            has_login: self.login.is_some(),
            username_label: self.login.as_ref().and_then(|l| l.username_label.clone()),
            socket_url: self.socket_url.clone(),
            dialect: self.dialect,
        }
    }
}

/// A dialect as the provider file spells it, refused in words that name the key.
fn dialect_from_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DialectId, D::Error> {
    let raw = String::deserialize(d)?;
    raw.parse()
        .map_err(|e| serde::de::Error::custom(format!("dialect: {e}")))
}

/// `--provider <file>` / `--provider=<file>`, else `PARLOR_PROVIDER`.
fn provider_arg(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        if a == "--provider" {
            return args.next().map(PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--provider=") {
            return Some(PathBuf::from(p));
        }
    }
    std::env::var_os("PARLOR_PROVIDER")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The provider in force, if any; a broken file is logged and skipped (the app still starts).
pub fn load(args: impl IntoIterator<Item = String>, config_dir: &Path) -> Option<Provider> {
    let candidates = [provider_arg(args), Some(config_dir.join("provider.toml"))];
    for path in candidates.into_iter().flatten() {
        match std::fs::read_to_string(&path) {
            Ok(text) => match Provider::from_toml(&text) {
                Ok(p) => return Some(p),
                Err(e) => {
                    tracing::error!(file = %path.display(), error = %e.message, "provider file unusable")
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::error!(file = %path.display(), error = %e, "provider file unreadable")
            }
        }
    }
    if BUILT_IN.trim().is_empty() {
        return None;
    }
    Provider::from_toml(BUILT_IN)
        .map_err(|e| tracing::error!(error = %e.message, "built-in provider unusable"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r##"
name = "AstroVani"
accent = "#7b5cff"
currency = "INR"
dialect = "presence-sessions"
socket_url = "http://127.0.0.1:5000"
[login]
url = "http://127.0.0.1:5000/api/login"
username_label = "Phone or e-mail"
"##;

    #[test]
    fn a_provider_file_names_the_server_and_how_to_log_in() {
        let p = Provider::from_toml(FILE).unwrap();
        let info = p.info();
        assert_eq!(info.name, "AstroVani");
        assert!(info.has_login);
        assert_eq!(info.username_label.as_deref(), Some("Phone or e-mail"));
        assert_eq!(info.dialect, DialectId::PresenceSessions);
        assert_eq!(p.server_profile().unwrap().namespace, "/");
        assert!(matches!(
            p.login.unwrap().spec,
            LoginSpec::Url { ref url, .. } if url.ends_with("/api/login")
        ));
    }

    #[test]
    fn a_bad_provider_file_is_refused_in_words() {
        for (bad, word) in [
            (FILE.replace("#7b5cff", "purple"), "colour"),
            (FILE.replace("presence-sessions", "matrix"), "dialect"),
            (
                FILE.replace("http://127.0.0.1:5000/api", "http://login.example.com/api"),
                "https",
            ),
            (format!("surprise = 1\n{FILE}"), "valid"),
        ] {
            let e = Provider::from_toml(&bad).unwrap_err();
            assert!(e.message.contains(word), "{word}: {}", e.message);
        }
    }

    #[test]
    fn the_command_line_names_the_provider_file_first() {
        let dir = std::env::temp_dir().join(format!("parlor-provider-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("mine.toml");
        std::fs::write(&file, FILE).unwrap();
        let args = vec![
            "parlor-desktop".to_string(),
            format!("--provider={}", file.display()),
        ];
        assert_eq!(load(args, &dir).unwrap().name, "AstroVani");
        // The config directory's file at first run.
        std::fs::write(
            dir.join("provider.toml"),
            FILE.replace("AstroVani", "Other"),
        )
        .unwrap();
        assert_eq!(load(Vec::<String>::new(), &dir).unwrap().name, "Other");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
