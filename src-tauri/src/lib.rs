//! # parlor-desktop
//!
//! Parlor for experts: a thin Tauri 2 shell over `parlor-core`. Commands (one module per
//! domain in [`commands`]) build core `Command`s and call `Client::send`; one task per
//! session forwards core events to the page as the typed [`events::CoreEvent`], with Tauri
//! Channels for the meter, recording levels, upload progress and playback. The page's
//! TypeScript bindings (`ui/src/bindings.ts`) are generated from these commands
//! ([`bindings_builder`]); errors cross as `{code, message}` ([`error::AppError`]).

pub mod attention;
pub mod commands;
pub mod demo;
pub mod error;
pub mod events;
pub mod lists;
pub mod logging;
pub mod notice;
pub mod presence;
pub mod profiles;
pub mod provider;
pub mod session;
pub mod settings;
pub mod state;
pub mod tray;
pub mod window;

use crate::attention::Attention;
use crate::demo::Demo;
use crate::events::{CoreEvent, Streams};
use crate::session::Session;
use crate::settings::SettingsStore;
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
    use commands::{
        account, calls, consultations, messaging, presence, provider, settings, streams, support,
        update, voice,
    };
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
            provider::provider_state,
            provider::provider_sign_in,
            provider::provider_forget,
            presence::set_presence,
            presence::presence,
            presence::watch_experts,
            consultations::answer_request,
            consultations::start_consultation,
            consultations::pause_consultation,
            consultations::resume_consultation,
            consultations::end_consultation,
            consultations::observe_consultations,
            messaging::join_conversation,
            messaging::leave_conversation,
            messaging::observe_chats,
            messaging::refresh_chats,
            messaging::observe_messages,
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
            settings::get_settings,
            settings::save_settings,
            settings::list_output_devices,
            settings::test_ring,
            settings::quit_app,
            support::diagnostics,
            update::check_update,
            update::install_update,
        ])
        .events(collect_events![
            CoreEvent,
            attention::ShowWaiting,
            tray::QuitRequested,
            tray::PresenceSet
        ])
        // The sign-in form's dialects come from the core: the page names none itself.
        .typ::<parlor_core::dialect::DialectSetup>()
        .constant("DIALECTS", parlor_core::dialect::dialect_setups())
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
    // Kept for the whole run: dropping it would stop the log file's writer.
    let _log = logging::init();
    tracing::info!(version = %context.package_info().version, "Parlor starting");
    let demo = Demo::from_args(std::env::args());
    // Started at login (autostart): straight to the tray, no window in the expert's face.
    let minimized = std::env::args().any(|a| a == AUTOSTART_ARG);
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
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![AUTOSTART_ARG]),
        ))
        .invoke_handler(invoke)
        .on_window_event(tray::on_window_event)
        .setup(move |app| {
            builder.mount_events(app);
            let paths = app.path();
            let config_dir = paths.app_config_dir()?;
            let data_dir = paths.app_data_dir()?;
            let secrets = KeyringStore::open(APP_ID).map(|k| Arc::new(k) as Arc<dyn SecretStore>);
            if let Err(e) = &secrets {
                tracing::warn!(error = %e, "no keyring: tokens cannot be saved");
            }
            let settings = SettingsStore::load(&config_dir, system_locale().as_deref());
            app.manage(Streams::default());
            let provider = provider::load(std::env::args(), &config_dir);
            let mut state = AppState::new(config_dir, data_dir, secrets, demo, settings);
            state.provider = provider;
            app.manage(state);
            app.manage(Attention::new());
            if let Err(e) = tray::create(app.handle()) {
                tracing::warn!(error = %e, "the tray icon could not be created");
            }
            if minimized && app.tray_by_id("main").is_some() {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.hide();
                }
            }
            spawn_attention_clock(app.handle().clone());
            sign_in_demo(app.handle().clone());
            Ok(())
        })
        .run(context)
        .expect("the Parlor window could not start");
}

/// The argument the start-at-login entry passes.
pub const AUTOSTART_ARG: &str = "--autostart";

/// The system's locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), for the first start's language.
fn system_locale() -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty() && v != "C" && v != "POSIX")
}

/// Once a second: requests whose time ran out stop ringing even if no verdict came.
fn spawn_attention_clock(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            app.state::<Attention>().tick(&app);
        }
    });
}

/// Demo mode: signs in with the demo profile's own token source, in the background.
fn sign_in_demo(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let Some(demo) = &state.demo else { return };
        let profile = demo.profile.clone();
        let tokens = profile.token.source();
        let forward = |events| events::spawn_forwarder(app.clone(), events);
        let outcome = match Session::open(forward, &state.data_dir, profile, tokens, None).await {
            Ok(mut session) => {
                // The demo's reference servers bill in rupees (tests/servers/README.md).
                session.info.currency = Some("INR".into());
                let info = session.info.clone();
                *state.session.lock().await = Some(session);
                state.set_signed_in(true);
                tray::refresh(&app);
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
