//! The conversions keep every field, and every core variant has its own mirror: a variant the
//! core adds makes these tests fail until the bindings type it.

use super::*;
use crate::events::Event;
use parlor_core::model::{self as core, LiveKitGrant};
use parlor_core::DomainEvent;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The names a serde enum's schema lists: plain strings of a C-like enum, or the tag values
/// (`const`) of an internally tagged one.
fn variant_names<T: JsonSchema>() -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(c)) = m.get("const") {
                    out.push(c.clone());
                }
                if let Some(Value::Array(items)) = m.get("enum") {
                    out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_owned)));
                }
                for key in ["oneOf", "anyOf"] {
                    if let Some(Value::Array(items)) = m.get(key) {
                        items.iter().for_each(|i| walk(i, out));
                    }
                }
                if let Some(Value::Object(props)) = m.get("properties") {
                    props.values().for_each(|p| walk(p, out));
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("a schema");
    let mut out = Vec::new();
    walk(&schema, &mut out);
    out.sort();
    out.dedup();
    out
}

/// `InsufficientBalance` → `insufficient_balance`.
fn snake(debug: &str) -> String {
    let name = debug.split([' ', '{', '(']).next().unwrap_or_default();
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Every name of the core's C-like enum `C` converts to the mirror `M` of the same name.
fn mirrors_every_name<C, M>()
where
    C: JsonSchema + DeserializeOwned,
    M: From<C> + std::fmt::Debug,
{
    let names = variant_names::<C>();
    assert!(
        !names.is_empty(),
        "{} lists no names",
        std::any::type_name::<C>()
    );
    for name in names {
        let core: C = serde_json::from_value(json!(name)).expect("a core value");
        let mirror = M::from(core);
        assert_eq!(
            snake(&format!("{mirror:?}")),
            name,
            "{}",
            std::any::type_name::<M>()
        );
    }
}

#[test]
fn every_core_variant_has_its_mirror() {
    mirrors_every_name::<core::Presence, Presence>();
    mirrors_every_name::<core::ConsultationKind, ConsultationKind>();
    mirrors_every_name::<core::Side, Side>();
    mirrors_every_name::<core::RequestOutcome, RequestOutcome>();
    mirrors_every_name::<core::EndedBy, EndedBy>();
    mirrors_every_name::<core::EndReason, EndReason>();
    mirrors_every_name::<core::MessageKind, MessageKind>();
    mirrors_every_name::<core::DeliveryState, DeliveryState>();
    mirrors_every_name::<core::PageSource, PageSource>();
    mirrors_every_name::<core::CallMedia, CallMedia>();
    mirrors_every_name::<core::CallRole, CallRole>();
    mirrors_every_name::<core::TrackKind, TrackKind>();
    mirrors_every_name::<parlor_core::Capability, Capability>();
}

#[test]
fn every_domain_event_is_typed() {
    let core = core_event_tags();
    assert!(core.len() > 60, "the core's events: {core:?}");
    let missing: Vec<&String> = core
        .iter()
        .filter(|n| !TYPED.contains(&n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "events the bindings do not type: {missing:?}"
    );
    let stale: Vec<&&str> = TYPED
        .iter()
        .filter(|n| !core.iter().any(|c| c == *n))
        .collect();
    assert!(
        stale.is_empty(),
        "typed names the core no longer has: {stale:?}"
    );
}

/// The `event` tags of the core's events (the schema also lists other enums' names).
fn core_event_tags() -> Vec<String> {
    let schema = serde_json::to_value(schemars::schema_for!(DomainEvent)).expect("a schema");
    schema["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            v["properties"]["event"]["const"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

/// The core's name of each typed case (`CallMediaChanged` types the core's `call_media`).
const TYPED: &[&str] = &[
    "connection",
    "authenticated",
    "protocol_error",
    "lagged",
    "server_error",
    "consultation_request_sent",
    "consultation_request_failed",
    "consultation_requested",
    "consultation_answered",
    "consultation_started",
    "consultation_paused",
    "consultation_resumed",
    "consultation_ended",
    "meter_tick",
    "wallet_error",
    "admin_report",
    "experts_online",
    "expert_presence",
    "own_presence",
    "conversation_joined",
    "conversation_left",
    "message_received",
    "message_sent",
    "message_failed",
    "typing_changed",
    "reaction_changed",
    "messages_read",
    "read_counts",
    "participant_changed",
    "conversation_status_changed",
    "active_users",
    "history",
    "conversations",
    "call_ringing",
    "call_incoming",
    "call_accepted",
    "call_rejected",
    "call_cancelled",
    "call_missed",
    "call_ended",
    "call_error",
    "agora_join_ready",
    "consultation_updated",
    "meter_update",
    "low_balance_warning",
    "meter_stopped",
    "consultation_list",
    "expert_busy",
    "experts_snapshot",
    "expert_updated",
    "expert_removed",
    "raw_reply",
    "call_state_changed",
    "call_media",
    "call_history",
    "chat_message_changed",
    "chat_message_discarded",
    "messages_page",
    "search_results",
    "input_devices",
    "recording_started",
    "voice_level",
    "recording_ended",
    "voice_note_changed",
    "voice_playback",
];

#[test]
fn events_carry_typed_fields() {
    let e = Event::from(&DomainEvent::CallAccepted {
        call_id: "c1".into(),
        livekit: LiveKitGrant {
            url: "wss://lk".into(),
            token: "t".into(),
            room: "r".into(),
        },
        media: Some(core::CallMedia::Video),
        caller: None,
    });
    let Event::CallAccepted {
        call_id,
        livekit,
        media,
        ..
    } = e
    else {
        panic!("not a call_accepted: {e:?}");
    };
    assert_eq!(call_id, "c1");
    assert_eq!(livekit.room, "r");
    assert_eq!(media, Some(CallMedia::Video));

    let tick: DomainEvent = serde_json::from_value(json!({
        "event": "meter_tick", "consultation_id": "r1", "minutes": "3",
        "cost": {"amount": "30.50", "unit": "INR"}
    }))
    .expect("a meter tick");
    let Event::MeterTick { minutes, cost, .. } = Event::from(&tick) else {
        panic!("not a meter tick");
    };
    assert_eq!(minutes.to_string(), "3");
    assert_eq!(cost.amount.to_string(), "30.50");
    assert_eq!(cost.unit.as_deref(), Some("INR"));
}

#[test]
fn voice_states_are_named_and_unknown_ones_kept() {
    for name in VoiceNoteState::NAMES {
        assert!(!matches!(
            VoiceNoteState::parse(name),
            VoiceNoteState::Other { .. }
        ));
    }
    for name in PlaybackState::NAMES {
        assert!(!matches!(
            PlaybackState::parse(name),
            PlaybackState::Other { .. }
        ));
    }
    for name in RecordingEndReason::NAMES {
        assert!(!matches!(
            RecordingEndReason::parse(name),
            RecordingEndReason::Other { .. }
        ));
    }
    assert_eq!(VoiceNoteState::parse("sent"), VoiceNoteState::Sent);
    assert_eq!(
        VoiceNoteState::parse("teleported"),
        VoiceNoteState::Other {
            name: "teleported".into()
        }
    );
}
