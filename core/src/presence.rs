//! The user side's list of online experts, kept live from presence events: a snapshot on
//! request (`watch_experts`), then `expert_updated` / `expert_removed` as presence changes.
//! A server may broadcast whole lists (diffed here) or send one change at a time; the dialect
//! turns either into the same events.

use crate::client::{Client, Service};
use crate::command::LocalCommand;
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{Expert, Presence};
use crate::observe::{ListChange, ObservedList};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Online experts by id.
#[derive(Default)]
pub struct ExpertDirectory {
    experts: Mutex<BTreeMap<String, Expert>>,
}

impl ExpertDirectory {
    /// Attaches a directory to `client`.
    pub fn attach(client: &Client) -> Arc<ExpertDirectory> {
        let d = Arc::new(ExpertDirectory::default());
        client.attach(d.clone());
        d
    }

    /// The experts online now, by id.
    pub fn snapshot(&self) -> Vec<Expert> {
        self.experts().values().cloned().collect()
    }

    /// The online experts of `client` (the client this directory is attached to) as a list:
    /// the snapshot, then each expert who comes, changes or leaves (keyed by id).
    pub fn observe(self: &Arc<Self>, client: &Client) -> ObservedList<Expert> {
        let events = client.subscribe();
        let (for_lag, for_lists) = (self.clone(), self.clone());
        ObservedList::new(
            events,
            self.snapshot(),
            move || Some(for_lag.snapshot()),
            move |event| match event {
                DomainEvent::ExpertUpdated { expert } => Some(ListChange::Set(expert)),
                DomainEvent::ExpertRemoved { expert_id } => Some(ListChange::Remove(expert_id)),
                // A whole list from the server: the directory has taken it in already (services
                // see each event before subscribers do) and keeps only who is online.
                DomainEvent::ExpertsSnapshot { .. } => {
                    Some(ListChange::Reset(for_lists.snapshot()))
                }
                _ => None,
            },
        )
    }

    /// The map, even after a panic elsewhere poisoned its lock (every change replaces whole
    /// entries, so what is there is usable).
    fn experts(&self) -> MutexGuard<'_, BTreeMap<String, Expert>> {
        self.experts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn replace_all(&self, list: &[Expert]) -> Vec<DomainEvent> {
        let mut map = self.experts();
        let incoming: BTreeMap<String, Expert> = list
            .iter()
            .filter(|e| e.presence != Presence::Offline)
            .map(|e| (e.party.id.clone(), e.clone()))
            .collect();
        let mut out: Vec<DomainEvent> = map
            .keys()
            .filter(|id| !incoming.contains_key(*id))
            .map(|id| DomainEvent::ExpertRemoved {
                expert_id: id.clone(),
            })
            .collect();
        for (id, e) in &incoming {
            if map.get(id) != Some(e) {
                out.push(DomainEvent::ExpertUpdated { expert: e.clone() });
            }
        }
        *map = incoming;
        out
    }

    fn change_one(
        &self,
        id: &str,
        presence: Presence,
        details: Option<&Expert>,
    ) -> Vec<DomainEvent> {
        let mut map = self.experts();
        if presence == Presence::Offline {
            return match map.remove(id) {
                Some(_) => vec![DomainEvent::ExpertRemoved {
                    expert_id: id.to_owned(),
                }],
                None => vec![],
            };
        }
        let mut expert = match (details, map.get(id)) {
            (Some(d), _) => d.clone(),
            (None, Some(known)) => known.clone(),
            (None, None) => Expert {
                party: crate::model::Party {
                    id: id.to_owned(),
                    ..Default::default()
                },
                presence,
                rate_per_minute: None,
                language: None,
                about: None,
            },
        };
        expert.presence = presence;
        if map.get(id) == Some(&expert) {
            return vec![];
        }
        map.insert(id.to_owned(), expert.clone());
        vec![DomainEvent::ExpertUpdated { expert }]
    }
}

impl Service for ExpertDirectory {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        match event {
            DomainEvent::ExpertsOnline { experts } => self.replace_all(experts),
            DomainEvent::ExpertPresence {
                expert_id,
                presence,
                expert,
            } => self.change_one(expert_id, *presence, expert.as_ref()),
            _ => vec![],
        }
    }

    fn handle_local(
        &self,
        cmd: &LocalCommand,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        matches!(cmd, LocalCommand::WatchExperts).then(|| {
            let experts = self.snapshot();
            async move { Ok(vec![DomainEvent::ExpertsSnapshot { experts }]) }.boxed()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Party;

    fn expert(id: &str, presence: Presence) -> Expert {
        Expert {
            party: Party {
                id: id.into(),
                name: Some(id.to_uppercase()),
                ..Party::default()
            },
            presence,
            rate_per_minute: None,
            language: None,
            about: None,
        }
    }

    #[test]
    fn whole_lists_become_changes() {
        let d = ExpertDirectory::default();
        let out = d.replace_all(&[expert("a", Presence::Online), expert("b", Presence::Online)]);
        assert_eq!(out.len(), 2);
        let out = d.replace_all(&[expert("a", Presence::Busy)]);
        assert_eq!(
            out,
            vec![
                DomainEvent::ExpertRemoved {
                    expert_id: "b".into()
                },
                DomainEvent::ExpertUpdated {
                    expert: expert("a", Presence::Busy)
                }
            ]
        );
        assert!(
            d.replace_all(&[expert("a", Presence::Busy)]).is_empty(),
            "no change, no event"
        );
    }

    #[test]
    fn single_changes_keep_known_details() {
        let d = ExpertDirectory::default();
        d.change_one("t", Presence::Online, Some(&expert("t", Presence::Online)));
        let out = d.change_one("t", Presence::Busy, None);
        assert_eq!(
            out,
            vec![DomainEvent::ExpertUpdated {
                expert: expert("t", Presence::Busy)
            }]
        );
        assert_eq!(
            d.change_one("t", Presence::Offline, None),
            vec![DomainEvent::ExpertRemoved {
                expert_id: "t".into()
            }]
        );
        assert!(d.snapshot().is_empty());
        assert!(d.change_one("t", Presence::Offline, None).is_empty());
    }

    #[tokio::test]
    async fn an_observed_list_is_a_snapshot_then_changes_then_a_reset_after_a_lag() {
        use crate::token::StaticToken;
        // Nothing listens on port 9: events are published locally, as the decoder would.
        let client = Client::connect(
            crate::ServerProfile::new(crate::DialectId::PresenceSessions, "http://127.0.0.1:9"),
            Arc::new(StaticToken::new("t")),
        )
        .unwrap();
        let dir = ExpertDirectory::attach(&client);
        client.publish(DomainEvent::ExpertsOnline {
            experts: vec![expert("a", Presence::Online)],
        });
        let mut list = dir.observe(&client);
        assert_eq!(list.take_snapshot(), vec![expert("a", Presence::Online)]);
        client.publish(DomainEvent::ExpertsOnline {
            experts: vec![expert("b", Presence::Online)],
        });
        assert_eq!(
            list.next_change().await,
            Some(ListChange::Remove("a".into()))
        );
        assert_eq!(
            list.next_change().await,
            Some(ListChange::Set(expert("b", Presence::Online)))
        );
        // A reader that falls behind the queue gets the whole list again, as it is now.
        for i in 0..3000 {
            let presence = if i % 2 == 0 {
                Presence::Busy
            } else {
                Presence::Online
            };
            client.publish(DomainEvent::ExpertPresence {
                expert_id: "b".into(),
                presence,
                expert: None,
            });
        }
        client.publish(DomainEvent::ExpertPresence {
            expert_id: "c".into(),
            presence: Presence::Online,
            expert: Some(expert("c", Presence::Online)),
        });
        let reset = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while let Some(change) = list.next_change().await {
                if let ListChange::Reset(all) = change {
                    return Some(all);
                }
            }
            None
        })
        .await
        .expect("a reset within 5 s");
        assert_eq!(
            reset,
            Some(vec![
                expert("b", Presence::Online),
                expert("c", Presence::Online)
            ])
        );
        client.disconnect().await;
    }
}
