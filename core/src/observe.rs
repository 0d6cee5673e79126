//! Lists observed from the core: a snapshot, then its changes. The services that keep a list
//! (online experts, a conversation's messages, consultations) build one here, so the shells
//! only convert items: the bindings' listeners and the apps never rebuild a list from events.
//!
//! The snapshot is taken after subscribing, so no change falls between the two. When the
//! reader falls so far behind that events were dropped ([`DomainEvent::Lagged`]), the next
//! change is a [`ListChange::Reset`] with a fresh snapshot: a slow reader ends up right.

use crate::client::EventStream;
use crate::event::DomainEvent;

/// One change to an observed list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ListChange<T> {
    /// The whole list, replacing what the reader has.
    Reset(Vec<T>),
    /// An item appeared or changed: replace the item with the same key, or insert it.
    Set(T),
    /// The item with this key left the list.
    Remove(String),
}

type Pick<T> = Box<dyn FnMut(DomainEvent) -> Option<ListChange<T>> + Send>;
/// A fresh snapshot; `None` when it cannot be read now (the reader keeps what it has).
type Refresh<T> = Box<dyn FnMut() -> Option<Vec<T>> + Send>;

/// A list as the core keeps it: [`snapshot`](Self::snapshot) first, then
/// [`next_change`](Self::next_change) until the client is gone.
pub struct ObservedList<T> {
    snapshot: Vec<T>,
    events: EventStream,
    pick: Pick<T>,
    refresh: Refresh<T>,
}

impl<T> ObservedList<T> {
    /// Builds one from `events` (subscribed before `snapshot` was read), `refresh` (a fresh
    /// snapshot, after a lag) and `pick`, which turns the events that concern the list into
    /// changes.
    pub(crate) fn new(
        events: EventStream,
        snapshot: Vec<T>,
        refresh: impl FnMut() -> Option<Vec<T>> + Send + 'static,
        pick: impl FnMut(DomainEvent) -> Option<ListChange<T>> + Send + 'static,
    ) -> ObservedList<T> {
        ObservedList {
            snapshot,
            events,
            pick: Box::new(pick),
            refresh: Box::new(refresh),
        }
    }

    /// The list when observation began.
    pub fn snapshot(&self) -> &[T] {
        &self.snapshot
    }

    /// Takes the snapshot out (the list keeps observing).
    pub fn take_snapshot(&mut self) -> Vec<T> {
        std::mem::take(&mut self.snapshot)
    }

    /// The next change, or `None` once the client is gone.
    pub async fn next_change(&mut self) -> Option<ListChange<T>> {
        loop {
            let event = self.events.recv().await?;
            if matches!(event, DomainEvent::Lagged { .. }) {
                if let Some(list) = (self.refresh)() {
                    return Some(ListChange::Reset(list));
                }
                continue;
            }
            if let Some(change) = (self.pick)(event) {
                return Some(change);
            }
        }
    }
}

impl<T> std::fmt::Debug for ObservedList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservedList")
            .field("snapshot_len", &self.snapshot.len())
            .finish_non_exhaustive()
    }
}
