//! Seed 002 (SAMIA TAROT Chat API) as printed. The socket events have no schema: their shapes
//! are the fields the document's example code reads (`data.session_id`, `data.user_name`, …)
//! and the commented structure of `new_message`. The REST responses are full JSON examples.

use super::{Answer, Audience, DocCommand, DocEvent, Document, Field, Payload, Ty};
use crate::dialect::DialectId;

const SUCCESS: Field = Field::req("success", &Ty::Bool);

static AUTHENTICATED: Ty = Ty::Object(&[Field::req("user", &Ty::AnyObject)]);
static AUTH_ERROR: Ty = Ty::Object(&[Field::req("message", &Ty::Str)]);
static CHAT_JOINED: Ty = Ty::Object(&[Field::req("session_id", &Ty::Str)]);
static USER_NAME: Ty = Ty::Object(&[Field::req("user_name", &Ty::Str)]);
static MESSAGE_SENT: Ty = Ty::Object(&[Field::req("message_id", &Ty::Str)]);

/// The commented structure of a `new_message`.
static SOCKET_MESSAGE: Ty = Ty::Object(&[
    Field::req("id", &Ty::Str),
    Field::req("content", &Ty::Str),
    Field::req("type", &Ty::OneOf(&["text", "voice", "image", "file"])),
    Field::req(
        "sender",
        &Ty::Object(&[
            Field::req("id", &Ty::Any),
            Field::req("name", &Ty::Any),
            Field::req("avatar", &Ty::Any),
        ]),
    ),
    Field::req("timestamp", &Ty::Str),
]);

static USER_TYPING: Ty = Ty::Object(&[
    Field::req("is_typing", &Ty::Bool),
    Field::req("user_name", &Ty::Str),
]);

static REACTION_UPDATE: Ty = Ty::Object(&[
    Field::req("user_name", &Ty::Str),
    Field::req("reaction", &Ty::Str),
]);

static SESSION: Ty = Ty::Object(&[
    Field::req("id", &Ty::Str),
    Field::opt("booking_id", &Ty::Str),
    Field::req("session_type", &Ty::Str),
    Field::req("status", &Ty::Str),
    Field::req("participants", &Ty::List(&Ty::Str)),
    Field::req("last_message_at", &Ty::OrNull(&Ty::Str)),
    Field::req("unread_count", &Ty::Num),
    Field::opt("bookings", &Ty::AnyObject),
]);

static SESSIONS: Ty = Ty::Object(&[
    SUCCESS,
    Field::req(
        "data",
        &Ty::Object(&[
            Field::req("sessions", &Ty::List(&SESSION)),
            Field::req(
                "pagination",
                &Ty::Object(&[
                    Field::req("page", &Ty::Num),
                    Field::req("limit", &Ty::Num),
                    Field::req("total", &Ty::Num),
                    Field::req("total_pages", &Ty::Num),
                ]),
            ),
        ]),
    ),
]);

static SESSION_DETAIL: Ty = Ty::Object(&[
    SUCCESS,
    Field::req(
        "data",
        &Ty::Object(&[
            Field::req("id", &Ty::Str),
            Field::opt("booking_id", &Ty::Str),
            Field::req("session_type", &Ty::Str),
            Field::req("status", &Ty::Str),
            Field::req("participants", &Ty::List(&Ty::Str)),
            Field::req(
                "participant_profiles",
                &Ty::List(&Ty::Object(&[
                    Field::req("id", &Ty::Str),
                    Field::req("first_name", &Ty::Str),
                    Field::req("last_name", &Ty::Str),
                    Field::req("avatar_url", &Ty::OrNull(&Ty::Str)),
                    Field::req("role", &Ty::Str),
                ])),
            ),
            Field::req("metadata", &Ty::AnyObject),
            Field::req("created_at", &Ty::Str),
            Field::opt("bookings", &Ty::AnyObject),
        ]),
    ),
]);

static SESSION_CREATED: Ty = Ty::Object(&[
    SUCCESS,
    Field::req(
        "data",
        &Ty::Object(&[
            Field::req("id", &Ty::Str),
            Field::opt("booking_id", &Ty::Str),
            Field::req("session_type", &Ty::Str),
            Field::req("status", &Ty::Str),
            Field::req("participants", &Ty::List(&Ty::Str)),
            Field::req("created_at", &Ty::Str),
        ]),
    ),
    Field::req("message", &Ty::Str),
]);

static REST_MESSAGE: Ty = Ty::Object(&[
    Field::req("id", &Ty::Str),
    Field::req("session_id", &Ty::Str),
    Field::req("sender_id", &Ty::Str),
    Field::req("content", &Ty::Str),
    Field::req("type", &Ty::Str),
    Field::req("file_url", &Ty::OrNull(&Ty::Str)),
    Field::req("file_name", &Ty::OrNull(&Ty::Str)),
    Field::req("is_read", &Ty::Bool),
    Field::req("created_at", &Ty::Str),
    Field::req("profiles", &Ty::AnyObject),
    Field::req(
        "message_reactions",
        &Ty::List(&Ty::Object(&[
            Field::req("user_id", &Ty::Str),
            Field::req("reaction", &Ty::Str),
            Field::req("profiles", &Ty::AnyObject),
        ])),
    ),
]);

static MESSAGES: Ty = Ty::Object(&[
    SUCCESS,
    Field::req(
        "data",
        &Ty::Object(&[
            Field::req("messages", &Ty::List(&REST_MESSAGE)),
            Field::req("has_more", &Ty::Bool),
        ]),
    ),
]);

static MESSAGE_POSTED: Ty = Ty::Object(&[
    SUCCESS,
    Field::req(
        "data",
        &Ty::Object(&[
            Field::req("id", &Ty::Str),
            Field::req("session_id", &Ty::Str),
            Field::req("sender_id", &Ty::Str),
            Field::req("content", &Ty::Str),
            Field::req("type", &Ty::Str),
            Field::req("created_at", &Ty::Str),
            Field::req("profiles", &Ty::AnyObject),
        ]),
    ),
    Field::req("message", &Ty::Str),
]);

static MARKED_READ: Ty = Ty::Object(&[SUCCESS, Field::req("message", &Ty::Str)]);

static VOICE_NOTE: Ty = Ty::Object(&[
    SUCCESS,
    Field::req(
        "data",
        &Ty::Object(&[
            Field::req("id", &Ty::Str),
            Field::req("session_id", &Ty::Str),
            Field::req("sender_id", &Ty::Str),
            Field::req("content", &Ty::Str),
            Field::req("type", &Ty::Str),
            Field::req("file_url", &Ty::Str),
            Field::req("file_name", &Ty::Str),
            Field::req("file_size", &Ty::Num),
            Field::req("metadata", &Ty::AnyObject),
            Field::req("created_at", &Ty::Str),
            Field::req("profiles", &Ty::AnyObject),
        ]),
    ),
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
        "authenticated",
        &AUTHENTICATED,
        "Connection & Authentication (reads data.user)",
    ),
    event(
        "auth_error",
        &AUTH_ERROR,
        "Connection & Authentication (reads error.message)",
    ),
    event(
        "chat_joined",
        &CHAT_JOINED,
        "Chat Session Management (reads data.session_id)",
    ),
    event(
        "user_joined",
        &USER_NAME,
        "Chat Session Management (reads data.user_name)",
    ),
    event(
        "user_left",
        &USER_NAME,
        "Chat Session Management (reads data.user_name)",
    ),
    event(
        "message_sent",
        &MESSAGE_SENT,
        "Message Events (reads data.message_id)",
    ),
    event(
        "new_message",
        &SOCKET_MESSAGE,
        "Message Events (commented message structure)",
    ),
    event(
        "user_typing",
        &USER_TYPING,
        "Typing Indicators (reads data.is_typing, data.user_name)",
    ),
    event(
        "message_reaction_update",
        &REACTION_UPDATE,
        "Message Reactions (reads data.user_name, data.reaction)",
    ),
];

const COMMANDS: &[DocCommand] = &[
    DocCommand {
        name: "join_chat",
        answers: &[Answer::Event {
            name: "chat_joined",
            to: Audience::Sender,
        }],
        source: "Chat Session Management",
    },
    DocCommand {
        name: "send_message",
        answers: &[
            Answer::Event {
                name: "message_sent",
                to: Audience::Sender,
            },
            Answer::Event {
                name: "new_message",
                to: Audience::Other,
            },
        ],
        source: "Message Events",
    },
    DocCommand {
        name: "typing_start",
        answers: &[Answer::Event {
            name: "user_typing",
            to: Audience::Other,
        }],
        source: "Typing Indicators",
    },
    DocCommand {
        name: "typing_stop",
        answers: &[Answer::Event {
            name: "user_typing",
            to: Audience::Other,
        }],
        source: "Typing Indicators",
    },
    DocCommand {
        name: "message_reaction",
        answers: &[Answer::Event {
            name: "message_reaction_update",
            to: Audience::Either,
        }],
        source: "Message Reactions",
    },
    DocCommand {
        name: "GET /api/chat/sessions",
        answers: &[Answer::Body(Payload::Printed(&SESSIONS))],
        source: "1. Chat Sessions",
    },
    DocCommand {
        name: "GET /api/chat/sessions/:id",
        answers: &[Answer::Body(Payload::Printed(&SESSION_DETAIL))],
        source: "1. Chat Sessions",
    },
    DocCommand {
        name: "POST /api/chat/sessions",
        answers: &[Answer::Body(Payload::Printed(&SESSION_CREATED))],
        source: "1. Chat Sessions",
    },
    DocCommand {
        name: "GET /api/chat/messages",
        answers: &[Answer::Body(Payload::Printed(&MESSAGES))],
        source: "2. Messages",
    },
    DocCommand {
        name: "POST /api/chat/messages",
        answers: &[Answer::Body(Payload::Printed(&MESSAGE_POSTED))],
        source: "2. Messages",
    },
    DocCommand {
        name: "PUT /api/chat/messages/:id/read",
        answers: &[Answer::Body(Payload::Printed(&MARKED_READ))],
        source: "2. Messages",
    },
    DocCommand {
        name: "POST /api/chat/voice-notes",
        answers: &[Answer::Body(Payload::Printed(&VOICE_NOTE))],
        source: "3. Voice Notes",
    },
];

/// Seed 002.
pub const DOCUMENT: Document = Document {
    dialect: DialectId::TarotChat,
    events: EVENTS,
    commands: COMMANDS,
};
