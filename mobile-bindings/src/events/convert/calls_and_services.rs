//! The core's calls, the services' derived events, the cache's and voice notes' events →
//! [`Event`].

use super::super::Event;
use crate::records::{
    chat_items, consultations, experts, money, PlaybackState, RecordingEndReason, VoiceNoteState,
};
use crate::types::ms;
use parlor_core::DomainEvent as E;
use std::time::Duration;

pub(super) fn call_or_service(e: &E) -> Option<Event> {
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

pub(super) fn cache_or_voice(e: &E) -> Option<Event> {
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
