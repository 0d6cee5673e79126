//! What a conformance step found out about the server's answers, before it becomes a row.

use super::run::push_unique;
use parlor_core::dialect::documented::Difference;
use parlor_core::DomainEvent;
use serde_json::Value;

/// What a step found out, before it becomes a row.
#[derive(Default)]
pub(super) struct Findings {
    pub(super) differences: Vec<Difference>,
    /// Channel differences (event instead of ack, empty ack, …): the server differs.
    pub(super) notes: Vec<String>,
    /// Informational only.
    pub(super) info: Vec<String>,
    /// Parlor could not use something: the reason.
    pub(super) cannot: Vec<String>,
    /// Documented answers that never came.
    pub(super) missing: Vec<String>,
    /// Something came at all.
    pub(super) answered: bool,
    pub(super) decoded: Vec<DomainEvent>,
    pub(super) sample: Option<Value>,
    /// The step has several answers: differences name the event they are about.
    pub(super) several: bool,
    /// The command's own answer (ack or REST body) decoded.
    pub(super) body_decoded: bool,
}

impl Findings {
    /// Adds differences found in `event`'s payload, each (kind, path) once.
    pub(super) fn add(&mut self, event: &str, found: Vec<Difference>) {
        for mut d in found {
            if self.several {
                d = scoped(d, event);
            }
            push_unique(&mut self.differences, d);
        }
    }
}

/// `d` with its path prefixed by `event:`.
fn scoped(d: Difference, event: &str) -> Difference {
    let at = |path: String| format!("{event}:{path}");
    match d {
        Difference::Missing { path, documented } => Difference::Missing {
            path: at(path),
            documented,
        },
        Difference::TypeDiffers {
            path,
            documented,
            got,
            sample,
        } => Difference::TypeDiffers {
            path: at(path),
            documented,
            got,
            sample,
        },
        Difference::NotAllowed {
            path,
            documented,
            got,
        } => Difference::NotAllowed {
            path: at(path),
            documented,
            got,
        },
        Difference::Extra { path } => Difference::Extra { path: at(path) },
    }
}
