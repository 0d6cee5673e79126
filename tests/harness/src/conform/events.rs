//! Event rows: every event no step claimed, one row per party and event name, with the
//! worst verdict of its occurrences and each difference once.

use super::report::{Row, RowKind, Verdict};
use super::run::{payload, push_unique, Run};
use parlor_core::dialect::documented::{check, Payload};
use serde_json::Value;

impl Run {
    /// Turns every event nobody claimed into (or onto) its event row.
    pub fn sweep(&mut self) {
        for p in 0..2 {
            for (name, args) in self.parties[p].sweep() {
                let row = self.event_row(p, &name, &args);
                match self.event_rows.get(&(p, name.clone())) {
                    Some(&i) => merge(&mut self.rows[i], row),
                    None => {
                        self.event_rows.insert((p, name), self.rows.len());
                        self.rows.push(row);
                    }
                }
            }
        }
    }

    fn event_row(&self, p: usize, name: &str, args: &[Value]) -> Row {
        let party = &self.parties[p];
        let value = payload(args);
        let decoded = party.decode(name, args);
        let mut differences = Vec::new();
        let mut notes = Vec::new();
        let mut problems = Vec::new();
        let mut info = Vec::new();
        let (document, verdict) = match party.doc.event(name).map(|e| e.payload) {
            None => {
                info.push(match &decoded {
                    Ok(_) => "not in the document; Parlor decodes it".to_owned(),
                    Err(_) => "not in the document; Parlor ignores it".to_owned(),
                });
                ("not in the document".to_owned(), Verdict::Extension)
            }
            Some(doc) => {
                if let Payload::Printed(ty) = doc {
                    differences = check(ty, &value);
                }
                if args.len() > 1 {
                    notes.push(format!("{} arguments (documented: one)", args.len()));
                }
                let verdict = match &decoded {
                    Err(e) => {
                        problems.push(format!("Parlor cannot read it: {}", e.reason));
                        Verdict::ParlorCannotUse
                    }
                    Ok(_) if !notes.is_empty() || differences.iter().any(|d| !d.is_extra()) => {
                        Verdict::DiffersParlorCopes
                    }
                    Ok(_) => Verdict::AsDocumented,
                };
                if doc == Payload::NotPrinted && decoded.is_ok() {
                    info.push("no shape printed; Parlor decodes it".into());
                }
                (doc.render(), verdict)
            }
        };
        let mut row = Row {
            kind: RowKind::Event,
            step: name.into(),
            party: party.name.clone(),
            document,
            server: String::new(),
            verdict,
            differences,
            notes,
            problems,
            info,
            count: 1,
            sample: Some(value),
        };
        row.describe();
        row
    }
}

/// Adds another occurrence of an event to its row: the worst verdict, every difference once.
fn merge(into: &mut Row, other: Row) {
    into.count += 1;
    into.verdict = into.verdict.max(other.verdict);
    for d in other.differences {
        push_unique(&mut into.differences, d);
    }
    for (list, more) in [
        (&mut into.notes, other.notes),
        (&mut into.problems, other.problems),
        (&mut into.info, other.info),
    ] {
        for n in more {
            if !list.contains(&n) {
                list.push(n);
            }
        }
    }
    into.describe();
}
