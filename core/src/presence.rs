//! The user side's list of online experts, kept live from presence events: a snapshot on
//! request (`watch_experts`), then `expert_updated` / `expert_removed` as presence changes.
//! Seed 001 broadcasts whole lists (diffed here); seed 004 sends one change at a time.

use crate::client::{Client, Service};
use crate::command::Command;
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{Expert, Presence};
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

    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        matches!(cmd, Command::WatchExperts).then(|| {
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
}
