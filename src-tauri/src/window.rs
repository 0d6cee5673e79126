//! The main window, brought to the front (the tray's "Open", a notification's click).

use tauri::{AppHandle, Manager, Runtime};

/// Shows, unminimizes and focuses the main window.
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}
