//! [`ParlorClient`]'s push notifications: registering the device token where the server's
//! dialect carries it, and reading a push's payload into typed events.

use super::ParlorClient;
use crate::error::ParlorError;
use crate::events::{events, Event};
use crate::runtime::RUNTIME;
use parlor_core::push::PushPlatform as CorePlatform;
use parlor_core::Command;
use std::collections::HashMap;

/// The push service a device token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushPlatform {
    /// Firebase Cloud Messaging (Android).
    Fcm,
    /// APNs alerts (iOS).
    Apns,
    /// APNs VoIP pushes for PushKit and CallKit (iOS incoming calls).
    ApnsVoip,
}

impl From<PushPlatform> for CorePlatform {
    fn from(p: PushPlatform) -> Self {
        match p {
            PushPlatform::Fcm => CorePlatform::Fcm,
            PushPlatform::Apns => CorePlatform::Apns,
            PushPlatform::ApnsVoip => CorePlatform::ApnsVoip,
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl ParlorClient {
    /// Tells the server where to push this account's notifications. None of the five seed
    /// servers documents a way: with them this fails with `Unsupported` (a dialect of the
    /// app's own that carries it sends it).
    pub async fn register_push_token(
        &self,
        platform: PushPlatform,
        token: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::RegisterPushToken {
            platform: platform.into(),
            token,
        })
        .await
    }

    /// Reads a push's data payload (the JSON of FCM's `data` map or of the APNs
    /// dictionary) into the same typed events the socket would have brought: an incoming
    /// request, an incoming call, a new message. The client's services take them in (the
    /// request is recorded, the message cached) and the connection is tried at once to
    /// catch up. Call it from the app's push handler, on a client connected (or connecting)
    /// to the same account. `InvalidInput` when the payload names no event this server's
    /// dialect can read.
    pub fn handle_push_payload(&self, payload: String) -> Result<Vec<Event>, ParlorError> {
        // The services take the events in on this (the app's) thread: inside the library's
        // runtime, so that any task they start has one.
        let _runtime = RUNTIME.enter();
        Ok(events(&self.client.handle_push(&payload)?))
    }

    /// [`Self::handle_push_payload`] for a push's data as a map of strings, as Android's
    /// `RemoteMessage.data` gives it.
    pub fn handle_push_data(
        &self,
        data: HashMap<String, String>,
    ) -> Result<Vec<Event>, ParlorError> {
        let object: serde_json::Map<String, serde_json::Value> = data
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        self.handle_push_payload(serde_json::Value::Object(object).to_string())
    }
}
