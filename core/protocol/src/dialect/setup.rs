//! What a sign-in form needs to know of each built-in dialect: its name for people and the
//! defaults of an expert's profile on its servers. Each dialect module states its own
//! (`SETUP`); the apps read the list from here and never name a dialect themselves.

use super::{
    billing_chat, presence_sessions, support_chat, tarot_chat, telecaller, Capability, DialectId,
};
use serde::Serialize;

/// A built-in dialect as a sign-in form offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DialectSetup {
    /// The dialect.
    pub id: DialectId,
    /// Its seed document's number (`000` … `004`).
    pub seed: &'static str,
    /// Its name for people (`Billing chat`).
    pub label: &'static str,
    /// One line on what its servers do.
    pub hint: &'static str,
    /// Whether its servers answer REST at the socket's address: a profile without a REST
    /// URL then takes the socket URL.
    pub rest_at_socket_url: bool,
    /// The namespace experts connect to.
    pub expert_namespace: &'static str,
    /// What its servers can do (the same list as the dialect's `capabilities()`), so an app
    /// can show what a profile offers before it connects.
    pub capabilities: &'static [Capability],
}

impl DialectId {
    /// How a sign-in form offers this dialect.
    pub fn setup(self) -> DialectSetup {
        match self {
            DialectId::BillingChat => billing_chat::SETUP,
            DialectId::PresenceSessions => presence_sessions::SETUP,
            DialectId::TarotChat => tarot_chat::SETUP,
            DialectId::SupportChat => support_chat::SETUP,
            DialectId::Telecaller => telecaller::SETUP,
        }
    }
}

/// Every built-in dialect as a sign-in form offers it, in seed order.
pub fn dialect_setups() -> Vec<DialectSetup> {
    DialectId::ALL.into_iter().map(DialectId::setup).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_states_its_own_setup() {
        let all = dialect_setups();
        assert_eq!(all.len(), DialectId::ALL.len());
        let mut seeds = std::collections::BTreeSet::new();
        for (setup, id) in all.iter().zip(DialectId::ALL) {
            assert_eq!(setup.id, id);
            let dialect = super::super::dialect_for(id, &Default::default());
            assert_eq!(setup.capabilities, dialect.capabilities(), "{id:?}");
            assert!(setup.seed.len() == 3 && setup.seed.bytes().all(|b| b.is_ascii_digit()));
            assert!(
                seeds.insert(setup.seed),
                "two dialects claim seed {}",
                setup.seed
            );
            assert!(!setup.label.is_empty() && !setup.hint.is_empty());
            assert!(setup.expert_namespace.starts_with('/'));
        }
        // The 004 server's experts are telecallers, on their own namespace.
        assert_eq!(
            DialectId::Telecaller.setup().expert_namespace,
            "/telecaller"
        );
    }
}
