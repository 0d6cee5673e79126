#![no_main]
//! Fuzzes the support_chat dialect's event and answer decoders.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::run(parlor_core::dialect::DialectId::SupportChat, "/", data);
    if "/" != "/" {
        common::run(parlor_core::dialect::DialectId::SupportChat, "/telecaller", data);
    }
});
