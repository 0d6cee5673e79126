mod polling;
mod websocket;
mod websocket_general;
mod websocket_secure;

pub use self::polling::PollingTransport;
pub use self::websocket::WebsocketTransport;
pub use self::websocket_secure::WebsocketSecureTransport;
