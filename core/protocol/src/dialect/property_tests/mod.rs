//! Property tests of the tolerant reader (issue 14): for every documented payload of every
//! dialect (the examples the documents print and the shapes the dialects accept), event or
//! answer,
//! - random extra fields at every object level (random names with any JSON value, and the
//!   names the decoders read, when absent, with values of no usable shape) change nothing;
//! - a field whose value has no usable shape decodes exactly like the field left out (an odd
//!   optional field becomes absent; an odd required field is an error like a missing one);
//! - ids as numbers decode like the same ids as strings;
//! - an id `xId: v` nested as `x: {id: v}` decodes like the flat one.

use super::*;
use crate::model::ConsultationKind;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

mod cases;
mod variants;

use cases::{cases, dialects, Case, Input};
use variants::{extra, nested_ids, numeric_ids, with_extras, with_field};

/// The outcome of decoding, comparable: the events, or that it failed (errors name the raw
/// payload, which differs by construction).
#[derive(Debug, PartialEq)]
enum Outcome {
    Events(Vec<crate::event::DomainEvent>),
    Failed,
}

fn decode(dialects: &[Box<dyn Dialect>], case: &Case, payload: &Value) -> Outcome {
    let d = &dialects[case.dialect];
    match &case.input {
        Input::Event(name) => match d.decode(name, std::slice::from_ref(payload)) {
            Ok(e) => Outcome::Events(e),
            Err(_) => Outcome::Failed,
        },
        Input::Reply(cmd) => {
            let sent = d.encode(cmd).expect("the case's command encodes");
            let Some(first) = sent.first() else {
                return Outcome::Events(vec![]);
            };
            match d.decode_reply(first, payload) {
                Ok(e) => Outcome::Events(e),
                // A refusal is an answer too: compare it whole.
                Err(DialectError::Rejected { code, message }) => {
                    Outcome::Events(vec![crate::event::DomainEvent::ServerError {
                        code,
                        message,
                        source: "rejected".into(),
                    }])
                }
                Err(_) => Outcome::Failed,
            }
        }
    }
}

/// Every name a decoder could read: the identifier-like string literals of the dialect
/// sources (a superset: it also holds values and encode-side names).
fn known_names() -> &'static BTreeSet<String> {
    static NAMES: OnceLock<BTreeSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let sources = [
            include_str!("../wire.rs"),
            include_str!("../answer.rs"),
            include_str!("../billing_chat/mod.rs"),
            include_str!("../billing_chat/confirm.rs"),
            include_str!("../presence_sessions.rs"),
            include_str!("../presence_sessions/encode.rs"),
            include_str!("../presence_sessions/reply.rs"),
            include_str!("../tarot_chat/mod.rs"),
            include_str!("../tarot_chat/voice.rs"),
            include_str!("../support_chat.rs"),
            include_str!("../telecaller.rs"),
        ];
        let mut names = BTreeSet::new();
        for src in sources {
            for (i, piece) in src.split('"').enumerate() {
                let ident = !piece.is_empty()
                    && piece.len() <= 40
                    && piece
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
                if i % 2 == 1 && ident {
                    names.insert(piece.to_owned());
                }
            }
        }
        names
    })
}

fn known_list() -> &'static Vec<String> {
    static LIST: OnceLock<Vec<String>> = OnceLock::new();
    LIST.get_or_init(|| known_names().iter().cloned().collect())
}

/// A field name no decoder reads.
fn unread_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-zA-Z_]{0,10}",
        Just(String::new()),
        Just("__proto__".to_owned()),
        Just("ключ 🔑".to_owned()),
    ]
    .prop_filter("a name a decoder reads", |n| !known_names().contains(n))
}

/// Any JSON value, nested, with any names inside (nothing reads below an unread name).
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        "[ -~]{0,12}".prop_map(Value::from),
        Just(json!("12.50")),
        Just(json!("ONLINE")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z_]{0,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value no reader can use for any field: an object whose names no decoder reads (not a
/// string, number, boolean, array or id; as an object it carries nothing).
fn unusable() -> impl Strategy<Value = Value> {
    prop::collection::vec((unread_name(), any_json()), 0..3)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

/// 256 cases per property (proptest's default; `PROPTEST_CASES` asks for more).
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[test]
fn every_case_decodes_as_it_is() {
    let dialects = dialects();
    for (i, case) in cases().iter().enumerate() {
        assert!(
            matches!(decode(&dialects, case, &case.payload), Outcome::Events(_)),
            "case {i} ({}) does not decode",
            case.payload
        );
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn extra_fields_at_every_level_change_nothing(
        extras in prop::collection::vec(prop::collection::vec(extra(), 0..3), 0..12)
    ) {
        let dialects = dialects();
        for case in cases() {
            let noisy = with_extras(&case.payload, &extras);
            prop_assert_eq!(
                decode(&dialects, &case, &noisy),
                decode(&dialects, &case, &case.payload),
                "with extras: {}", noisy
            );
        }
    }

    #[test]
    fn an_unusable_value_reads_like_no_value(pick in any::<usize>(), junk in unusable()) {
        let dialects = dialects();
        for case in cases() {
            let (Some(odd), Some(gone)) = (
                with_field(&case.payload, pick, Some(&junk)),
                with_field(&case.payload, pick, None),
            ) else {
                continue;
            };
            prop_assert_eq!(
                decode(&dialects, &case, &odd),
                decode(&dialects, &case, &gone),
                "odd: {}\nwithout: {}", odd, gone
            );
        }
    }

    #[test]
    fn ids_as_numbers_read_like_ids_as_strings(seed in any::<u64>(), mask in any::<u64>()) {
        let dialects = dialects();
        for case in cases() {
            let strings = numeric_ids(&case.payload, seed, mask, false);
            let numbers = numeric_ids(&case.payload, seed, mask, true);
            let as_strings = decode(&dialects, &case, &strings);
            prop_assert!(matches!(as_strings, Outcome::Events(_)), "{}", strings);
            prop_assert_eq!(decode(&dialects, &case, &numbers), as_strings, "numbers: {}", numbers);
        }
    }

    #[test]
    fn nested_ids_read_like_flat_ones(mask in any::<u64>(), underscore in any::<bool>()) {
        let dialects = dialects();
        for case in cases() {
            let nested = nested_ids(&case.payload, mask, underscore);
            prop_assert_eq!(
                decode(&dialects, &case, &nested),
                decode(&dialects, &case, &case.payload),
                "nested: {}", nested
            );
        }
    }
}
