//! A dialect whose server names some events, places some fields or serves some REST paths
//! differently from its document: the profile's `[events]` table (the document's name → this
//! server's), its `[fields.<event>]` tables (the document's path → this server's) and its
//! `[rest_paths]` table (the document's path prefix → this server's) are applied to everything
//! sent and received, and the dialect underneath sees only the document's names, places and
//! paths. A server that is close to one of the five thus needs a profile file, not code.

use super::field_paths::FieldMoves;
use super::rest_paths::RestMoves;
use super::{
    BackfillRequest, Capability, Dialect, DialectError, DialectName, EventProof, MessageDelivery,
    Outbound, ProtocolError, SendRefusal,
};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::VoiceUploadSpec;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// `inner` with the events of `to_server` renamed, the fields of `fields` and the REST paths
/// of `rest` moved on the wire.
pub struct Overridden {
    inner: Arc<dyn Dialect>,
    fields: FieldMoves,
    rest: RestMoves,
    /// The voice-upload spec at the server's path, made once.
    voice: OnceLock<Option<&'static VoiceUploadSpec>>,
    to_server: HashMap<String, String>,
    from_server: HashMap<String, String>,
    /// The names the trait hands out as `&'static str`, made once per name: the set is
    /// bounded by the profile's table and the dialect's own names.
    leaked: Mutex<HashMap<String, &'static str>>,
    answers: Mutex<HashMap<String, &'static [&'static str]>>,
}

impl Overridden {
    /// `inner` speaking to a server that renames the events of `events` (document's name →
    /// server's name), moves the fields of `fields` and the REST paths of `rest`. The tables
    /// are checked by the profile (`parlor_core::ServerProfile::validate`).
    pub fn new(
        inner: Arc<dyn Dialect>,
        events: &BTreeMap<String, String>,
        fields: FieldMoves,
        rest: RestMoves,
    ) -> Overridden {
        Overridden {
            inner,
            fields,
            rest,
            voice: OnceLock::new(),
            to_server: events.iter().map(|(d, s)| (d.clone(), s.clone())).collect(),
            from_server: events.iter().map(|(d, s)| (s.clone(), d.clone())).collect(),
            leaked: Mutex::new(HashMap::new()),
            answers: Mutex::new(HashMap::new()),
        }
    }

    fn server_name<'a>(&'a self, document: &'a str) -> &'a str {
        self.to_server
            .get(document)
            .map_or(document, String::as_str)
    }

    fn document_name<'a>(&'a self, server: &'a str) -> &'a str {
        self.from_server.get(server).map_or(server, String::as_str)
    }

    fn leak(&self, name: &str) -> &'static str {
        let mut leaked = crate::sync::lock(&self.leaked);
        if let Some(s) = leaked.get(name) {
            return s;
        }
        let s: &'static str = Box::leak(name.to_owned().into_boxed_str());
        leaked.insert(name.to_owned(), s);
        s
    }

    /// `out` with its event named as `name` maps it and its argument as `arg` rewrites it
    /// (given the event's name before the renaming).
    fn renamed(
        mut out: Outbound,
        name: impl Fn(&str) -> String,
        arg: impl Fn(&str, &mut Value),
    ) -> Outbound {
        // A REST call names no event and carries no socket payload: it passes unchanged.
        if let Outbound::Emit { event, arg: a }
        | Outbound::EmitOwnView { event, arg: a, .. }
        | Outbound::Request { event, arg: a, .. } = &mut out
        {
            arg(event, a);
            *event = name(event);
        }
        out
    }

    /// An answer naming the event it answers as (`{event, data}`, also inside an array): that
    /// name back in the document's words, and its data's fields in the document's places.
    fn answer_in_document_words(&self, answer: &Value) -> Value {
        let mut answer = answer.clone();
        let envelope = match &mut answer {
            Value::Array(items) => items.first_mut(),
            other => Some(other),
        };
        if let Some(Value::Object(m)) = envelope {
            if let Some(Value::String(event)) = m.get_mut("event") {
                if let Some(document) = self.from_server.get(event.as_str()) {
                    *event = document.clone();
                }
            }
            if let (Some(Value::String(event)), Some(data)) =
                (m.get("event").cloned(), m.get_mut("data"))
            {
                self.fields.to_document(&event, data);
            }
        }
        answer
    }
}

impl Dialect for Overridden {
    fn name(&self) -> DialectName {
        self.inner.name()
    }

    fn capabilities(&self) -> &'static [Capability] {
        self.inner.capabilities()
    }

    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
        Ok(self
            .inner
            .encode(cmd)?
            .into_iter()
            .map(|out| {
                let mut out = Self::renamed(
                    out,
                    |e| self.server_name(e).to_owned(),
                    |e, arg| self.fields.to_server(e, arg),
                );
                if let Outbound::Rest { request, .. } = &mut out {
                    request.path = self.rest.to_server(&request.path);
                }
                out
            })
            .collect())
    }

    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        let event = self.document_name(event);
        match args.split_first() {
            Some((first, rest)) if self.fields.moves(event) => {
                let mut moved = Vec::with_capacity(args.len());
                let mut payload = first.clone();
                self.fields.to_document(event, &mut payload);
                moved.push(payload);
                moved.extend_from_slice(rest);
                self.inner.decode(event, &moved)
            }
            _ => self.inner.decode(event, args),
        }
    }

    fn decode_reply(
        &self,
        sent: &Outbound,
        answer: &Value,
    ) -> Result<Vec<DomainEvent>, DialectError> {
        // The dialect reads the reply against what it wrote itself: the document's names
        // and places.
        let mut sent = Self::renamed(
            sent.clone(),
            |e| self.document_name(e).to_owned(),
            |e, arg| self.fields.to_document(self.document_name(e), arg),
        );
        if let Outbound::Rest { request, .. } = &mut sent {
            request.path = self.rest.to_document(&request.path);
        }
        self.inner
            .decode_reply(&sent, &self.answer_in_document_words(answer))
    }

    fn auth_rejection(&self, event: &str, args: &[Value]) -> Option<String> {
        self.inner.auth_rejection(self.document_name(event), args)
    }

    fn message_delivery(&self) -> Option<MessageDelivery> {
        self.inner.message_delivery()
    }

    fn rejoin(&self, conversation_id: &str) -> Vec<Command> {
        self.inner.rejoin(conversation_id)
    }

    fn answer_events(&self, request_event: &str) -> &'static [&'static str] {
        let mut answers = crate::sync::lock(&self.answers);
        if let Some(list) = answers.get(request_event) {
            return list;
        }
        let names: Vec<&'static str> = self
            .inner
            .answer_events(self.document_name(request_event))
            .iter()
            .map(|e| self.leak(self.server_name(e)))
            .collect();
        let list: &'static [&'static str] = Box::leak(names.into_boxed_slice());
        answers.insert(request_event.to_owned(), list);
        list
    }

    fn check_client_id(&self, client_id: &str) -> Result<(), DialectError> {
        self.inner.check_client_id(client_id)
    }

    fn send_refusal(&self, code: Option<&str>) -> Option<SendRefusal> {
        self.inner.send_refusal(code)
    }

    fn login_confirmation(&self) -> Option<&'static str> {
        self.inner
            .login_confirmation()
            .map(|e| self.leak(self.server_name(e)))
    }

    fn event_proof(&self, cmd: &Command) -> Option<EventProof> {
        self.inner.event_proof(cmd)
    }

    fn backfill(&self, page: &BackfillRequest<'_>) -> Option<Command> {
        self.inner.backfill(page)
    }

    fn voice_upload(&self) -> Option<&'static VoiceUploadSpec> {
        *self.voice.get_or_init(|| {
            let spec = self.inner.voice_upload()?;
            let path = self.rest.to_server(spec.path);
            if path == spec.path {
                return Some(spec);
            }
            // Made once per session's dialect: the trait hands the spec out as `'static`.
            let path: &'static str = Box::leak(path.into_boxed_str());
            Some(Box::leak(Box::new(VoiceUploadSpec { path, ..*spec })))
        })
    }

    fn decode_upload_answer(&self, answer: &Value) -> crate::model::UploadedNote {
        self.inner.decode_upload_answer(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{dialect_for, DialectContext, DialectId};
    use serde_json::json;

    fn renamed() -> Overridden {
        let inner: Arc<dyn Dialect> = Arc::from(dialect_for(
            DialectId::SupportChat,
            &DialectContext {
                namespace: "/".into(),
                account_id: None,
            },
        ));
        let events = BTreeMap::from([
            ("sendMessage".to_owned(), "message:send".to_owned()),
            ("newMessage".to_owned(), "message:new".to_owned()),
            ("messageSent".to_owned(), "message:sent".to_owned()),
        ]);
        Overridden::new(inner, &events, FieldMoves::default(), RestMoves::default())
    }

    #[test]
    fn sent_and_received_events_carry_the_servers_names() {
        let d = renamed();
        let out = d
            .encode(&Command::SendMessage {
                conversation_id: "c1".into(),
                client_id: "m1".into(),
                text: Some("hi".into()),
                reply_to: None,
                file_id: None,
            })
            .unwrap();
        assert!(
            matches!(&out[0], Outbound::Request { event, .. } if event == "message:send"),
            "{out:?}"
        );
        // The server's answer by event comes under its own name.
        assert!(d.answer_events("message:send").contains(&"message:sent"));
        let message = json!({"id": "s1", "chatId": "c1", "content": "hi",
            "sender": {"id": "u2", "name": "Ravi"}, "createdAt": "2026-01-01T00:00:00Z"});
        let received = d
            .decode("message:new", std::slice::from_ref(&message))
            .unwrap();
        assert!(matches!(
            &received[0],
            DomainEvent::MessageReceived { message } if message.id == "s1"
        ));
        // An ack naming the answer by the server's name reads as the document's.
        let answer = json!({"event": "message:sent", "data": message});
        let confirmed = d.decode_reply(&out[0], &answer).unwrap();
        assert!(
            confirmed.iter().any(
                |e| matches!(e, DomainEvent::MessageSent { server_id, .. } if server_id == "s1")
            ),
            "{confirmed:?}"
        );
        // A name the table does not rename passes through.
        assert!(d
            .decode(
                "userTyping",
                &[json!({"chatId": "c1", "userId": "u2", "isTyping": true})]
            )
            .is_ok());
    }

    #[test]
    fn rest_calls_and_the_voice_upload_go_to_the_servers_paths() {
        let inner: Arc<dyn Dialect> = Arc::from(dialect_for(
            DialectId::TarotChat,
            &DialectContext::default(),
        ));
        let table = BTreeMap::from([("/api/chat".to_owned(), "/v2/chat".to_owned())]);
        let d = Overridden::new(
            inner.clone(),
            &BTreeMap::new(),
            FieldMoves::default(),
            RestMoves::new(&table).unwrap(),
        );
        let list = Command::ListConversations { status: None };
        let out = d.encode(&list).unwrap();
        match &out[0] {
            Outbound::Rest { request, .. } => assert_eq!(request.path, "/v2/chat/sessions"),
            other => panic!("expected a REST call, got {other:?}"),
        }
        // The answer is read against the path the dialect wrote: as without the move.
        let answer = json!({"success": true, "data": {"sessions": [{"id": "s1"}]}});
        let plain = inner.encode(&list).unwrap();
        assert_eq!(
            d.decode_reply(&out[0], &answer).unwrap(),
            inner.decode_reply(&plain[0], &answer).unwrap()
        );
        let spec = d.voice_upload().unwrap();
        assert_eq!(spec.path, "/v2/chat/voice-notes");
        assert_eq!(spec.file_field, inner.voice_upload().unwrap().file_field);
        assert!(std::ptr::eq(spec, d.voice_upload().unwrap()), "made once");
    }
}
