//! Writes `ui/src/bindings.ts` from the app's commands and events.

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(parlor_desktop::BINDINGS_PATH);
    match parlor_desktop::export_bindings(&path) {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => {
            eprintln!("could not export the bindings: {e}");
            std::process::exit(1);
        }
    }
}
