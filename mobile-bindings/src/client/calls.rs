//! [`ParlorClient`]'s calls: placing, answering and ending them (004 on LiveKit), and the
//! Agora join information of 001's sessions.

use super::ParlorClient;
use crate::error::ParlorError;
use crate::events::Event;
use crate::records::{AgoraJoinInfo, Call, CallMedia};
use parlor_core::Command;

#[uniffi::export(async_runtime = "tokio")]
impl ParlorClient {
    /// User: call an expert (004). `CallRinging`, then `CallAccepted` with the LiveKit
    /// credentials arrive as events.
    pub async fn initiate_call(
        &self,
        callee_id: String,
        media: CallMedia,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::InitiateCall {
            callee_id,
            media: media.into(),
        })
        .await
    }

    /// Expert: accept a ringing call.
    pub async fn accept_call(&self, call_id: String) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::AcceptCall { call_id }).await
    }

    /// Expert: reject a ringing call.
    pub async fn reject_call(&self, call_id: String) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::RejectCall { call_id }).await
    }

    /// User: cancel a ringing call.
    pub async fn cancel_call(&self, call_id: String) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::CancelCall { call_id }).await
    }

    /// Hang up.
    pub async fn end_call(&self, call_id: String) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::EndCall { call_id }).await
    }

    /// The current (or last) call, when this server has calls.
    pub fn call(&self) -> Option<Call> {
        self.calls.as_ref().map(|c| Call::from(&c.snapshot()))
    }

    /// Agora join info for a channel (001), for the app's Agora SDK.
    pub async fn request_agora_token(
        &self,
        channel: String,
        uid: Option<String>,
    ) -> Result<AgoraJoinInfo, ParlorError> {
        let answer = self
            .send(Command::RequestAgoraToken { channel, uid })
            .await?;
        answer
            .into_iter()
            .find_map(|e| match e {
                Event::AgoraJoinReady { join } => Some(join),
                _ => None,
            })
            .ok_or_else(|| ParlorError::Internal {
                detail: "the server's answer carried no Agora join info".into(),
            })
    }
}
