//! Always there: a tray icon that shows the expert's presence (online, busy, offline) and
//! what waits, with a menu to change presence, open the window and quit. Closing the window
//! while available hides it to the tray (said once, by a notification) instead of quitting, so
//! requests keep ringing; quitting while available asks first, then goes offline cleanly.

use crate::state::AppState;
use parlor_core::model::Presence;
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime, WindowEvent};
use tauri_specta::Event;

const TRAY_ID: &str = "main";

/// How many requests and calls wait, as last shown ([`show_waiting`]): the tray remembers
/// what it shows, so nothing below it needs the attention module.
#[derive(Default)]
struct ShownWaiting(AtomicUsize);

fn shown_waiting<R: Runtime>(app: &AppHandle<R>) -> usize {
    app.try_state::<ShownWaiting>()
        .map(|w| w.0.load(Ordering::Relaxed))
        .unwrap_or(0)
}

/// The page is asked to confirm quitting (the expert is available).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct QuitRequested {
    /// The presence the expert would leave.
    pub presence: Presence,
}

/// The presence changed outside the page (the tray menu).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct PresenceSet {
    /// The presence now.
    pub presence: Presence,
    /// Whether the server was told.
    pub on_server: bool,
}

fn icon(presence: Presence) -> Option<Image<'static>> {
    let bytes: &[u8] = match presence {
        Presence::Online => include_bytes!("../icons/tray-online.png"),
        Presence::Busy => include_bytes!("../icons/tray-busy.png"),
        Presence::Offline => include_bytes!("../icons/tray-offline.png"),
    };
    Image::from_bytes(bytes).ok()
}

/// The tray's words in the expert's language.
struct Words {
    online: &'static str,
    busy: &'static str,
    offline: &'static str,
    go_online: &'static str,
    go_busy: &'static str,
    go_offline: &'static str,
    open: &'static str,
    quit: &'static str,
    waiting: &'static str,
    signed_out: &'static str,
}

fn words(lang: &str) -> Words {
    if lang == "hi" {
        Words {
            online: "ऑनलाइन",
            busy: "व्यस्त",
            offline: "ऑफ़लाइन",
            go_online: "ऑनलाइन हों",
            go_busy: "व्यस्त दिखें",
            go_offline: "ऑफ़लाइन हों",
            open: "Parlor खोलें",
            quit: "बंद करें",
            waiting: "प्रतीक्षा में",
            signed_out: "साइन इन नहीं",
        }
    } else {
        Words {
            online: "Online",
            busy: "Busy",
            offline: "Offline",
            go_online: "Go online",
            go_busy: "Set busy",
            go_offline: "Go offline",
            open: "Open Parlor",
            quit: "Quit",
            waiting: "waiting",
            signed_out: "Not signed in",
        }
    }
}

/// The status line: `Online · 1 waiting`.
fn status_line(w: &Words, signed_in: bool, presence: Presence, waiting: usize) -> String {
    if !signed_in {
        return w.signed_out.to_owned();
    }
    let p = match presence {
        Presence::Online => w.online,
        Presence::Busy => w.busy,
        Presence::Offline => w.offline,
    };
    if waiting > 0 {
        format!("{p} · {waiting} {}", w.waiting)
    } else {
        p.to_owned()
    }
}

fn menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let state = app.state::<AppState>();
    let lang = state.settings.get().language.unwrap_or_else(|| "en".into());
    let w = words(&lang);
    let presence = state.presence();
    let signed_in = state.signed_in();
    let waiting = shown_waiting(app);
    let status = MenuItem::with_id(
        app,
        "status",
        status_line(&w, signed_in, presence, waiting),
        false,
        None::<&str>,
    )?;
    let online = MenuItem::with_id(
        app,
        "presence-online",
        w.go_online,
        signed_in && presence != Presence::Online,
        None::<&str>,
    )?;
    let busy = MenuItem::with_id(
        app,
        "presence-busy",
        w.go_busy,
        signed_in && presence != Presence::Busy,
        None::<&str>,
    )?;
    let offline = MenuItem::with_id(
        app,
        "presence-offline",
        w.go_offline,
        signed_in && presence != Presence::Offline,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(app, "open", w.open, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", w.quit, true, None::<&str>)?;
    Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &online,
            &busy,
            &offline,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &quit,
        ],
    )
}

/// Whether this system can show a tray icon. On Linux the tray needs the (Ayatana)
/// AppIndicator library at run time, which tray-icon loads itself and panics without.
pub fn available() -> bool {
    #[cfg(target_os = "linux")]
    {
        let dirs = [
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64",
            "/usr/lib",
        ];
        let names = ["libayatana-appindicator3.so.1", "libappindicator3.so.1"];
        dirs.iter().any(|d| {
            names
                .iter()
                .any(|n| std::path::Path::new(d).join(n).exists())
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Creates the tray icon (when the system has a tray).
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<bool> {
    if !available() {
        tracing::warn!(
            "no tray: the AppIndicator library is missing; closing the window minimizes it"
        );
        return Ok(false);
    }
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu(app)?)
        .tooltip("Parlor")
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()));
    if let Some(i) = icon(Presence::Offline) {
        builder = builder.icon(i);
    }
    builder.build(app)?;
    app.manage(ShownWaiting::default());
    Ok(true)
}

/// Shows that `waiting` requests and calls wait (the attention module tells it).
pub fn show_waiting<R: Runtime>(app: &AppHandle<R>, waiting: usize) {
    if let Some(w) = app.try_state::<ShownWaiting>() {
        w.0.store(waiting, Ordering::Relaxed);
    }
    refresh(app);
}

/// Makes the icon and the menu agree with the presence, the session and what waits.
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let state = app.state::<AppState>();
    let presence = if state.signed_in() {
        state.presence()
    } else {
        Presence::Offline
    };
    let _ = tray.set_icon(icon(presence));
    match menu(app) {
        Ok(m) => {
            let _ = tray.set_menu(Some(m));
        }
        Err(e) => tracing::warn!(error = %e, "tray menu"),
    }
    let lang = state.settings.get().language.unwrap_or_else(|| "en".into());
    let w = words(&lang);
    let waiting = shown_waiting(app);
    let _ = tray.set_tooltip(Some(format!(
        "Parlor: {}",
        status_line(&w, state.signed_in(), presence, waiting)
    )));
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let presence = match id {
        "presence-online" => Some(Presence::Online),
        "presence-busy" => Some(Presence::Busy),
        "presence-offline" => Some(Presence::Offline),
        "open" => {
            crate::window::show(app);
            None
        }
        "quit" => {
            request_quit(app);
            None
        }
        _ => None,
    };
    if let Some(p) = presence {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let state = app.state::<AppState>();
            match crate::presence::apply(&state, p).await {
                Ok(change) => {
                    let _ = PresenceSet {
                        presence: change.presence,
                        on_server: change.on_server,
                    }
                    .emit(&app);
                }
                Err(e) => tracing::warn!(code = %e.code, "presence from the tray failed"),
            }
            refresh(&app);
        });
    }
}

/// Quit from the tray: asks in the window while the expert is available, else quits.
pub fn request_quit<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let presence = state.presence();
    if state.signed_in() && presence != Presence::Offline {
        crate::window::show(app);
        let _ = QuitRequested { presence }.emit(app);
    } else {
        let app = app.clone();
        tauri::async_runtime::spawn(async move { quit(&app).await });
    }
}

/// Goes offline on the server (where it has presence), closes the session and exits.
pub async fn quit<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    if state.signed_in() && state.presence() != Presence::Offline {
        let offline = crate::presence::apply(&state, Presence::Offline);
        match tokio::time::timeout(std::time::Duration::from_secs(5), offline).await {
            Ok(Ok(_)) => tracing::info!("went offline before quitting"),
            Ok(Err(e)) => tracing::warn!(code = %e.code, "could not go offline before quitting"),
            Err(_) => tracing::warn!("the server did not confirm offline in 5 s; quitting"),
        }
    }
    if let Some(s) = state.session.lock().await.take() {
        s.close().await;
    }
    app.exit(0);
}

/// Closing the window while available keeps Parlor running in the tray (said once).
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let app = window.app_handle();
    let state = app.state::<AppState>();
    if !state.signed_in() || state.presence() == Presence::Offline {
        return; // closing quits
    }
    api.prevent_close();
    if app.tray_by_id(TRAY_ID).is_none() {
        let _ = window.minimize();
        return;
    }
    let _ = window.hide();
    let first = !state.settings.get().tray_notice_shown;
    if first {
        let _ = state.settings.update(|s| s.tray_notice_shown = true);
        let hindi = state.settings.get().language.as_deref() == Some("hi");
        let (title, body) = if hindi {
            (
                "Parlor चालू है",
                "आप उपलब्ध हैं, इसलिए Parlor ट्रे में चलता रहेगा और नए अनुरोधों पर घंटी बजेगी। बंद करने के लिए ट्रे मेनू में ‘बंद करें’ चुनें।",
            )
        } else {
            (
                "Parlor is still running",
                "You are available, so Parlor keeps running in the tray and rings for new requests. To quit, choose Quit in the tray menu.",
            )
        };
        notify_plain(app, title, body);
    }
}

fn notify_plain<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(error = %e, "tray notice failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_says_presence_and_what_waits_in_both_languages() {
        let en = words("en");
        assert_eq!(status_line(&en, true, Presence::Online, 0), "Online");
        assert_eq!(
            status_line(&en, true, Presence::Busy, 2),
            "Busy · 2 waiting"
        );
        assert_eq!(
            status_line(&en, false, Presence::Online, 0),
            "Not signed in"
        );
        assert_eq!(
            status_line(&words("hi"), true, Presence::Offline, 0),
            "ऑफ़लाइन"
        );
        for p in [Presence::Online, Presence::Busy, Presence::Offline] {
            assert!(icon(p).is_some(), "{p:?} icon decodes");
        }
    }
}
