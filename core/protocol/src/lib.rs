//! # parlor-protocol
//!
//! The sans-I/O layer under [parlor-core](../parlor_core/index.html), in the manner of
//! matrix-rust-sdk's `matrix-sdk-base`: the domain vocabulary ([`model`], [`command`],
//! [`event`]) and the dialects ([`dialect`]) that translate it to and from each server's wire.
//! Nothing here opens a socket, a file or a database; the crate does not depend on tokio,
//! reqwest or rusqlite, so the compiler keeps the layer pure. `parlor-core` re-exports every
//! module under the same name (`parlor_core::dialect` is this crate's [`dialect`]).

pub mod command;
pub mod dialect;
pub mod event;
pub mod model;
pub mod push;
pub mod sync;

pub use command::{Command, LocalCommand, Request};
pub use dialect::{Capability, Dialect, DialectId};
pub use event::DomainEvent;
