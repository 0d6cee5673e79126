//! The core's [`DomainEvent`] → [`Event`], field for field (see `events.rs` for the meaning).

use super::Event;
use crate::records::{
    chat_items, consultations, experts, messages, money, ConsultationSummary, ConversationInfo,
    ExpertItem, Message, PlaybackState, RecordingEndReason, VoiceNoteState,
};
use crate::types::ms;
use parlor_core::DomainEvent as E;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

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
            .or_else(|| call_or_service(e))
            .or_else(|| cache_or_voice(e))
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

fn call_or_service(e: &E) -> Option<Event> {
    Some(match e {
        E::CallRinging { call_id, callee } => Event::CallRinging {
            call_id: call_id.clone(),
            callee: callee.as_ref().map(Into::into),
        },
        E::CallIncoming {
            call_id,
            media,
            caller,
        } => Event::CallIncoming {
            call_id: call_id.clone(),
            media: (*media).into(),
            caller: caller.into(),
        },
        E::CallAccepted {
            call_id,
            livekit,
            media,
            caller,
        } => Event::CallAccepted {
            call_id: call_id.clone(),
            livekit: livekit.into(),
            media: media.map(Into::into),
            caller: caller.as_ref().map(Into::into),
        },
        E::CallRejected { call_id } => Event::CallRejected {
            call_id: call_id.clone(),
        },
        E::CallCancelled { call_id } => Event::CallCancelled {
            call_id: call_id.clone(),
        },
        E::CallMissed { call_id } => Event::CallMissed {
            call_id: call_id.clone(),
        },
        E::CallEnded {
            call_id,
            duration_secs,
            coins,
            ended_by,
        } => Event::CallEnded {
            call_id: call_id.clone(),
            duration: duration_secs.map(Duration::from_secs),
            coins: money(coins),
            ended_by: ended_by.clone(),
        },
        E::CallError { code, message } => Event::CallError {
            code: code.clone(),
            message: message.clone(),
        },
        E::AgoraJoinReady { join } => Event::AgoraJoinReady { join: join.into() },
        E::ConsultationUpdated { consultation } => Event::ConsultationUpdated {
            consultation: consultation.into(),
        },
        E::MeterUpdate {
            consultation_id,
            reading,
        } => Event::MeterUpdate {
            consultation_id: consultation_id.clone(),
            meter: reading.into(),
        },
        E::LowBalanceWarning {
            consultation_id,
            reading,
        } => Event::LowBalanceWarning {
            consultation_id: consultation_id.clone(),
            meter: reading.into(),
        },
        E::MeterStopped {
            consultation_id,
            reason,
            required_balance,
        } => Event::MeterStopped {
            consultation_id: consultation_id.clone(),
            reason: (*reason).into(),
            required_balance: money(required_balance),
        },
        E::ConsultationList {
            consultations: list,
        } => Event::ConsultationList {
            consultations: consultations(list),
        },
        E::ExpertBusy { busy } => Event::ExpertBusy { busy: *busy },
        E::ExpertsSnapshot { experts: list } => Event::ExpertsSnapshot {
            experts: experts(list),
        },
        E::ExpertUpdated { expert } => Event::ExpertUpdated {
            expert: expert.into(),
        },
        E::ExpertRemoved { expert_id } => Event::ExpertRemoved {
            expert_id: expert_id.clone(),
        },
        E::RawReply { wire_event, args } => Event::RawReply {
            wire_event: wire_event.clone(),
            args_json: args.iter().map(|a| a.to_string()).collect(),
        },
        E::CallStateChanged { call } => Event::CallStateChanged { call: call.into() },
        E::CallMedia { call_id, media } => Event::CallMediaChanged {
            call_id: call_id.clone(),
            media: media.into(),
        },
        E::CallHistory { calls } => Event::CallHistory {
            calls: calls.iter().map(Into::into).collect(),
        },
        _ => return None,
    })
}

fn cache_or_voice(e: &E) -> Option<Event> {
    Some(match e {
        E::ChatMessageChanged { message } => Event::ChatMessageChanged {
            message: message.into(),
        },
        E::ChatMessageDiscarded {
            conversation_id,
            client_id,
        } => Event::ChatMessageDiscarded {
            conversation_id: conversation_id.clone(),
            client_id: client_id.clone(),
        },
        E::MessagesPage {
            conversation_id,
            before,
            messages,
            has_more,
            source,
        } => Event::MessagesPage {
            conversation_id: conversation_id.clone(),
            before: *before,
            messages: chat_items(messages),
            has_more: *has_more,
            source: (*source).into(),
        },
        E::SearchResults { query, messages } => Event::SearchResults {
            query: query.clone(),
            messages: chat_items(messages),
        },
        E::InputDevices { names } => Event::InputDevices {
            names: names.clone(),
        },
        E::RecordingStarted { max_ms } => Event::RecordingStarted { max: ms(*max_ms) },
        E::VoiceLevel { at_ms, rms } => Event::VoiceLevel {
            at: ms(*at_ms),
            rms: *rms,
        },
        E::RecordingEnded {
            reason,
            duration_ms,
        } => Event::RecordingEnded {
            reason: RecordingEndReason::parse(reason),
            duration: ms(*duration_ms),
        },
        E::VoiceNoteChanged {
            client_id,
            conversation_id,
            state,
            sent,
            total,
            duration_ms,
            waveform,
            message_id,
            file_url,
            error,
        } => Event::VoiceNoteChanged {
            client_id: client_id.clone(),
            conversation_id: conversation_id.clone(),
            state: VoiceNoteState::parse(state),
            sent: *sent,
            total: *total,
            duration: ms(*duration_ms),
            waveform: waveform.clone(),
            message_id: message_id.clone(),
            file_url: file_url.clone(),
            error: error.clone(),
        },
        E::VoicePlayback {
            url,
            state,
            position_ms,
            duration_ms,
            waveform,
        } => Event::VoicePlayback {
            url: url.clone(),
            state: PlaybackState::parse(state),
            position: position_ms.map(ms),
            duration: duration_ms.map(ms),
            waveform: waveform.clone(),
        },
        _ => return None,
    })
}
