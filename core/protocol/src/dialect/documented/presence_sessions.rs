//! Seed 001 (Real-time Chat & Session Implementation Guide) as printed: it names its socket
//! events and REST routes and prints the REST request bodies, but no payload of any server
//! event and no response body. Against this document a server is checked only by whether
//! Parlor decodes what it sends (and by which events come at all).

use super::{Answer, Audience, DocCommand, DocEvent, Document, Payload};
use crate::dialect::DialectId;

const fn named(name: &'static str, source: &'static str) -> DocEvent {
    DocEvent {
        name,
        payload: Payload::NotPrinted,
        source,
    }
}

const EVENTS: &[DocEvent] = &[
    named(
        "presence:online-list",
        "Socket Events, Server → Client: broadcast online astrologers list",
    ),
    named(
        "session:request",
        "Socket Events, Server → Client: new session request (astrologer)",
    ),
    named(
        "session:accepted",
        "Socket Events, Server → Client: session accepted (user)",
    ),
    named(
        "message:receive",
        "Socket Events, Server → Client: receive chat message",
    ),
    named(
        "message:error",
        "Socket Events, Server → Client: message send error",
    ),
];

const REST_BODY: &[Answer] = &[Answer::Body(Payload::NotPrinted)];

const COMMANDS: &[DocCommand] = &[
    DocCommand {
        name: "presence:on",
        answers: &[],
        source: "Socket Events, Client → Server",
    },
    DocCommand {
        name: "presence:off",
        answers: &[],
        source: "Socket Events, Client → Server",
    },
    DocCommand {
        name: "join-session",
        answers: &[],
        source: "Socket Events, Client → Server",
    },
    DocCommand {
        name: "leave-session",
        answers: &[],
        source: "Socket Events, Client → Server",
    },
    DocCommand {
        name: "message:send",
        answers: &[Answer::Event {
            name: "message:receive",
            to: Audience::Other,
        }],
        source: "Socket Events, Client → Server; Testing Flow 6",
    },
    DocCommand {
        name: "session:request",
        answers: &[],
        source: "Socket Events, Client → Server",
    },
    DocCommand {
        name: "POST /api/v1/astrologers/:id/online",
        answers: REST_BODY,
        source: "API Endpoints, Presence",
    },
    DocCommand {
        name: "POST /api/v1/astrologers/:id/offline",
        answers: REST_BODY,
        source: "API Endpoints, Presence",
    },
    DocCommand {
        name: "GET /api/v1/astrologers/online",
        answers: REST_BODY,
        source: "API Endpoints, Presence",
    },
    // "Creates pending session, notifies astrologer".
    DocCommand {
        name: "POST /api/sessions/start",
        answers: &[
            Answer::Body(Payload::NotPrinted),
            Answer::Event {
                name: "session:request",
                to: Audience::Other,
            },
        ],
        source: "API Endpoints, Sessions",
    },
    DocCommand {
        name: "POST /api/sessions/accept",
        answers: &[
            Answer::Body(Payload::NotPrinted),
            Answer::Event {
                name: "session:accepted",
                to: Audience::Other,
            },
        ],
        source: "API Endpoints, Sessions",
    },
    DocCommand {
        name: "POST /api/sessions/end",
        answers: REST_BODY,
        source: "API Endpoints, Sessions",
    },
    DocCommand {
        name: "POST /api/agora/token",
        answers: REST_BODY,
        source: "API Endpoints, Agora",
    },
];

/// Seed 001.
pub const DOCUMENT: Document = Document {
    dialect: DialectId::PresenceSessions,
    events: EVENTS,
    commands: COMMANDS,
};
