//! One step of a flow: send a command, wait for the answers its document names, compare
//! them with the documented shapes, check that Parlor decodes what the domain needs, add a row.

use super::findings::Findings;
use super::party::{Mark, Side};
use super::report::{Row, RowKind, Verdict};
use super::run::{compact, ix, payload, push_unique, wire_name, Run};
use parlor_core::dialect::documented::{check, Answer, Audience, Difference, DocCommand, Payload};
use parlor_core::dialect::Outbound;
use parlor_core::{Command, ConnectionState, DomainEvent, Error};
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

/// Picks the domain event a step needs.
type NeedPick = Box<dyn Fn(&DomainEvent) -> bool + Send>;

/// One command of a flow.
pub struct Step {
    by: Side,
    label: String,
    cmd: Command,
    needs: Option<(&'static str, NeedPick)>,
    refusal: Option<&'static [Answer]>,
    refusal_text: &'static str,
}

impl Step {
    /// `by` sends `cmd`; the row is labelled `label`.
    pub fn new(by: Side, label: impl Into<String>, cmd: Command) -> Step {
        Step {
            by,
            label: label.into(),
            cmd,
            needs: None,
            refusal: None,
            refusal_text: "",
        }
    }

    /// The domain event (named `what` in the report) Parlor must get from the answers.
    pub fn needs(
        mut self,
        what: &'static str,
        pick: impl Fn(&DomainEvent) -> bool + Send + 'static,
    ) -> Step {
        self.needs = Some((what, Box::new(pick)));
        self
    }

    /// A command the server must refuse, answered as `answers` (the document's error answer).
    pub fn refused(mut self, answers: &'static [Answer]) -> Step {
        self.refusal = Some(answers);
        self
    }

    /// A REST call the server must refuse with an HTTP error, which `document` describes.
    pub fn refused_over_http(mut self, document: &'static str) -> Step {
        self.refusal = Some(&[]);
        self.refusal_text = document;
        self
    }
}

/// What a step brought back: the domain events Parlor decoded from its answers.
pub struct Outcome {
    /// Decoded events (ack or REST answer, and the answering events on either side).
    pub events: Vec<DomainEvent>,
}

impl Outcome {
    /// The first value `pick` finds among the decoded events.
    pub fn find<T>(&self, pick: impl FnMut(&DomainEvent) -> Option<T>) -> Option<T> {
        self.events.iter().find_map(pick)
    }
}

impl Run {
    /// Sends one command and adds its row.
    pub async fn step(&mut self, step: Step) -> Outcome {
        self.sweep();
        let by = ix(step.by);
        let marks = [self.parties[0].mark(), self.parties[1].mark()];
        let deadline = Instant::now() + self.timeout;
        let party = &self.parties[by];
        let outbound = party.dialect().encode(&step.cmd).ok().unwrap_or_default();
        let wire = outbound.first().map(wire_name).unwrap_or_default();
        let doc_cmd: Option<&DocCommand> = outbound.first().and_then(|o| match o {
            Outbound::Rest { request, .. } => party.doc.rest_command(
                &format!("{:?}", request.method).to_uppercase(),
                &request.path,
            ),
            _ => party.doc.socket_command(&wire),
        });
        let answers: &[Answer] = step
            .refusal
            .or(doc_cmd.map(|c| c.answers))
            .unwrap_or_default();
        let asked_ack = outbound
            .iter()
            .any(|o| matches!(o, Outbound::Request { .. }));
        let asked_answer = outbound
            .iter()
            .any(|o| matches!(o, Outbound::Request { .. } | Outbound::Rest { .. }));
        let client = party.client.clone();
        let mut f = Findings {
            several: answers.len() > 1,
            ..Findings::default()
        };
        // An earlier step may have cost the connection (a transport that recycles it after an
        // unanswered ack): this step is judged on its own.
        if client.state() != ConnectionState::Connected {
            f.info
                .push("Parlor was reconnecting: this step waited for the connection".into());
            let _ = client.wait_connected(self.timeout).await;
        }
        // The client's own ack timeout is the step's: this outer bound is only a safety net
        // (a REST call hanging), so the client's error, which says more, normally comes first.
        let sent = tokio::time::timeout(
            self.timeout + Duration::from_secs(1),
            client.send_to_server(step.cmd),
        )
        .await;
        let acks = self.parties[by].claim_answers(marks[by]);
        f.body_decoded = matches!(sent, Ok(Ok(_)));
        let mut refused = false;
        let mut send_error = None;
        let timed_out = matches!(sent, Err(_) | Ok(Err(Error::Timeout(_))));
        match sent {
            Err(_) | Ok(Err(Error::Timeout(_))) => {}
            // A plain emit's events are the sender's own view, not the server's answer.
            Ok(Ok(events)) if asked_answer => f.decoded.extend(events),
            Ok(Ok(_)) => {}
            Ok(Err(Error::Rejected {
                code,
                status,
                message,
            })) if step.refusal.is_some() => {
                refused = true;
                let code = code.map(|c| format!("{c} ")).unwrap_or_default();
                let status = status.map(|s| format!("HTTP {s} ")).unwrap_or_default();
                f.info.push(format!("refused: {status}{code}{message:?}"));
            }
            Ok(Err(e)) => send_error = Some(e),
        }
        if let Some((_, answer)) = acks.first() {
            f.answered = true;
            f.sample = Some(answer.clone());
        }
        for a in answers {
            self.check_answer(*a, by, marks, deadline, &wire, &acks, &mut f)
                .await;
        }
        if !answers.iter().any(|a| matches!(a, Answer::AckEnvelope(_))) && asked_ack {
            if let Some((_, ack)) = acks.first() {
                let first = ack.as_array().and_then(|a| a.first()).unwrap_or(ack);
                f.info.push(format!("acked {}", compact(first)));
            }
        }
        if step.refusal.is_some_and(<[Answer]>::is_empty) && !refused {
            f.notes.push("the server did not refuse it".into());
        }
        let verdict = if timed_out && !f.answered {
            f.notes
                .push(format!("nothing within {} ms", self.timeout.as_millis()));
            Verdict::NoAnswer
        } else if timed_out {
            f.cannot.push(format!(
                "Parlor waited {} ms for an answer to {wire} that never came",
                self.timeout.as_millis()
            ));
            Verdict::ParlorCannotUse
        } else if let Some(e) = &send_error {
            f.cannot.push(match e {
                Error::Rejected { .. } => format!("the server refused: {e}"),
                Error::Protocol(m) => format!("Parlor cannot use it: {m}"),
                other => format!("Parlor failed the command: {other}"),
            });
            Verdict::ParlorCannotUse
        } else if !f.cannot.is_empty() {
            Verdict::ParlorCannotUse
        } else if !f.missing.is_empty() {
            Verdict::NoAnswer
        } else if let Some((what, pick)) = step.needs.as_ref().filter(|_| !refused) {
            if f.decoded.iter().any(pick) {
                Self::differs_or_ok(&f, doc_cmd.is_some() || step.refusal.is_some())
            } else {
                f.cannot
                    .push(format!("Parlor got no {what} from the answers"));
                Verdict::ParlorCannotUse
            }
        } else {
            Self::differs_or_ok(&f, doc_cmd.is_some() || step.refusal.is_some())
        };
        let document = match (doc_cmd, step.refusal) {
            (_, Some([])) => step.refusal_text.to_owned(),
            (_, Some(a)) => self.render_answers(a, by),
            (Some(c), None) => self.render_answers(c.answers, by),
            (None, None) => {
                f.info.push("nothing documented to compare".into());
                "not in the document".into()
            }
        };
        let mut notes = f.notes;
        notes.extend(f.missing.iter().map(|m| format!("no {m}")));
        let mut row = Row {
            kind: RowKind::Command,
            step: format!("{wire} {}", step.label).trim().to_owned(),
            party: self.parties[by].name.clone(),
            document,
            server: String::new(),
            verdict,
            differences: f.differences,
            notes,
            problems: f.cannot,
            info: f.info,
            count: 1,
            sample: f.sample,
        };
        row.describe();
        self.rows.push(row);
        Outcome { events: f.decoded }
    }

    fn differs_or_ok(f: &Findings, documented: bool) -> Verdict {
        if !f.notes.is_empty() || f.differences.iter().any(|d| !d.is_extra()) {
            Verdict::DiffersParlorCopes
        } else if documented {
            Verdict::AsDocumented
        } else {
            Verdict::Extension
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn check_answer(
        &mut self,
        answer: Answer,
        by: usize,
        marks: [Mark; 2],
        deadline: Instant,
        wire: &str,
        acks: &[(Outbound, Value)],
        f: &mut Findings,
    ) {
        let ack = acks
            .iter()
            .find(|(sent, _)| wire_name(sent) == wire)
            .map(|(_, v)| v);
        match answer {
            Answer::AckEnvelope(name) => {
                let first = ack.and_then(|a| match a {
                    Value::Array(args) => args.first(),
                    other => Some(other),
                });
                let use_event = match (ack, first) {
                    (None, _) => {
                        f.notes.push("no ack".into());
                        true
                    }
                    (Some(_), None | Some(Value::Null)) => {
                        f.notes.push("ack with no body".into());
                        true
                    }
                    (Some(_), Some(Value::Object(env))) if env.contains_key("event") => {
                        for key in env.keys().filter(|k| *k != "event" && *k != "data") {
                            push_unique(
                                &mut f.differences,
                                Difference::Extra {
                                    path: format!("ack.{key}"),
                                },
                            );
                        }
                        let got = env.get("event").and_then(Value::as_str).unwrap_or("");
                        let data = env.get("data").cloned().unwrap_or(Value::Null);
                        if got == name {
                            self.check_payload(by, name, &data, f);
                        } else if got == "error" {
                            f.info.push(format!("error answer: {}", compact(&data)));
                            self.check_payload(by, "error", &data, f);
                        } else {
                            f.notes
                                .push(format!("the ack names event {got:?} (documented {name:?})"));
                        }
                        false
                    }
                    (Some(_), Some(other)) => {
                        f.notes.push(format!(
                            "the ack is {} (documented {{event:'{name}', data}})",
                            compact(other)
                        ));
                        true
                    }
                };
                if use_event {
                    let found = self.claim(&[by], marks, name, deadline).await;
                    match found.first() {
                        Some((p, args)) => {
                            f.answered = true;
                            f.notes.push(format!("emitted event '{name}' instead"));
                            self.take_event(*p, name, args, f);
                        }
                        None => f.missing.push(format!("ack {{event:'{name}', data}}")),
                    }
                }
            }
            Answer::Event { name, to } => {
                let sides: Vec<usize> = match to {
                    Audience::Sender => vec![by],
                    Audience::Other => vec![1 - by],
                    Audience::Either => vec![by, 1 - by],
                };
                let mut found = self.claim(&sides, marks, name, deadline).await;
                if to == Audience::Either && found.len() == 1 {
                    // Both may get it: the other copy belongs to this step too.
                    let other = if found[0].0 == by { 1 - by } else { by };
                    if let Some(args) = self.parties[other].claim_event(marks[other], name) {
                        found.push((other, args));
                    }
                }
                for (p, args) in &found {
                    f.answered = true;
                    self.take_event(*p, name, args, f);
                }
                if found.is_empty() {
                    match ack.and_then(|a| a.as_array()).and_then(|a| a.first()) {
                        Some(body) if !body.is_null() => f.notes.push(format!(
                            "answered by the ack {} instead of event '{name}'",
                            compact(body)
                        )),
                        _ => f
                            .missing
                            .push(format!("event '{name}' to {}", self.audience_name(to, by))),
                    }
                }
            }
            Answer::Body(doc) => match (ack, doc) {
                (Some(body), Payload::Printed(ty)) => f.add("body", check(ty, body)),
                (Some(_), Payload::NotPrinted) if f.body_decoded => f
                    .info
                    .push("no shape printed; Parlor decodes the body".into()),
                (Some(_), Payload::NotPrinted) | (None, _) => {}
            },
        }
    }

    /// Checks a claimed event's payload and decodes it as party `p`'s client does.
    fn take_event(&mut self, p: usize, name: &str, args: &[Value], f: &mut Findings) {
        if f.sample.is_none() {
            f.sample = Some(payload(args));
        }
        self.check_payload(p, name, &payload(args), f);
        if args.len() > 1 {
            f.notes.push(format!(
                "'{name}' came with {} arguments (documented: one)",
                args.len()
            ));
        }
        match self.parties[p].decode(name, args) {
            Ok(events) => {
                if self.parties[p].doc.event(name).map(|e| e.payload) == Some(Payload::NotPrinted) {
                    let note = format!("'{name}': no shape printed; Parlor decodes it");
                    if !f.info.contains(&note) {
                        f.info.push(note);
                    }
                }
                f.decoded.extend(events)
            }
            Err(e) => {
                let problem = format!("Parlor cannot read '{name}': {}", e.reason);
                if !f.cannot.contains(&problem) {
                    f.cannot.push(problem);
                }
            }
        }
    }

    fn check_payload(&self, p: usize, name: &str, value: &Value, f: &mut Findings) {
        match self.parties[p].doc.event(name).map(|e| e.payload) {
            Some(Payload::Printed(ty)) => f.add(name, check(ty, value)),
            Some(Payload::NotPrinted) | None => {}
        }
    }
}
