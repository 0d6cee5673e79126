//! A flow in progress: the two parties, their logs, the rows so far, and the waiting that
//! steps (`step.rs`) and event rows (`events.rs`) share.

use super::party::{Mark, Party, Side};
use super::report::{Row, RowKind, Verdict};
use parlor_core::dialect::documented::{Answer, Audience, Difference};
use parlor_core::dialect::Outbound;
use parlor_core::DomainEvent;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// A flow in progress: the two parties and the rows so far.
pub struct Run {
    pub(super) parties: [Party; 2],
    pub(super) rows: Vec<Row>,
    pub(super) event_rows: HashMap<(usize, String), usize>,
    /// Time a server has to answer one step.
    pub timeout: Duration,
    /// Bound for events that take their time (`chat-timer`, `call:missed`).
    pub wait: Duration,
}

pub(super) fn ix(side: Side) -> usize {
    match side {
        Side::User => 0,
        Side::Expert => 1,
    }
}

/// The wire name of what was sent: the socket event, or `METHOD /path`.
pub(super) fn wire_name(out: &Outbound) -> String {
    match out {
        Outbound::Emit { event, .. }
        | Outbound::EmitOwnView { event, .. }
        | Outbound::Request { event, .. } => event.clone(),
        Outbound::Rest { request, .. } => {
            format!(
                "{} {}",
                format!("{:?}", request.method).to_uppercase(),
                request.path
            )
        }
    }
}

/// The payload of an event: its first argument.
pub(super) fn payload(args: &[Value]) -> Value {
    args.first().cloned().unwrap_or(Value::Null)
}

/// `{…}` of a value, at most 80 characters.
pub(super) fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(79).collect::<String>())
    } else {
        s
    }
}

/// Adds `d` unless a difference of its kind at its path is there already.
pub(super) fn push_unique(list: &mut Vec<Difference>, d: Difference) {
    if !list
        .iter()
        .any(|e| std::mem::discriminant(e) == std::mem::discriminant(&d) && e.path() == d.path())
    {
        list.push(d);
    }
}

impl Run {
    /// A run between `user` and `expert`.
    pub fn new(user: Party, expert: Party, timeout: Duration, wait: Duration) -> Run {
        Run {
            parties: [user, expert],
            rows: Vec::new(),
            event_rows: HashMap::new(),
            timeout,
            wait,
        }
    }

    /// The party on `side`.
    pub fn party(&mut self, side: Side) -> &mut Party {
        &mut self.parties[ix(side)]
    }

    /// The account id of `side`.
    pub fn id(&self, side: Side) -> String {
        self.parties[ix(side)].account.id.clone()
    }

    /// The end of `side`'s log now (for [`Run::wait_for`]).
    pub fn mark(&mut self, side: Side) -> Mark {
        self.party(side).mark()
    }

    /// The rows, once every event received so far has been reported.
    pub fn finish(mut self) -> Vec<Row> {
        self.sweep();
        self.rows
    }

    /// Waits until either party receives something; false at `deadline`.
    pub(super) async fn wait_any(&mut self, deadline: Instant) -> bool {
        let [a, b] = &mut self.parties;
        tokio::select! {
            got = a.receive() => got,
            got = b.receive() => got,
            _ = tokio::time::sleep_until(deadline) => false,
        }
    }

    /// Claims the first event `name` after `marks` on any of `sides`, waiting until `deadline`.
    pub(super) async fn claim(
        &mut self,
        sides: &[usize],
        marks: [Mark; 2],
        name: &str,
        deadline: Instant,
    ) -> Vec<(usize, Vec<Value>)> {
        loop {
            let mut found = Vec::new();
            for &p in sides {
                if let Some(args) = self.parties[p].claim_event(marks[p], name) {
                    found.push((p, args));
                }
            }
            if !found.is_empty() || !self.wait_any(deadline).await {
                return found;
            }
        }
    }

    pub(super) fn audience_name(&self, to: Audience, by: usize) -> String {
        match to {
            Audience::Sender => format!("the {}", self.parties[by].name),
            Audience::Other => format!("the {}", self.parties[1 - by].name),
            Audience::Either => "either party".into(),
        }
    }

    pub(super) fn render_answers(&self, answers: &[Answer], by: usize) -> String {
        if answers.is_empty() {
            return "no answer printed".into();
        }
        let shape = |p: usize, name: &str| {
            self.parties[p]
                .doc
                .event(name)
                .map(|e| e.payload.render())
                .unwrap_or_default()
        };
        answers
            .iter()
            .map(|a| match a {
                Answer::AckEnvelope(name) => {
                    format!("ack {{event:'{name}', data:{}}}", shape(by, name))
                }
                Answer::Event { name, to } => {
                    let p = if *to == Audience::Other { 1 - by } else { by };
                    format!(
                        "'{name}' to {} {}",
                        self.audience_name(*to, by),
                        shape(p, name)
                    )
                }
                Answer::Body(payload) => format!("body {}", payload.render()),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Waits (up to the `--wait` bound) for an event on `side` after `since` that Parlor
    /// decodes into something `pick` accepts; adds a "no answer" row when none comes.
    pub async fn wait_for<T>(
        &mut self,
        side: Side,
        since: Mark,
        event: &str,
        bound: Duration,
        mut pick: impl FnMut(&DomainEvent) -> Option<T>,
    ) -> Option<T> {
        let p = ix(side);
        let deadline = Instant::now() + bound;
        let mut checked = since;
        loop {
            for (i, name, args) in self.parties[p].events_from(checked) {
                checked = i + 1;
                if name != event {
                    continue;
                }
                if let Ok(events) = self.parties[p].decode(&name, &args) {
                    if let Some(found) = events.iter().find_map(&mut pick) {
                        return Some(found);
                    }
                }
            }
            if !self.wait_any(deadline).await {
                break;
            }
        }
        let document = self.parties[p]
            .doc
            .event(event)
            .map(|e| e.payload.render())
            .unwrap_or_else(|| "not in the document".into());
        self.rows.push(Row {
            kind: RowKind::Wait,
            step: event.into(),
            party: self.parties[p].name.clone(),
            document,
            server: format!(
                "no '{event}' that Parlor could read within {} s",
                bound.as_secs_f32()
            ),
            verdict: Verdict::NoAnswer,
            differences: vec![],
            notes: vec![],
            problems: vec![],
            info: vec![],
            count: 0,
            sample: None,
        });
        None
    }
}
