//! The dialects a session can speak, an open set: each is registered under a name with a
//! factory that makes it for one connection, and a profile names one (`dialect =
//! "acme-chat"`). The five built-in dialects are registered the same way
//! ([`DialectRegistry::builtin`]); an app team registers its own beside them (or in place of
//! one), without touching the core.

use super::{dialect_for, Dialect, DialectContext, DialectId, UnknownDialect};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Longest dialect name accepted.
const MAX_NAME: usize = 64;

/// A dialect's name in a profile: a built-in one's canonical name (`billing-chat`; its seed,
/// `000`, or `billing_chat` read as it) or an app's own (`acme-chat`: lower-case letters,
/// digits, `-`, `_` and `.`, not only digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DialectName(String);

impl DialectName {
    /// Reads `s` as a dialect name; see the type's documentation.
    pub fn parse(s: &str) -> Result<DialectName, UnknownDialect> {
        if let Ok(id) = s.parse::<DialectId>() {
            return Ok(id.into());
        }
        let name = s.trim().to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
        // Digits alone are a seed number, and no built-in dialect has that one.
        let only_digits = name.chars().all(|c| c.is_ascii_digit());
        if name.is_empty() || name.len() > MAX_NAME || only_digits || !name.chars().all(allowed) {
            return Err(UnknownDialect(s.to_owned()));
        }
        Ok(DialectName(name))
    }

    /// The name as written in profiles (built-in ones canonical: `billing-chat`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The built-in dialect of this name, if it is one.
    pub fn builtin(&self) -> Option<DialectId> {
        self.0.parse().ok()
    }
}

impl From<DialectId> for DialectName {
    fn from(id: DialectId) -> Self {
        DialectName(id.as_str().to_owned())
    }
}

impl PartialEq<DialectId> for DialectName {
    fn eq(&self, id: &DialectId) -> bool {
        self.0 == id.as_str()
    }
}

impl FromStr for DialectName {
    type Err = UnknownDialect;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DialectName::parse(s)
    }
}

impl fmt::Display for DialectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for DialectName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DialectName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DialectName::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Makes the dialect of one connection from its context (namespace, account).
pub type DialectFactory = Arc<dyn Fn(&DialectContext) -> Arc<dyn Dialect> + Send + Sync>;

/// Named dialect factories; see the [module documentation](self).
#[derive(Clone, Default)]
pub struct DialectRegistry {
    factories: BTreeMap<DialectName, DialectFactory>,
}

impl DialectRegistry {
    /// A registry with no dialect at all.
    pub fn empty() -> DialectRegistry {
        DialectRegistry::default()
    }

    /// The five built-in dialects, each registered under its name like any other.
    pub fn builtin() -> DialectRegistry {
        let mut registry = DialectRegistry::empty();
        for id in DialectId::ALL {
            registry.register(id.into(), move |ctx| Arc::from(dialect_for(id, ctx)));
        }
        registry
    }

    /// Registers `factory` under `name`, replacing what had that name (an app may replace a
    /// built-in dialect with its own).
    pub fn register(
        &mut self,
        name: DialectName,
        factory: impl Fn(&DialectContext) -> Arc<dyn Dialect> + Send + Sync + 'static,
    ) -> &mut DialectRegistry {
        self.factories.insert(name, Arc::new(factory));
        self
    }

    /// The dialect `name` for a connection with `ctx`; `UnknownDialect` when none has that
    /// name.
    pub fn create(
        &self,
        name: &DialectName,
        ctx: &DialectContext,
    ) -> Result<Arc<dyn Dialect>, UnknownDialect> {
        let factory = self
            .factories
            .get(name)
            .ok_or_else(|| UnknownDialect(name.to_string()))?;
        Ok(factory(ctx))
    }

    /// Whether a dialect has the name `name`.
    pub fn contains(&self, name: &DialectName) -> bool {
        self.factories.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &DialectName> {
        self.factories.keys()
    }
}

impl fmt::Debug for DialectRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_built_in_ones_in_any_spelling_or_an_apps_own() {
        assert_eq!(DialectName::parse("003").unwrap(), DialectId::SupportChat);
        assert_eq!(
            DialectName::parse("Support_Chat").unwrap().as_str(),
            "support-chat"
        );
        let own = DialectName::parse("Acme-Chat.v2").unwrap();
        assert_eq!(own.as_str(), "acme-chat.v2");
        assert_eq!(own.builtin(), None);
        for bad in ["", "005", "acme chat", "acme/chat", &"x".repeat(65)] {
            assert!(DialectName::parse(bad).is_err(), "{bad:?}");
        }
        let json = serde_json::to_string(&own).unwrap();
        assert_eq!(serde_json::from_str::<DialectName>(&json).unwrap(), own);
        assert!(serde_json::from_str::<DialectName>("\"no way\"").is_err());
    }

    #[test]
    fn the_built_in_dialects_are_registered_like_any_other() {
        let ctx = DialectContext::default();
        let mut registry = DialectRegistry::builtin();
        assert_eq!(registry.names().count(), DialectId::ALL.len());
        for id in DialectId::ALL {
            assert_eq!(
                registry.create(&id.into(), &ctx).unwrap().name(),
                DialectName::from(id)
            );
        }
        let own = DialectName::parse("acme-chat").unwrap();
        assert!(registry.create(&own, &ctx).is_err());
        // An app's own dialect (here: 003's, under another name) is registered the same way.
        registry.register(own.clone(), |ctx| {
            Arc::from(dialect_for(DialectId::SupportChat, ctx))
        });
        assert!(registry.contains(&own));
        // Wrapping 003's, it still names itself as 003 (an app's own type names itself).
        assert_eq!(
            registry.create(&own, &ctx).unwrap().name(),
            DialectName::from(DialectId::SupportChat)
        );
    }
}
