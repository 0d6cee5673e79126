//! # parlor-desktop
//!
//! Parlor for experts: a thin Tauri 2 shell over `parlor-core`. Commands (one module per
//! domain in [`commands`]) build core `Command`s and call `Client::send`; one task per
//! session forwards core events to the page as the typed [`events::CoreEvent`], with Tauri
//! Channels for the meter, recording levels, upload progress and playback. The page's
//! TypeScript bindings (`ui/src/bindings.ts`) are generated from these commands
//! ([`bindings_builder`]); errors cross as `{code, message}` ([`error::AppError`]).

pub mod commands;
pub mod demo;
pub mod error;
pub mod events;
pub mod profiles;
pub mod session;
pub mod state;

use crate::demo::Demo;
use crate::events::{CoreEvent, Streams};
use crate::session::Session;
use crate::state::AppState;
use parlor_core::secrets::{KeyringStore, SecretStore};
use std::sync::Arc;
use tauri::Manager;
use tauri_specta::{collect_commands, collect_events, Builder};

/// The keyring service name (and the app's identifier).
pub const APP_ID: &str = "app.parlor.desktop";

/// Where the generated bindings go, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/bindings.ts";

/// Every command and event the page can use; the source of `ui/src/bindings.ts`.
pub fn bindings_builder() -> Builder<tauri::Wry> {
    use commands::{account, calls, consultations, messaging, presence, streams, voice};
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            account::list_profiles,
            account::save_profile,
            account::delete_profile,
            account::sign_in,
            account::sign_out,
            account::current_session,
            account::connection_state,
            account::demo_info,
            presence::set_presence,
            presence::presence,
            presence::watch_experts,
            consultations::answer_request,
            consultations::start_consultation,
            consultations::pause_consultation,
            consultations::resume_consultation,
            consultations::end_consultation,
            consultations::list_consultations,
            messaging::join_conversation,
            messaging::leave_conversation,
            messaging::list_conversations,
            messaging::load_messages,
            messaging::send_message,
            messaging::set_typing,
            messaging::mark_read,
            messaging::react,
            messaging::retry_message,
            messaging::discard_message,
            messaging::search_messages,
            voice::list_input_devices,
            voice::start_recording,
            voice::pause_recording,
            voice::resume_recording,
            voice::cancel_recording,
            voice::stop_recording,
            voice::send_voice_note_file,
            voice::cancel_voice_note,
            voice::play_voice_note,
            voice::pause_voice_note,
            voice::resume_voice_note,
            voice::seek_voice_note,
            voice::stop_voice_note,
            calls::accept_call,
            calls::reject_call,
            calls::end_call,
            calls::set_microphone,
            calls::set_camera,
            calls::call_state,
            calls::call_history,
            streams::subscribe_meter,
            streams::subscribe_voice_levels,
            streams::subscribe_upload_progress,
            streams::subscribe_playback,
        ])
        .events(collect_events![CoreEvent])
        // Millisecond counters and sizes stay far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One type per Rust type (optional fields read `?: T | null`), not split
        // `_Serialize` / `_Deserialize` twins: the page only needs to read them.
        .disable_serde_phases()
}

/// The bindings as TypeScript, for `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    bindings_builder()
        .export(
            specta_typescript::Typescript::default().header(
                "// Generated from src-tauri by `cargo run -p parlor-desktop --example export-bindings`.\n// Do not edit: `cargo test -p parlor-desktop` fails when this file is stale.\n",
            ),
            path,
        )
        .map_err(|e| e.to_string())
}

/// Runs the app (blocks until it quits).
pub fn run(context: tauri::Context<tauri::Wry>) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,parlor_core=info".into()),
        )
        .try_init();
    let demo = Demo::from_args(std::env::args());
    let builder = bindings_builder();
    let invoke = builder.invoke_handler();
    tauri::Builder::default()
        // First: a second launch hands its arguments here and quits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(invoke)
        .setup(move |app| {
            builder.mount_events(app);
            let paths = app.path();
            let config_dir = paths.app_config_dir()?;
            let data_dir = paths.app_data_dir()?;
            let secrets = KeyringStore::open(APP_ID).map(|k| Arc::new(k) as Arc<dyn SecretStore>);
            if let Err(e) = &secrets {
                tracing::warn!(error = %e, "no keyring: tokens cannot be saved");
            }
            app.manage(Streams::default());
            app.manage(AppState::new(config_dir, data_dir, secrets, demo));
            sign_in_demo(app.handle().clone());
            Ok(())
        })
        .run(context)
        .expect("the Parlor window could not start");
}

/// Demo mode: signs in with the demo profile's own token source, in the background.
fn sign_in_demo(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let Some(demo) = &state.demo else { return };
        let profile = demo.profile.clone();
        let tokens = profile.token.source();
        let outcome = match Session::open(&app, &state.data_dir, profile, tokens, None).await {
            Ok(session) => {
                let info = session.info.clone();
                *state.session.lock().await = Some(session);
                Ok(info)
            }
            Err(e) => {
                tracing::error!(code = %e.code, message = %e.message, "demo sign-in failed");
                Err(e)
            }
        };
        demo.finish(outcome);
    });
}

#[cfg(test)]
mod tests {
    /// The checked-in `ui/src/bindings.ts` must be what the commands generate now.
    #[test]
    fn checked_in_bindings_are_current() {
        let fresh = std::env::temp_dir().join(format!("parlor-bindings-{}.ts", std::process::id()));
        super::export_bindings(&fresh).unwrap();
        let generated = std::fs::read_to_string(&fresh).unwrap();
        let _ = std::fs::remove_file(&fresh);
        let checked_in = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(super::BINDINGS_PATH),
        )
        .unwrap_or_default();
        assert!(
            generated == checked_in,
            "ui/src/bindings.ts is stale: run `cargo run -p parlor-desktop --example export-bindings`"
        );
        for name in ["signIn", "answerRequest", "subscribeMeter", "coreEvent"] {
            assert!(generated.contains(name), "bindings lack {name}");
        }
    }
}
