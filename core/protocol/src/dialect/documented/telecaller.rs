//! Seed 004 (User Socket Events) as printed. The document is the `/user` namespace's: tables of
//! fields with types. The telecaller's side appears only in its call flow diagrams, which name
//! `call:incoming {callId, callType, caller}`, `call:accept` / `call:reject {callId}`,
//! `call:accepted {callId, callType, caller, livekit}`, `call:cancelled`, `call:ended`,
//! `call:missed {callId}`; the telecaller going online is not in the document at all.
//! No command is answered through an ack: answers are events.

use super::{Answer, Audience, DocCommand, DocEvent, Document, Field, Payload, Ty};
use crate::dialect::DialectId;

static CALL_ID: Ty = Ty::Object(&[Field::req("callId", &Ty::Str)]);
static MESSAGE: Ty = Ty::Object(&[Field::req("message", &Ty::Str)]);

static PRESENCE_CHANGED: Ty = Ty::Object(&[
    Field::req("telecallerId", &Ty::Str),
    Field::req("presence", &Ty::OneOf(&["ONLINE", "OFFLINE", "ON_CALL"])),
    Field::req(
        "telecaller",
        &Ty::OrNull(&Ty::Object(&[
            Field::req("_id", &Ty::Str),
            Field::req("name", &Ty::Str),
            Field::req("profile", &Ty::OrNull(&Ty::Str)),
            Field::req("language", &Ty::Str),
            Field::req("about", &Ty::Str),
        ])),
    ),
]);

static RINGING: Ty = Ty::Object(&[
    Field::req("callId", &Ty::Str),
    Field::req(
        "telecaller",
        &Ty::Object(&[
            Field::req("_id", &Ty::Str),
            Field::req("name", &Ty::Str),
            Field::req("profile", &Ty::OrNull(&Ty::Str)),
        ]),
    ),
]);

static LIVEKIT: Ty = Ty::Object(&[
    Field::req("token", &Ty::Str),
    Field::req("url", &Ty::Str),
    Field::req("roomName", &Ty::Str),
]);

static ACCEPTED_USER: Ty = Ty::Object(&[
    Field::req("callId", &Ty::Str),
    Field::req("livekit", &LIVEKIT),
]);

const CALL_TYPE: Ty = Ty::OneOf(&["AUDIO", "VIDEO"]);

static INCOMING: Ty = Ty::Object(&[
    Field::req("callId", &Ty::Str),
    Field::req("callType", &CALL_TYPE),
    Field::req("caller", &Ty::AnyObject),
]);

static ACCEPTED_TELECALLER: Ty = Ty::Object(&[
    Field::req("callId", &Ty::Str),
    Field::req("callType", &CALL_TYPE),
    Field::req("caller", &Ty::AnyObject),
    Field::req("livekit", &LIVEKIT),
]);

const fn event(name: &'static str, ty: &'static Ty, source: &'static str) -> DocEvent {
    DocEvent {
        name,
        payload: Payload::Printed(ty),
        source,
    }
}

const USER_EVENTS: &[DocEvent] = &[
    event(
        "telecaller:presence-changed",
        &PRESENCE_CHANGED,
        "Server → Client Events",
    ),
    event("call:ringing", &RINGING, "Server → Client Events"),
    event("call:accepted", &ACCEPTED_USER, "Server → Client Events"),
    event("call:rejected", &CALL_ID, "Server → Client Events"),
    event("call:missed", &CALL_ID, "Server → Client Events"),
    event("call:ended", &CALL_ID, "Server → Client Events"),
    event("call:error", &MESSAGE, "Server → Client Events"),
    event("error", &MESSAGE, "Server → Client Events"),
];

const TELECALLER_EVENTS: &[DocEvent] = &[
    event(
        "call:incoming",
        &INCOMING,
        "Call Flow Diagram (telecaller side)",
    ),
    event(
        "call:accepted",
        &ACCEPTED_TELECALLER,
        "Call Flow Diagram (telecaller side)",
    ),
    event(
        "call:cancelled",
        &CALL_ID,
        "Cancelled Call Flow (telecaller side)",
    ),
    event(
        "call:ended",
        &CALL_ID,
        "Call Flow Diagram (telecaller side)",
    ),
    event(
        "call:missed",
        &CALL_ID,
        "Missed Call Flow (telecaller side)",
    ),
];

const USER_COMMANDS: &[DocCommand] = &[
    DocCommand {
        name: "call:initiate",
        answers: &[
            Answer::Event {
                name: "call:ringing",
                to: Audience::Sender,
            },
            Answer::Event {
                name: "call:incoming",
                to: Audience::Other,
            },
        ],
        source: "call:initiate: Possible Responses call:ringing | call:error",
    },
    DocCommand {
        name: "call:cancel",
        answers: &[Answer::Event {
            name: "call:cancelled",
            to: Audience::Other,
        }],
        source: "call:cancel Notes: telecaller receives call:cancelled",
    },
    DocCommand {
        name: "call:end",
        answers: &[Answer::Event {
            name: "call:ended",
            to: Audience::Other,
        }],
        source: "call:end Notes: telecaller receives call:ended",
    },
];

const TELECALLER_COMMANDS: &[DocCommand] = &[
    DocCommand {
        name: "call:accept",
        answers: &[
            Answer::Event {
                name: "call:accepted",
                to: Audience::Sender,
            },
            Answer::Event {
                name: "call:accepted",
                to: Audience::Other,
            },
        ],
        source: "Successful Call Flow",
    },
    DocCommand {
        name: "call:reject",
        answers: &[Answer::Event {
            name: "call:rejected",
            to: Audience::Other,
        }],
        source: "Rejected Call Flow",
    },
    DocCommand {
        name: "call:end",
        answers: &[Answer::Event {
            name: "call:ended",
            to: Audience::Other,
        }],
        source: "Successful Call Flow (either side ends)",
    },
];

/// The document for a connection to `namespace`: `/telecaller` gets the diagrams' side.
pub fn document(namespace: &str) -> Document {
    if namespace.trim_end_matches('/').ends_with("telecaller") {
        Document {
            dialect: DialectId::Telecaller,
            events: TELECALLER_EVENTS,
            commands: TELECALLER_COMMANDS,
        }
    } else {
        Document {
            dialect: DialectId::Telecaller,
            events: USER_EVENTS,
            commands: USER_COMMANDS,
        }
    }
}
