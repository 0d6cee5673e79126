#![no_main]
//! Fuzzes the services, not only the decoders: the input is a dialect and a sequence of server
//! events — each either a documented sample with one field replaced by a hostile value, or raw
//! JSON — decoded by the dialect and published through an offline client with every service
//! attached (consultations and the meter, the messenger and its cache, calls and the call
//! history, the expert directory, presence), with the link going up and down in between. After
//! each input the services are asked for their state and the cache is read back. Only panics
//! count as findings.

#[path = "services_common.rs"]
mod services_common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    services_common::run(data);
});
