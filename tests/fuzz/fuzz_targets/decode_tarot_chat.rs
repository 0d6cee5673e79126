#![no_main]
//! Fuzzes the tarot_chat dialect's event and answer decoders.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::run(parlor_core::dialect::DialectId::TarotChat, "/", data);
    if "/" != "/" {
        common::run(parlor_core::dialect::DialectId::TarotChat, "/telecaller", data);
    }
});
