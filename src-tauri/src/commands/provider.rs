//! Sign-in for experts through their provider: the provider file names the server; the
//! expert gives only their user name and password (a login URL or command turns them into a
//! token, refreshed as it expires) or, for providers without a login, pastes a token. The
//! credentials go to the OS keyring (one entry, `provider`), never to a file.

use crate::error::{AppError, AppResult};
use crate::events::spawn_forwarder;
use crate::provider::ProviderInfo;
use crate::session::{Session, SessionInfo};
use crate::state::AppState;
use parlor_core::login_token::{jwt_subject, Credentials, LoginToken};
use parlor_core::token::SharedTokenSource;
use parlor_core::StaticToken;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tauri::{AppHandle, State};

/// The keyring entry of the provider's credentials.
const KEY: &str = "provider";

/// What is kept in the keyring for the provider.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Kept {
    Login { username: String, password: String },
    Token { token: String },
}

/// The provider and who signed in last (their user name, never the password).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ProviderState {
    /// The provider, when this app has one.
    pub provider: Option<ProviderInfo>,
    /// The user name saved from the last sign-in (login providers).
    pub saved_username: Option<String>,
    /// Whether credentials are saved (sign in again with one click).
    pub has_saved: bool,
}

/// The provider of this app (null: the sign-in form asks for the server).
#[tauri::command]
#[specta::specta]
pub fn provider_state(state: State<'_, AppState>) -> ProviderState {
    let kept = state
        .secrets()
        .ok()
        .and_then(|s| s.get(KEY).ok().flatten())
        .and_then(|t| serde_json::from_str::<Kept>(&t).ok());
    ProviderState {
        provider: state.provider.as_ref().map(|p| p.info()),
        saved_username: match &kept {
            Some(Kept::Login { username, .. }) => Some(username.clone()),
            _ => None,
        },
        has_saved: kept.is_some(),
    }
}

/// Signs in through the provider. `username` + `secret` (the password) for providers with a
/// login, `secret` alone (the token) for the others; both empty: the saved credentials.
#[tauri::command]
#[specta::specta]
pub async fn provider_sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    username: Option<String>,
    secret: Option<String>,
) -> AppResult<SessionInfo> {
    let provider = state
        .provider
        .clone()
        .ok_or_else(|| AppError::new("no_profile", "This app has no provider file."))?;
    let secrets = state.secrets()?;
    let given = secret
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let kept = match (&provider.login, given) {
        (Some(_), Some(password)) => Kept::Login {
            username: username.unwrap_or_default().trim().to_owned(),
            password,
        },
        (None, Some(token)) => Kept::Token { token },
        (_, None) => secrets
            .get(KEY)?
            .and_then(|t| serde_json::from_str::<Kept>(&t).ok())
            .ok_or_else(|| AppError::new("auth_failed", "Enter your sign-in details."))?,
    };
    let mut profile = provider.server_profile()?;
    let tokens: SharedTokenSource = match (&provider.login, &kept) {
        (Some(login), Kept::Login { username, password }) => {
            if username.is_empty() {
                return Err(AppError::new("invalid_input", "Enter your user name."));
            }
            let source = LoginToken::new(
                login.spec.clone(),
                Credentials {
                    username: username.clone(),
                    password: password.clone(),
                },
            )
            .map_err(|e| AppError::new("invalid_input", e.0))?;
            // Wrong credentials show at once, in the login server's words.
            source.login_now().await.map_err(|e| {
                AppError::new("auth_failed", format!("The sign-in was refused: {}.", e.0))
            })?;
            profile.account_id = source.account_id().or_else(|| Some(username.clone()));
            Arc::new(source)
        }
        (None, Kept::Token { token }) => {
            profile.account_id = jwt_subject(token);
            Arc::new(StaticToken::new(token.clone()))
        }
        _ => {
            return Err(AppError::new(
                "auth_failed",
                "The saved sign-in no longer fits this provider. Enter your details again.",
            ))
        }
    };
    let mut slot = state.session.lock().await;
    if let Some(old) = slot.take() {
        old.close().await;
        state.set_signed_in(false);
    }
    let forward = |events| spawn_forwarder(app.clone(), events);
    let mut session =
        Session::open(forward, &state.data_dir, profile, tokens, Some(KEY.into())).await?;
    session.info.currency = provider.currency.clone();
    // Kept only once they worked.
    secrets.set(
        KEY,
        &serde_json::to_string(&kept).expect("credentials serialize"),
    )?;
    let info = session.info.clone();
    *slot = Some(session);
    state.set_signed_in(true);
    crate::tray::refresh(&app);
    Ok(info)
}

/// Forgets the saved provider credentials (the "not you?" link).
#[tauri::command]
#[specta::specta]
pub fn provider_forget(state: State<'_, AppState>) -> AppResult<()> {
    Ok(state.secrets()?.delete(KEY)?)
}
