#![no_main]
//! Fuzzes the telecaller dialect's event and answer decoders.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::run(parlor_core::dialect::DialectId::Telecaller, "/user", data);
    if "/user" != "/" {
        common::run(parlor_core::dialect::DialectId::Telecaller, "/telecaller", data);
    }
});
