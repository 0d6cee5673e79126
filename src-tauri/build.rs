//! Build script: tauri's build step and the provider file built into the binary.

fn main() {
    // A provider file built into the binary (app teams: PARLOR_PROVIDER_FILE=provider.toml);
    // without one, an empty file: the app asks for the server or reads one at first run.
    println!("cargo:rerun-if-env-changed=PARLOR_PROVIDER_FILE");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let text = match std::env::var("PARLOR_PROVIDER_FILE") {
        Ok(path) if !path.is_empty() => {
            println!("cargo:rerun-if-changed={path}");
            std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("PARLOR_PROVIDER_FILE {path}: {e}"))
        }
        _ => String::new(),
    };
    std::fs::write(out.join("provider.toml"), text).expect("write provider.toml");
    tauri_build::build()
}
