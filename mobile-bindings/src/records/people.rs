//! People, money and experts.

use super::mirror_enum;
use parlor_core::model::{
    Expert, Money as CoreMoney, Party as CoreParty, Presence as CorePresence,
};
use rust_decimal::Decimal;

/// An amount of money or coins: a decimal, never a float.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    /// The amount (`java.math.BigDecimal`, Swift `Decimal`, Python `decimal.Decimal`).
    pub amount: Decimal,
    /// The currency or coin (`INR`, `coins`), when the server says it.
    pub unit: Option<String>,
}

impl From<&CoreMoney> for Money {
    fn from(m: &CoreMoney) -> Self {
        Money {
            amount: m.amount,
            unit: m.unit.clone(),
        }
    }
}

pub(crate) fn money(m: &Option<CoreMoney>) -> Option<Money> {
    m.as_ref().map(Money::from)
}

/// A person as the server describes them: at least an id.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Party {
    /// The server's id of the account.
    pub id: String,
    /// The display name, when the server sends one.
    pub name: Option<String>,
    /// An avatar id or URL.
    pub avatar: Option<String>,
    /// The role as the server spells it (user, astrologer, CLIENT …).
    pub role: Option<String>,
}

impl From<&CoreParty> for Party {
    fn from(p: &CoreParty) -> Self {
        Party {
            id: p.id.clone(),
            name: p.name.clone(),
            avatar: p.avatar.clone(),
            role: p.role.clone(),
        }
    }
}

mirror_enum! {
    /// An expert's presence as users see it.
    pub enum Presence from CorePresence {
        /// Available for requests.
        Online,
        /// Not available.
        Offline,
        /// Connected, in a consultation or call.
        Busy,
    } else Offline
}

/// An expert in the online list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpertItem {
    /// The expert's id.
    pub id: String,
    /// The expert's name, when the server gave it.
    pub name: Option<String>,
    /// Online, busy or offline.
    pub presence: Presence,
    /// The price of a minute.
    pub rate_per_minute: Option<Money>,
    /// The language the expert speaks, when the server says it.
    pub language: Option<String>,
    /// A short bio, when the server gives one.
    pub about: Option<String>,
}

impl From<&Expert> for ExpertItem {
    fn from(e: &Expert) -> Self {
        ExpertItem {
            id: e.party.id.clone(),
            name: e.party.name.clone(),
            presence: e.presence.into(),
            rate_per_minute: money(&e.rate_per_minute),
            language: e.language.clone(),
            about: e.about.clone(),
        }
    }
}

pub(crate) fn experts(list: &[Expert]) -> Vec<ExpertItem> {
    list.iter().map(ExpertItem::from).collect()
}
