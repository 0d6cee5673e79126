//! Seed 003 (WebSocket API Documentation, support chat) as printed: every client event is
//! answered through the ack with `{event, data}`; `Message` and the events are TypeScript.

use super::{Answer, Audience, DocCommand, DocEvent, Document, Field, Payload, Ty};
use crate::dialect::DialectId;

/// `interface Message` ("Data Types").
pub static MESSAGE: Ty = Ty::Named(
    "Message",
    &Ty::Object(&[
        Field::req("id", &Ty::Str),
        Field::req("chatId", &Ty::Str),
        Field::req("senderId", &Ty::Num),
        Field::opt("text", &Ty::Str),
        Field::opt("fileUrl", &Ty::Str),
        Field::opt("replyToId", &Ty::Str),
        Field::opt("replyTo", &MESSAGE),
        Field::req("createdAt", &Ty::Str),
        Field::opt(
            "sender",
            &Ty::Object(&[
                Field::req("id", &Ty::Num),
                Field::req("email", &Ty::Str),
                Field::req("role", &Ty::Str),
            ]),
        ),
    ]),
);

/// `joinChat`'s answer data: `{chatId, messages: Message[]}`.
pub static JOINED_CHAT_DATA: Ty = Ty::Object(&[
    Field::req("chatId", &Ty::Str),
    Field::req("messages", &Ty::List(&MESSAGE)),
]);

static MARKED_READ: Ty = Ty::List(&Ty::Object(&[
    Field::req("id", &Ty::Str),
    Field::req("readBy", &Ty::Num),
]));

static ACTIVE_USERS: Ty = Ty::Object(&[
    Field::req("chatId", &Ty::Str),
    Field::req("userIds", &Ty::List(&Ty::Num)),
]);

static USER_TYPING: Ty = Ty::Object(&[
    Field::req("userId", &Ty::Num),
    Field::req("email", &Ty::Str),
    Field::req("isTyping", &Ty::Bool),
]);

static MESSAGES_READ: Ty = Ty::Object(&[
    Field::req("userId", &Ty::Num),
    Field::req("messageIds", &Ty::List(&Ty::Str)),
]);

static PARTICIPANT_UPDATE: Ty = Ty::Object(&[
    Field::req("chatId", &Ty::Str),
    Field::req("userId", &Ty::Num),
    Field::req("action", &Ty::OneOf(&["joined", "left"])),
    Field::req("timestamp", &Ty::Str),
]);

static CHAT_STATUS_CHANGED: Ty = Ty::Object(&[
    Field::req("chatId", &Ty::Str),
    Field::req("status", &Ty::OneOf(&["ACTIVE", "CLOSED", "PENDING"])),
]);

const EVENTS: &[DocEvent] = &[
    DocEvent {
        name: "joinedChat",
        payload: Payload::Printed(&JOINED_CHAT_DATA),
        source: "joinChat, Response",
    },
    DocEvent {
        name: "leftChat",
        payload: Payload::Printed(&Ty::Str),
        source: "leaveChat, Response",
    },
    DocEvent {
        name: "messageSent",
        payload: Payload::Printed(&MESSAGE),
        source: "sendMessage, Response",
    },
    DocEvent {
        name: "messagesMarkedRead",
        payload: Payload::Printed(&MARKED_READ),
        source: "readMessages, Response",
    },
    DocEvent {
        name: "activeUsers",
        payload: Payload::Printed(&ACTIVE_USERS),
        source: "getActiveUsers, Response",
    },
    DocEvent {
        name: "newMessage",
        payload: Payload::Printed(&MESSAGE),
        source: "Server-to-Client Events",
    },
    DocEvent {
        name: "userTyping",
        payload: Payload::Printed(&USER_TYPING),
        source: "Server-to-Client Events",
    },
    DocEvent {
        name: "messagesRead",
        payload: Payload::Printed(&MESSAGES_READ),
        source: "Server-to-Client Events",
    },
    DocEvent {
        name: "participantUpdate",
        payload: Payload::Printed(&PARTICIPANT_UPDATE),
        source: "Server-to-Client Events",
    },
    DocEvent {
        name: "chatStatusChanged",
        payload: Payload::Printed(&CHAT_STATUS_CHANGED),
        source: "Server-to-Client Events",
    },
    DocEvent {
        name: "error",
        payload: Payload::Printed(&Ty::Str),
        source: "Error Handling: {event: 'error', data: string}",
    },
];

const COMMANDS: &[DocCommand] = &[
    DocCommand {
        name: "joinChat",
        answers: &[Answer::AckEnvelope("joinedChat")],
        source: "Client-to-Server Events",
    },
    DocCommand {
        name: "leaveChat",
        answers: &[Answer::AckEnvelope("leftChat")],
        source: "Client-to-Server Events",
    },
    DocCommand {
        name: "sendMessage",
        answers: &[Answer::AckEnvelope("messageSent")],
        source: "Client-to-Server Events",
    },
    // `typing` has no Response in the document; the others in the chat see `userTyping`.
    DocCommand {
        name: "typing",
        answers: &[Answer::Event {
            name: "userTyping",
            to: Audience::Other,
        }],
        source: "Client-to-Server Events",
    },
    DocCommand {
        name: "readMessages",
        answers: &[Answer::AckEnvelope("messagesMarkedRead")],
        source: "Client-to-Server Events",
    },
    DocCommand {
        name: "getActiveUsers",
        answers: &[Answer::AckEnvelope("activeUsers")],
        source: "Client-to-Server Events",
    },
];

/// Seed 003.
pub const DOCUMENT: Document = Document {
    dialect: DialectId::SupportChat,
    events: EVENTS,
    commands: COMMANDS,
};
