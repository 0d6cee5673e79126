#![no_main]
//! Fuzzes the presence_sessions dialect's event and answer decoders.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::run(parlor_core::dialect::DialectId::PresenceSessions, "/", data);
    if "/" != "/" {
        common::run(parlor_core::dialect::DialectId::PresenceSessions, "/telecaller", data);
    }
});
