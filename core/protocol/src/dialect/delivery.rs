//! How a server proves that it took one of our messages, and what the client may do when that
//! proof does not come: each dialect states it from its document.

/// How a server proves that it stored one of our chat messages, and what the client may do
/// when that proof does not come. Each dialect states it from its document; the outbox uses
/// exactly this and never waits for anything the document does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageDelivery {
    /// What proves that the server took a message.
    pub confirmed_by: Confirmation,
    /// How the client can learn, after a reconnect, whether a message whose proof never came
    /// reached the server.
    pub reconcile: Reconcile,
}

/// What proves that the server took a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The answer to the send itself (a socket.io ack; any answer that is not an error proves
    /// it, with or without the stored message in it).
    Answer,
    /// An event the server sends after the emit (002 `message_sent`), matched by our id when
    /// the server repeats it, else to the one message in flight.
    Event,
    /// Nothing is documented: the emit only. If our message comes back to us (an echo) or an
    /// error about it arrives within `echo_window_ms`, that settles it; otherwise the message
    /// ends `unconfirmed` (at most once: the user chooses whether to resend).
    EmitOnly {
        /// How long to wait for an echo or an error.
        echo_window_ms: u64,
    },
}

/// How the client can find out whether an unconfirmed message reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconcile {
    /// No way to ask: a message whose proof never came ends `unconfirmed`.
    Nothing,
    /// The answer to rejoining the conversation lists its recent messages (003 `joinChat`).
    RejoinAnswer,
    /// The newest page of the conversation's history (002 REST), fetched after a rejoin.
    HistoryPage,
}

/// What an error event says about the one message in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendRefusal {
    /// The server refused the message: it fails with the server's code and words.
    Refused,
    /// The server asks to slow down: the message waits, its attempts unused.
    SlowDown,
}
