//! `cargo run -p uniffi-bindgen -- generate --language kotlin --library <lib.so> --out-dir <dir>`
fn main() {
    uniffi::uniffi_bindgen_main()
}
