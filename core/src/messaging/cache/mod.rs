//! The messaging tables of the store: every query the Messenger makes, synchronous and small.
//! Messages are keyed by server id, and our own also by client id, so an echo, a resend or a
//! replayed history page never makes a second row.
//!
//! By job: `rows` reads rows into values, `outgoing` keeps our own messages until the
//! server has them, `ingest` applies what the server says (messages, reactions, receipts),
//! `conversations` remembers rooms and who is in them, `pages` reads history and searches.

mod conversations;
pub use conversations::sort_chats;
mod ingest;
mod outgoing;
mod pages;
mod rows;
#[cfg(test)]
pub(crate) mod tests;

pub use outgoing::{Outgoing, VoiceOutgoing};
pub(super) use rows::{get_local, local_by_server_id, own_by_client_id};

use crate::model::ChatMessage;
use crate::store::{quarantine, Store, StoreError};

/// The messaging queries over one [`Store`].
#[derive(Clone, Debug)]
pub struct Cache {
    store: Store,
}

impl Cache {
    /// The messaging view of `store`.
    pub fn new(store: Store) -> Cache {
        Cache { store }
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs a read that reports unreadable rows apart; those rows are quarantined (moved out
    /// of `messages`, see [`crate::store::quarantine`]) and the read runs again, so one bad row
    /// never hides a page or blocks the outbox.
    pub(super) fn tolerant<T>(
        &self,
        mut read: impl FnMut() -> Result<(T, Vec<(i64, String)>), StoreError>,
    ) -> Result<T, StoreError> {
        for _ in 0..16 {
            let (value, bad) = read()?;
            if bad.is_empty() {
                return Ok(value);
            }
            for (local_id, why) in bad {
                quarantine::quarantine(&self.store, "messages", local_id, &why)?;
            }
        }
        Err(StoreError::Corrupt(
            "too many unreadable messages in one read".into(),
        ))
    }

    /// One message by local id.
    pub fn get(&self, local_id: i64) -> Result<Option<ChatMessage>, StoreError> {
        self.store.read_fresh(|c| get_local(c, local_id))
    }

    pub(super) fn get_many(&self, ids: &[i64]) -> Result<Vec<ChatMessage>, StoreError> {
        self.store.read(|c| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(m) = get_local(c, *id)? {
                    out.push(m);
                }
            }
            Ok(out)
        })
    }
}
