//! The core against the reference servers: the main flow of every dialect (the demo scripts,
//! each step checked), auth failures, a server restart, malformed events, unsupported commands.

use parlor_core::model::Method;
use parlor_core::{
    Client, Command, ConnectionState, DialectId, DomainEvent, Error, ServerProfile, StaticToken,
};
use parlor_harness::demo::{self, Transcript};
use parlor_harness::script::Actor;
use parlor_harness::servers::{server_file, RefServer, PROBE};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

mod auth;
mod flows;
mod malformed;
mod refusals;
mod restart;

fn profile(d: DialectId, url: &str, namespace: &str) -> ServerProfile {
    let mut p = ServerProfile::new(d, url);
    p.namespace = namespace.into();
    p.rest_url = Some(url.into());
    p
}
