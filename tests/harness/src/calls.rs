//! Calls in the harness: every client `parlor connect` or a script makes gets the call
//! services its dialect needs, with the loopback media engine (the harness moves no real
//! audio or video; the LiveKit engine is for the apps).

use parlor_core::calls::{self, CallService, LoopbackEngine, MediaEngine};
use parlor_core::store::Store;
use parlor_core::{Client, ServerProfile};
use std::sync::Arc;

/// Attaches the call services of `client`'s dialect with a fresh loopback engine, and
/// `store` for the call history. Returns the call service (004) and its engine.
pub fn attach(client: &Client, store: Option<Store>) -> Option<(CallService, LoopbackEngine)> {
    let engine = LoopbackEngine::new();
    let media: Arc<dyn MediaEngine> = Arc::new(engine.clone());
    calls::attach(client, Some(media), store).map(|s| (s, engine))
}

/// The cache `parlor connect` keeps the call history in: only when `PARLOR_DATA_DIR` is set
/// and the profile names the account (one database per account and server).
pub fn cache_for(profile: &ServerProfile) -> Option<Store> {
    let dir = std::env::var_os("PARLOR_DATA_DIR")?;
    let account = profile.account_id.as_deref()?;
    match Store::open_for(dir.as_ref(), profile, account) {
        Ok(store) => Some(store),
        Err(e) => {
            tracing::warn!(dir = ?dir, error = %e, "no call history: cache unavailable");
            None
        }
    }
}
