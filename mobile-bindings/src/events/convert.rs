//! The core's [`DomainEvent`] → [`Event`], field for field (see `events.rs` for the meaning):
//! the connection, consultations, presence and conversations here; calls, the services'
//! derived events, the cache and voice notes in `calls_and_services.rs`.

mod calls_and_services;

use super::Event;
use crate::records::{
    experts, messages, money, ConsultationSummary, ConversationInfo, ExpertItem, Message,
};
use parlor_core::DomainEvent as E;
use std::collections::{BTreeMap, HashMap};

fn counts(m: &BTreeMap<String, u32>) -> HashMap<String, u32> {
    m.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

pub(crate) fn events(list: &[E]) -> Vec<Event> {
    list.iter().map(Event::from).collect()
}

impl From<&E> for Event {
    fn from(e: &E) -> Self {
        connection_or_consultation(e)
            .or_else(|| presence_or_conversation(e))
            .or_else(|| calls_and_services::call_or_service(e))
            .or_else(|| calls_and_services::cache_or_voice(e))
            .unwrap_or_else(|| Event::Other {
                name: e.name(),
                json: serde_json::to_string(e).unwrap_or_default(),
            })
    }
}

fn connection_or_consultation(e: &E) -> Option<Event> {
    Some(match e {
        E::Connection { state } => Event::Connection {
            state: state.into(),
        },
        E::Authenticated { user } => Event::Authenticated { user: user.into() },
        E::ProtocolError {
            wire_event,
            reason,
            raw,
        } => Event::ProtocolError {
            wire_event: wire_event.clone(),
            reason: reason.clone(),
            raw_json: raw.to_string(),
        },
        E::Lagged { missed } => Event::Lagged { missed: *missed },
        E::ServerError {
            code,
            message,
            source,
        } => Event::ServerError {
            code: code.clone(),
            message: message.clone(),
            source: source.clone(),
        },
        E::ConsultationRequestSent {
            consultation_id,
            kind,
            expert_id,
            rate_per_minute,
            expires_at,
        } => Event::ConsultationRequestSent {
            consultation_id: consultation_id.clone(),
            kind: kind.map(Into::into),
            expert_id: expert_id.clone(),
            rate_per_minute: money(rate_per_minute),
            expires_at: expires_at.clone(),
        },
        E::ConsultationRequestFailed { code, message } => Event::ConsultationRequestFailed {
            code: code.clone(),
            message: message.clone(),
        },
        E::ConsultationRequested {
            consultation_id,
            user,
            kind,
            rate_per_minute,
            expires_at,
        } => Event::ConsultationRequested {
            consultation_id: consultation_id.clone(),
            user: user.into(),
            kind: (*kind).into(),
            rate_per_minute: money(rate_per_minute),
            expires_at: expires_at.clone(),
        },
        E::ConsultationAnswered {
            consultation_id,
            outcome,
            message,
            channel,
        } => Event::ConsultationAnswered {
            consultation_id: consultation_id.clone(),
            outcome: (*outcome).into(),
            message: message.clone(),
            channel: channel.clone(),
        },
        E::ConsultationStarted {
            consultation_id,
            started_at,
            rate_per_minute,
            balance,
        } => Event::ConsultationStarted {
            consultation_id: consultation_id.clone(),
            started_at: started_at.clone(),
            rate_per_minute: money(rate_per_minute),
            balance: money(balance),
        },
        E::ConsultationPaused {
            consultation_id,
            by,
        } => Event::ConsultationPaused {
            consultation_id: consultation_id.clone(),
            by: by.clone(),
        },
        E::ConsultationResumed {
            consultation_id,
            by,
        } => Event::ConsultationResumed {
            consultation_id: consultation_id.clone(),
            by: by.clone(),
        },
        E::ConsultationEnded {
            consultation_id,
            minutes,
            total,
            ended_by,
            reason,
            balance,
        } => Event::ConsultationEnded {
            consultation_id: consultation_id.clone(),
            minutes: *minutes,
            total: money(total),
            ended_by: ended_by.clone(),
            reason: reason.clone(),
            balance: money(balance),
        },
        E::MeterTick {
            consultation_id,
            minutes,
            cost,
            balance,
            state,
        } => Event::MeterTick {
            consultation_id: consultation_id.clone(),
            minutes: *minutes,
            cost: cost.into(),
            balance: money(balance),
            state: state.clone(),
        },
        E::WalletError {
            message,
            required_balance,
        } => Event::WalletError {
            message: message.clone(),
            required_balance: money(required_balance),
        },
        E::AdminReport {
            ok,
            message,
            consultations,
        } => Event::AdminReport {
            ok: *ok,
            message: message.clone(),
            consultations: consultations
                .iter()
                .map(ConsultationSummary::from)
                .collect(),
        },
        _ => return None,
    })
}

fn presence_or_conversation(e: &E) -> Option<Event> {
    Some(match e {
        E::ExpertsOnline { experts: list } => Event::ExpertsOnline {
            experts: experts(list),
        },
        E::ExpertPresence {
            expert_id,
            presence,
            expert,
        } => Event::ExpertPresence {
            expert_id: expert_id.clone(),
            presence: (*presence).into(),
            expert: expert.as_ref().map(ExpertItem::from),
        },
        E::OwnPresence { online } => Event::OwnPresence { online: *online },
        E::ConversationJoined {
            conversation_id,
            recent,
        } => Event::ConversationJoined {
            conversation_id: conversation_id.clone(),
            recent: messages(recent),
        },
        E::ConversationLeft { conversation_id } => Event::ConversationLeft {
            conversation_id: conversation_id.clone(),
        },
        E::MessageReceived { message } => Event::MessageReceived {
            message: message.into(),
        },
        E::MessageSent {
            conversation_id,
            server_id,
            client_id,
            message,
        } => Event::MessageSent {
            conversation_id: conversation_id.clone(),
            server_id: server_id.clone(),
            client_id: client_id.clone(),
            message: message.as_ref().map(Message::from),
        },
        E::MessageFailed {
            conversation_id,
            client_id,
            code,
            message,
        } => Event::MessageFailed {
            conversation_id: conversation_id.clone(),
            client_id: client_id.clone(),
            code: code.clone(),
            message: message.clone(),
        },
        E::TypingChanged {
            conversation_id,
            user,
            typing,
        } => Event::TypingChanged {
            conversation_id: conversation_id.clone(),
            user: user.into(),
            typing: *typing,
        },
        E::ReactionChanged {
            conversation_id,
            message_id,
            user,
            emoji,
            added,
            totals,
        } => Event::ReactionChanged {
            conversation_id: conversation_id.clone(),
            message_id: message_id.clone(),
            user: user.into(),
            emoji: emoji.clone(),
            added: *added,
            totals: counts(totals),
        },
        E::MessagesRead {
            conversation_id,
            user_id,
            message_ids,
            read_at,
        } => Event::MessagesRead {
            conversation_id: conversation_id.clone(),
            user_id: user_id.clone(),
            message_ids: message_ids.clone(),
            read_at: read_at.clone(),
        },
        E::ReadCounts { counts: c } => Event::ReadCounts { counts: counts(c) },
        E::ParticipantChanged {
            conversation_id,
            user,
            joined,
            at,
        } => Event::ParticipantChanged {
            conversation_id: conversation_id.clone(),
            user: user.into(),
            joined: *joined,
            at: at.clone(),
        },
        E::ConversationStatusChanged {
            conversation_id,
            status,
        } => Event::ConversationStatusChanged {
            conversation_id: conversation_id.clone(),
            status: status.clone(),
        },
        E::ActiveUsers {
            conversation_id,
            user_ids,
        } => Event::ActiveUsers {
            conversation_id: conversation_id.clone(),
            user_ids: user_ids.clone(),
        },
        E::History {
            conversation_id,
            messages: list,
            has_more,
            before,
        } => Event::History {
            conversation_id: conversation_id.clone(),
            messages: messages(list),
            has_more: *has_more,
            before: before.clone(),
        },
        E::Conversations { conversations } => Event::Conversations {
            conversations: conversations.iter().map(ConversationInfo::from).collect(),
        },
        _ => return None,
    })
}
