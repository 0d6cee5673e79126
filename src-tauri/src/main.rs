//! The desktop app's entry point: everything is in the library (`parlor_desktop::run`).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    #[allow(unused_mut)]
    let mut context = tauri::generate_context!();
    // Test-only: the e2e suite's "newer version" of the app, which its updater test serves as
    // a signed update (`--features e2e-next-version`; never in a release).
    #[cfg(feature = "e2e-next-version")]
    {
        context.config_mut().version = Some("0.99.0".into());
        context.package_info_mut().version = "0.99.0".parse().expect("a version");
    }
    parlor_desktop::run(context)
}
