//! Push notifications on the client: a push's payload read by this server's dialect into the
//! same domain events the socket would have brought, and the connection woken to catch up.

use super::Client;
use crate::error::Error;
use crate::event::DomainEvent;
use crate::push::read_push;

impl Client {
    /// Reads a push notification's data payload (the JSON the app got from FCM or APNs) into
    /// the domain events of the server event it carries, read by this server's dialect as if
    /// the socket had delivered it; then publishes them to the services and subscribers (an
    /// incoming request is recorded, a message cached), and tries the connection at once
    /// if it was waiting between tries, so that the client catches up with what the push only
    /// announced. The envelope is described in [`crate::push`]. A payload that
    /// names no event, or an event the dialect cannot read, is an `InvalidInput` error and
    /// changes nothing.
    pub fn handle_push(&self, payload: &str) -> Result<Vec<DomainEvent>, Error> {
        let (event, args) = read_push(payload).map_err(|e| Error::InvalidInput(e.to_string()))?;
        let events = self
            .rules()
            .decode(&event, &args)
            .map_err(|e| Error::InvalidInput(format!("the push's {event}: {e}")))?;
        for e in &events {
            self.publish(e.clone());
        }
        self.retry_now();
        Ok(events)
    }

    /// While waiting between connection tries, tries now instead (nothing when connected or
    /// stopped).
    pub fn retry_now(&self) {
        self.inner.socket.retry_now();
    }
}
