//! A call's signalling, caller and callee in one program, on a telecaller (004) server: the
//! telecaller goes online, the user calls, the phone rings, the telecaller accepts, each side
//! prints the LiveKit credentials it got for its media SDK, the user hangs up, and the
//! telecaller hears of the end with the call's length and the coins it cost. Signalling only:
//! no media engine is attached (an app passes its own, or the `livekit` feature's, to
//! `SessionBuilder::media_engine`), so nobody joins the room.
//!
//! ```sh
//! node tests/servers/004_telecaller_calls.js --port 0                  # READY <port>
//! cargo run -p parlor-core --example call_signalling -- http://127.0.0.1:PORT \
//!     "$(node tests/servers/004_telecaller_calls.js --mint 507f1f77bcf86cd799439011)" \
//!     "$(node tests/servers/004_telecaller_calls.js --mint 507f1f77bcf86cd799439031)"
//! ```
//!
//! CALLER and CALLEE default to the reference server's Arjun Mehta and Jane Smith.

use parlor_core::calls::CallService;
use parlor_core::model::{CallMedia, LiveKitGrant, Presence};
use parlor_core::{
    Command, DialectId, DomainEvent, EventStream, ServerProfile, Session, StaticToken,
};
use std::sync::Arc;
use std::time::Duration;

/// However the server behaves, the example ends within this.
const WHOLE_RUN: Duration = Duration::from_secs(40);
/// How long each step may wait for the server.
const STEP: Duration = Duration::from_secs(10);

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, caller_token, callee_token, rest @ ..] = args.as_slice() else {
        eprintln!("usage: call_signalling URL CALLER_TOKEN CALLEE_TOKEN [CALLER_ID] [CALLEE_ID]");
        std::process::exit(2);
    };
    let caller = rest
        .first()
        .map_or("507f1f77bcf86cd799439011", String::as_str);
    let callee = rest
        .get(1)
        .map_or("507f1f77bcf86cd799439031", String::as_str);
    let sides = [
        (caller, caller_token.as_str()),
        (callee, callee_token.as_str()),
    ];
    let run = tokio::time::timeout(WHOLE_RUN, run(url, sides));
    let result = run
        .await
        .unwrap_or_else(|_| Err("no end in sight: gave up".into()));
    if let Err(e) = result {
        eprintln!("call_signalling: {e}");
        std::process::exit(1);
    }
}

/// A session on `namespace`: 004 serves users on `/user` and telecallers on `/telecaller`.
fn session(url: &str, namespace: &str, account: &str, token: &str) -> Result<Session, Failure> {
    let mut profile = ServerProfile::new(DialectId::Telecaller, url);
    profile.namespace = namespace.to_owned();
    profile.account_id = Some(account.to_owned());
    Ok(Session::builder(profile, Arc::new(StaticToken::new(token))).build()?)
}

/// The session's call service: a session has one where the server has calls.
fn calls(session: &Session) -> Result<&CallService, Failure> {
    Ok(session.calls.as_ref().ok_or("this server has no calls")?)
}

async fn run(url: &str, sides: [(&str, &str); 2]) -> Result<(), Failure> {
    let [(caller_id, caller_token), (callee_id, callee_token)] = sides;
    let caller = session(url, "/user", caller_id, caller_token)?;
    let callee = session(url, "/telecaller", callee_id, callee_token)?;
    // Subscribed before anything happens, so no event is missed.
    let (mut caller_events, mut callee_events) =
        (caller.client.subscribe(), callee.client.subscribe());
    caller.client.wait_connected(STEP).await?;
    callee.client.wait_connected(STEP).await?;

    // The session's presence keeper repeats this after every reconnection.
    callee
        .client
        .send(Command::SetPresence { online: true })
        .await?;
    next(&mut caller_events, |e| match e {
        DomainEvent::ExpertPresence {
            expert_id,
            presence: Presence::Online,
            ..
        } if expert_id == callee_id => Some(()),
        _ => None,
    })
    .await?;
    println!("caller: sees {callee_id} online");

    // The call service answers the initiation once the server says the phone rings.
    let ringing = caller
        .client
        .send(Command::InitiateCall {
            callee_id: callee_id.to_owned(),
            media: CallMedia::Audio,
        })
        .await?;
    let call = ringing
        .iter()
        .find_map(|e| match e {
            DomainEvent::CallRinging { call_id, .. } => Some(call_id.clone()),
            _ => None,
        })
        .ok_or("the server did not ring the callee")?;
    println!(
        "caller: ringing (call {call}, phase {})",
        calls(&caller)?.snapshot().phase.name()
    );
    let from = next(&mut callee_events, |e| match e {
        DomainEvent::CallIncoming {
            call_id,
            caller: who,
            media,
        } if *call_id == call => {
            let kind = format!("{media:?}").to_lowercase();
            let name = who.name.as_deref().unwrap_or(&who.id);
            Some(format!("{kind} call from {name}"))
        }
        _ => None,
    })
    .await?;
    println!("callee: incoming {from}");

    let call_id = call.clone();
    callee.client.send(Command::AcceptCall { call_id }).await?;
    // Each side gets its own credentials for the LiveKit room: what the media SDK joins with.
    let mut tokens = Vec::new();
    for (side, events) in [
        ("caller", &mut caller_events),
        ("callee", &mut callee_events),
    ] {
        let grant = next(events, |e| match e {
            DomainEvent::CallAccepted {
                call_id, livekit, ..
            } if *call_id == call => Some(livekit.clone()),
            _ => None,
        })
        .await?;
        println!("{side}: accepted; {}", credentials(&grant));
        tokens.push(grant.token);
    }
    let own = tokens[0] != tokens[1];
    println!("each side has a token of its own: {own}");

    // The media engine (none here) would carry the talk; a second of it is billed.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let call_id = call.clone();
    caller.client.send(Command::EndCall { call_id }).await?;
    println!(
        "caller: hung up (phase {})",
        calls(&caller)?.snapshot().phase.name()
    );
    // The other side hears of the end from the server, with what the call cost.
    let bill = next(&mut callee_events, |e| match e {
        DomainEvent::CallEnded {
            call_id,
            duration_secs,
            coins,
            ..
        } if *call_id == call => Some(format!(
            "{} s, {} coins",
            duration_secs.map_or_else(|| "?".into(), |s| s.to_string()),
            coins
                .as_ref()
                .map_or_else(|| "?".into(), |c| c.amount.to_string())
        )),
        _ => None,
    })
    .await?;
    println!(
        "callee: the call ended after {bill} (phase {})",
        calls(&callee)?.snapshot().phase.name()
    );
    caller.client.disconnect().await;
    callee.client.disconnect().await;
    Ok(())
}

/// The next event `pick` accepts, within [`STEP`].
async fn next<T>(
    events: &mut EventStream,
    mut pick: impl FnMut(&DomainEvent) -> Option<T>,
) -> Result<T, Failure> {
    let found = async {
        while let Some(event) = events.recv().await {
            if let Some(found) = pick(&event) {
                return Ok(found);
            }
        }
        Err("the client closed".into())
    };
    let late = |_| Err(format!("nothing expected arrived within {STEP:?}").into());
    tokio::time::timeout(STEP, found).await.unwrap_or_else(late)
}

/// The credentials, without the token itself: it is a secret for the media server.
fn credentials(grant: &LiveKitGrant) -> String {
    let chars = grant.token.chars().count();
    format!(
        "LiveKit {} room {} (token of {chars} chars)",
        grant.url, grant.room
    )
}
