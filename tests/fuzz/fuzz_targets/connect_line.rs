#![no_main]
//! Fuzzes the JSON-lines parser of `parlor connect`: any line must give a command or a typed
//! error reply, never a panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(line) = std::str::from_utf8(data) {
        let _ = parlor_harness::connect::parse_line(line);
    }
});
