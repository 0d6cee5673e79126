//! A session on a server that is none of the five, through an app team's own dialect
//! ([`echo_chat::EchoChat`]): `cargo run -p parlor-core --example custom_dialect -- URL TOKEN`
//! against a server that speaks it (Parlor's transport probe does: `parlor servers` prints
//! none of it, so start `node tests/servers/transport_probe.js` and use the token `valid`).
//! Nothing in the core changes for it: the dialect is registered with the session builder
//! under its own name, which the profile names (as a profile file would: `dialect =
//! "echo-chat"`), the way the five built-in dialects are registered.

mod echo_chat;

use parlor_core::dialect::DialectName;
use parlor_core::{Command, DomainEvent, ServerProfile, Session, StaticToken};
use std::sync::Arc;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(token)) = (args.next(), args.next()) else {
        eprintln!("usage: custom_dialect URL TOKEN");
        std::process::exit(2);
    };
    let name = DialectName::parse(echo_chat::NAME)?;
    let profile = ServerProfile::new(name.clone(), url);
    let session = Session::builder(profile, Arc::new(StaticToken::new(token)))
        .register_dialect(name, |_| Arc::new(echo_chat::EchoChat))
        .build()?;
    let client = session.client.clone();
    let mut events = client.subscribe();
    client.wait_connected(Duration::from_secs(10)).await?;
    client
        .send(Command::SendMessage {
            conversation_id: "lobby".into(),
            client_id: "hello-1".into(),
            text: Some("hello".into()),
            reply_to: None,
            file_id: None,
        })
        .await?;
    // Bounded, like every example: a server that never echoes ends the run with an error.
    let echoed = async {
        while let Some(event) = events.recv().await {
            if let DomainEvent::MessageReceived { message } = event {
                return Some(message);
            }
        }
        None
    };
    match tokio::time::timeout(Duration::from_secs(10), echoed).await {
        Ok(Some(message)) => {
            let text = message.text.unwrap_or_default();
            println!("{}: {text}", message.sender.id);
            Ok(())
        }
        Ok(None) => Err("the client closed before the echo".into()),
        Err(_) => Err("no echo within 10 s".into()),
    }
}
