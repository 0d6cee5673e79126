//! Seed 000 (Socket API Endpoints, astrologer–user chat billing) as printed: every command is
//! a plain emit answered by a named event; payloads are JSON examples with quoted placeholders.
//! The document says "Server → Client" without naming the receiver, so answers may reach
//! either party; it prints no event that tells the astrologer of a request.

use super::{Answer, Audience, DocCommand, DocEvent, Document, Field, Payload, Ty};
use crate::dialect::DialectId;

const SUCCESS: Ty = Ty::OneOf(&["success"]);

static CHAT_REQUEST_RESPONSE: Ty = Ty::Object(&[
    Field::req("status", &Ty::OneOf(&["success", "error"])),
    Field::req("message", &Ty::Str),
    Field::req(
        "data",
        &Ty::Object(&[
            Field::req("roomId", &Ty::Str),
            Field::req("astrologerId", &Ty::Str),
        ]),
    ),
]);

/// `chat-status`.
pub static CHAT_STATUS: Ty = Ty::Object(&[
    Field::req("status", &Ty::OneOf(&["accepted", "rejected"])),
    Field::req("message", &Ty::Str),
    Field::req("roomId", &Ty::Str),
]);

static CHAT_STARTED: Ty = Ty::Object(&[
    Field::req("status", &SUCCESS),
    Field::req("message", &Ty::Str),
    Field::req("startTime", &Ty::Str),
]);

static STATUS_MESSAGE: Ty = Ty::Object(&[
    Field::req("status", &SUCCESS),
    Field::req("message", &Ty::Str),
]);

static CHAT_ENDED: Ty = Ty::Object(&[
    Field::req("status", &SUCCESS),
    Field::req("message", &Ty::Str),
    Field::req("duration", &Ty::Amount),
    Field::req("totalCost", &Ty::Amount),
]);

static CHAT_TIMER: Ty = Ty::Object(&[
    Field::req("roomId", &Ty::Str),
    Field::req("duration", &Ty::Amount),
    Field::req("cost", &Ty::Amount),
]);

static CHAT_ERROR: Ty = Ty::Object(&[
    Field::req("error", &Ty::Str),
    Field::req("message", &Ty::Str),
]);

static WALLET_ERROR: Ty = Ty::Object(&[
    Field::req("status", &Ty::OneOf(&["error"])),
    Field::req("message", &Ty::Str),
    Field::req("requiredBalance", &Ty::Amount),
]);

static ADMIN_ANSWER: Ty = Ty::Object(&[
    Field::req("status", &Ty::OneOf(&["success", "error"])),
    Field::req("message", &Ty::Str),
]);

const fn event(name: &'static str, ty: &'static Ty, source: &'static str) -> DocEvent {
    DocEvent {
        name,
        payload: Payload::Printed(ty),
        source,
    }
}

const EVENTS: &[DocEvent] = &[
    event(
        "chat-request-response",
        &CHAT_REQUEST_RESPONSE,
        "1. chat-request",
    ),
    event("chat-status", &CHAT_STATUS, "2. chat-response"),
    event("chat-started", &CHAT_STARTED, "3. start-chat"),
    event("chat-paused", &STATUS_MESSAGE, "4. pause-chat"),
    event("chat-resumed", &STATUS_MESSAGE, "4. resume-chat"),
    event("chat-ended", &CHAT_ENDED, "5. end-chat"),
    event("chat-timer", &CHAT_TIMER, "6. Real-Time Notifications"),
    event("chat-error", &CHAT_ERROR, "7. Error Handling"),
    event(
        "wallet-error",
        &WALLET_ERROR,
        "8. Wallet Insufficient Funds",
    ),
    // The admin's answer has a shape but no event name in the document; Parlor reads the event
    // `admin-monitor`, as the reference server sends it.
    event(
        "admin-monitor",
        &ADMIN_ANSWER,
        "9. Admin Monitoring (answer shape; no event name printed)",
    ),
];

const COMMANDS: &[DocCommand] = &[
    DocCommand {
        name: "chat-request",
        answers: &[Answer::Event {
            name: "chat-request-response",
            to: Audience::Sender,
        }],
        source: "1. Chat Request Handling",
    },
    DocCommand {
        name: "chat-response",
        answers: &[Answer::Event {
            name: "chat-status",
            to: Audience::Either,
        }],
        source: "2. Astrologer Accept/Reject Chat",
    },
    DocCommand {
        name: "start-chat",
        answers: &[Answer::Event {
            name: "chat-started",
            to: Audience::Either,
        }],
        source: "3. Start Chat Session",
    },
    DocCommand {
        name: "pause-chat",
        answers: &[Answer::Event {
            name: "chat-paused",
            to: Audience::Either,
        }],
        source: "4. Pause/Resume Chat Session",
    },
    DocCommand {
        name: "resume-chat",
        answers: &[Answer::Event {
            name: "chat-resumed",
            to: Audience::Either,
        }],
        source: "4. Pause/Resume Chat Session",
    },
    DocCommand {
        name: "end-chat",
        answers: &[Answer::Event {
            name: "chat-ended",
            to: Audience::Either,
        }],
        source: "5. End Chat Session",
    },
    DocCommand {
        name: "admin-monitor",
        answers: &[Answer::Event {
            name: "admin-monitor",
            to: Audience::Sender,
        }],
        source: "9. Admin Monitoring",
    },
];

/// Seed 000.
pub const DOCUMENT: Document = Document {
    dialect: DialectId::BillingChat,
    events: EVENTS,
    commands: COMMANDS,
};
