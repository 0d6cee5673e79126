//! The headless driver of Parlor's core: reference servers, scripted sessions, the JSON-lines
//! protocol of `parlor connect`, the demo and the benchmarks. The `parlor` binary is its CLI;
//! the integration tests use the same pieces.

pub mod bench;
pub mod bench_cache;
pub mod bench_chat;
pub mod bench_resilience;
pub mod bench_steps;
pub mod bench_summary;
pub mod bench_voice;
pub mod calls;
pub mod conform;
pub mod connect;
pub mod demo;
pub mod demo_user;
pub mod faults;
pub mod load;
pub mod schema;
pub mod script;
pub mod servers;
