//! One party of a conformance run: a Parlor client (no services: the dialect as it is) and a
//! log of everything the server sent it, raw, in arrival order. Steps claim the items that
//! answer them; what nobody claims becomes an event row of the report.

use parlor_core::client::RawTraffic;
use parlor_core::dialect::documented::{self, Document};
use parlor_core::dialect::{dialect_for, Dialect, DialectContext, Outbound, ProtocolError};
use parlor_core::{Client, DomainEvent, ServerProfile, StaticToken};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;

/// Who a party is in the flow: the paying user, or the expert (astrologer, reader, agent,
/// telecaller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The user.
    User,
    /// The expert.
    Expert,
}

/// An account the flow signs in with.
#[derive(Debug, Clone)]
pub struct Account {
    /// The server's id of the account.
    pub id: String,
    /// Its token.
    pub token: String,
    /// The socket namespace it connects to.
    pub namespace: String,
}

/// A position in a party's log: items at or after it are newer.
pub type Mark = usize;

/// One thing the server sent, and whether a step has claimed it as its answer.
pub struct Seen {
    /// The item.
    pub item: RawTraffic,
    /// Claimed as a step's answer.
    pub claimed: bool,
    /// Already reported as an event row.
    pub swept: bool,
}

/// A connected party.
pub struct Party {
    /// Its name in the report (`user`, `agent`, …).
    pub name: String,
    /// Its account.
    pub account: Account,
    /// The connection.
    pub client: Client,
    /// What the document says to this party (its namespace's side in 004).
    pub doc: Document,
    dialect: Box<dyn Dialect>,
    // Read synchronously: the tap hands an answer over before `send` returns, so a step
    // that pulls after its send sees that answer without any race.
    raw: Receiver<RawTraffic>,
    log: Vec<Seen>,
}

impl Party {
    /// Connects `account` and waits (up to `timeout`) until connected.
    pub async fn connect(
        name: &str,
        base: &ServerProfile,
        account: Account,
        timeout: Duration,
    ) -> Result<Party, String> {
        let id = base.dialect.builtin().ok_or_else(|| {
            format!(
                "conform checks the built-in dialects against their seeds, not {}",
                base.dialect
            )
        })?;
        let mut profile = base.clone();
        profile.namespace = account.namespace.clone();
        profile.account_id = Some(account.id.clone());
        let client = Client::connect(profile, Arc::new(StaticToken::new(account.token.clone())))
            .map_err(|e| format!("{name}: {e}"))?;
        let raw = client.subscribe_raw();
        client
            .wait_connected(timeout)
            .await
            .map_err(|e| format!("{name} ({}) could not connect: {e}", account.id))?;
        let dialect = dialect_for(
            id,
            &DialectContext {
                namespace: account.namespace.clone(),
                account_id: Some(account.id.clone()),
            },
        );
        Ok(Party {
            name: name.into(),
            doc: documented::document(id, &account.namespace),
            account,
            client,
            dialect,
            raw,
            log: Vec::new(),
        })
    }

    /// The dialect as this party's client speaks it.
    pub fn dialect(&self) -> &dyn Dialect {
        self.dialect.as_ref()
    }

    /// Decodes a server event the way the client does.
    pub fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        self.dialect.decode(event, args)
    }

    /// Moves everything received so far into the log.
    pub fn pull(&mut self) {
        while let Ok(item) = self.raw.try_recv() {
            self.push(item);
        }
    }

    /// Waits for the next item (cancel-safe); false once the client is gone.
    pub async fn receive(&mut self) -> bool {
        match self.raw.recv().await {
            Some(item) => {
                self.push(item);
                true
            }
            None => false,
        }
    }

    fn push(&mut self, item: RawTraffic) {
        self.log.push(Seen {
            item,
            claimed: false,
            swept: false,
        });
    }

    /// The end of the log now.
    pub fn mark(&mut self) -> Mark {
        self.pull();
        self.log.len()
    }

    /// The first unclaimed event `name` at or after `since`, claimed now.
    pub fn claim_event(&mut self, since: Mark, name: &str) -> Option<Vec<Value>> {
        self.pull();
        let seen = self.log.iter_mut().skip(since).find(|s| {
            !s.claimed && matches!(&s.item, RawTraffic::Event { name: n, .. } if n == name)
        })?;
        seen.claimed = true;
        match &seen.item {
            RawTraffic::Event { args, .. } => Some(args.clone()),
            RawTraffic::Answer { .. } => None,
        }
    }

    /// The events at or after `since` (claimed or not), with their log positions.
    pub fn events_from(&mut self, since: Mark) -> Vec<(Mark, String, Vec<Value>)> {
        self.pull();
        self.log
            .iter()
            .enumerate()
            .skip(since)
            .filter_map(|(i, s)| match &s.item {
                RawTraffic::Event { name, args } => Some((i, name.clone(), args.clone())),
                RawTraffic::Answer { .. } => None,
            })
            .collect()
    }

    /// The answers (acks, REST bodies) received at or after `since`, claimed now.
    pub fn claim_answers(&mut self, since: Mark) -> Vec<(Outbound, Value)> {
        self.pull();
        self.log
            .iter_mut()
            .skip(since)
            .filter_map(|s| match &s.item {
                RawTraffic::Answer { sent, answer } if !s.claimed => {
                    s.claimed = true;
                    Some((sent.clone(), answer.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Every event nobody claimed and nobody reported yet, marked reported now.
    pub fn sweep(&mut self) -> Vec<(String, Vec<Value>)> {
        self.pull();
        self.log
            .iter_mut()
            .filter(|s| !s.claimed && !s.swept)
            .filter_map(|s| {
                s.swept = true;
                match &s.item {
                    RawTraffic::Event { name, args } => Some((name.clone(), args.clone())),
                    RawTraffic::Answer { .. } => None,
                }
            })
            .collect()
    }
}
