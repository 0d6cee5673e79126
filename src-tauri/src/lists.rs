//! Lists the page shows, observed from the core: a snapshot, then its changes
//! ([`parlor_core::observe::ObservedList`]). The page applies them; it never rebuilds a list
//! from events, so a list reads the same in the app, the bindings and the harness.

use parlor_core::observe::{ListChange, ObservedList};
use serde::Serialize;
use tauri::ipc::Channel;

/// One change to a list the page shows (tag `kind`): the first is always `reset`.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListUpdate<T> {
    /// The whole list, replacing what the page has.
    Reset {
        /// Every item.
        items: Vec<T>,
    },
    /// An item appeared or changed: replace the one with the same key, or add it.
    Set {
        /// The item.
        item: T,
    },
    /// The item with this key left the list.
    Remove {
        /// Its key.
        id: String,
    },
}

impl<T> ListUpdate<T> {
    /// The page's form of a core change (`None` for a kind of change this shell does not know
    /// yet: the core's enum may grow).
    pub fn from_change(change: ListChange<T>) -> Option<ListUpdate<T>> {
        match change {
            ListChange::Reset(items) => Some(ListUpdate::Reset { items }),
            ListChange::Set(item) => Some(ListUpdate::Set { item }),
            ListChange::Remove(id) => Some(ListUpdate::Remove { id }),
            _ => None,
        }
    }
}

/// Sends `list` to `channel`: its snapshot as a `reset`, then every change, until the client
/// is gone or the page that passed the channel is (a send fails).
pub fn forward<T>(
    mut list: ObservedList<T>,
    channel: Channel<ListUpdate<T>>,
) -> tauri::async_runtime::JoinHandle<()>
where
    T: Serialize + Clone + Send + 'static,
{
    tauri::async_runtime::spawn(async move {
        let first = ListUpdate::Reset {
            items: list.take_snapshot(),
        };
        if channel.send(first).is_err() {
            return;
        }
        while let Some(change) = list.next_change().await {
            let Some(update) = ListUpdate::from_change(change) else {
                continue;
            };
            if channel.send(update).is_err() {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_change_has_its_page_form_tagged_by_kind() {
        let reset = ListUpdate::from_change(ListChange::Reset(vec![1, 2])).unwrap();
        assert_eq!(
            serde_json::to_value(&reset).unwrap(),
            serde_json::json!({"kind": "reset", "items": [1, 2]})
        );
        let set = ListUpdate::from_change(ListChange::Set(3)).unwrap();
        assert_eq!(
            serde_json::to_value(&set).unwrap(),
            serde_json::json!({"kind": "set", "item": 3})
        );
        let remove = ListUpdate::<u8>::from_change(ListChange::Remove("a".into())).unwrap();
        assert_eq!(
            serde_json::to_value(&remove).unwrap(),
            serde_json::json!({"kind": "remove", "id": "a"})
        );
    }
}
