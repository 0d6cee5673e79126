//! Regression tests: every rust_socketio 0.6 defect listed in shared/recipes.md, provoked
//! against a real socket.io 4 server (tests/servers/transport_probe.js), and our transport
//! layer shown immune to it.

use futures_util::future::join_all;
use parlor_core::token::{FnToken, TokenError};
use parlor_core::transport::{
    BackoffPolicy, ConnectionState, Inbound, InboundReceiver, Method, RestClient, RestRequest,
    Socket, SocketConfig, TransportError, MAX_QUEUED_EVENTS,
};
use parlor_core::StaticToken;
use parlor_harness::servers::{RefServer, PROBE};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod lifecycle;
mod payloads;
mod requests;

fn config(url: &str) -> SocketConfig {
    let mut c = SocketConfig::new(url, "/");
    c.backoff = BackoffPolicy {
        min_ms: 200,
        max_ms: 1000,
        ..BackoffPolicy::default()
    };
    c
}

async fn connected(server: &RefServer, token: &str) -> (Socket, InboundReceiver) {
    let (socket, inbound) = Socket::start(config(&server.url()), Arc::new(StaticToken::new(token)));
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .expect("connects");
    (socket, inbound)
}

async fn whoami(socket: &Socket) -> Value {
    let args = socket
        .request("whoami", vec![], None)
        .await
        .expect("whoami answered");
    args.into_iter().next().expect("one argument")
}

/// Waits for a state matching `pred` on the socket's state watch.
async fn state_where(
    socket: &Socket,
    secs: u64,
    pred: impl Fn(&ConnectionState) -> bool,
) -> ConnectionState {
    let mut rx = socket.watch_state();
    let state = tokio::time::timeout(Duration::from_secs(secs), rx.wait_for(|s| pred(s)))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "state not reached within {secs} s; now {:?}",
                socket.state()
            )
        })
        .expect("state channel open")
        .clone();
    state
}

/// The events of `name` that the server sent before a marker we ask for now: the probe
/// answers the marker after everything asked of it before, on the same socket, in order.
async fn collect(socket: &Socket, inbound: &mut InboundReceiver, name: &str) -> Vec<Vec<Value>> {
    let marker = json!({ "marker": uuid::Uuid::new_v4().to_string() });
    socket.emit("echo", vec![marker.clone()]).await.unwrap();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        match tokio::time::timeout_at(deadline, inbound.recv()).await {
            Ok(Some(Inbound::Event { name: n, args }))
                if n == "echo" && args == [marker.clone()] =>
            {
                return out
            }
            Ok(Some(Inbound::Event { name: n, args })) if n == name => out.push(args),
            Ok(Some(_)) => {}
            other => panic!("marker not seen ({other:?}); {} {name} so far", out.len()),
        }
    }
}

/// The probe's own count of what clients did (`GET /stats`): handshakes tried, refused,
/// connections accepted.
async fn probe_stats(server: &RefServer) -> Value {
    let rest = RestClient::new(server.url(), Arc::new(StaticToken::new("valid")), None).unwrap();
    rest.send(&RestRequest {
        method: Method::Get,
        path: "/stats".into(),
        query: vec![],
        body: None,
    })
    .await
    .expect("probe stats")
}
