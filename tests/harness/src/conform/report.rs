//! The conformance report: one row per command and per kind of event, a verdict each, printed
//! as a table for people and written as JSON for tools.

use parlor_core::dialect::documented::Difference;
use parlor_core::DialectId;
use serde::Serialize;
use serde_json::Value;

/// What a row concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// As the document says (extra fields are listed, not counted against it).
    AsDocumented,
    /// Not in the document (an extension): informational.
    Extension,
    /// Differs from the document, but Parlor's decoder still gets the domain event.
    DiffersParlorCopes,
    /// Nothing came within the step's timeout (or the `--wait` bound).
    NoAnswer,
    /// Differs, and Parlor cannot use it (the decoder fails, or the command fails).
    ParlorCannotUse,
}

impl Verdict {
    /// How the table shows it.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::AsDocumented => "ok",
            Verdict::Extension => "extension",
            Verdict::DiffersParlorCopes => "differs (Parlor copes)",
            Verdict::NoAnswer => "no answer",
            Verdict::ParlorCannotUse => "CANNOT USE",
        }
    }
}

/// What a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// A command the flow sent, and its answers.
    Command,
    /// A kind of server event nobody asked for in that step (all occurrences on one party).
    Event,
    /// An event the flow waited for, up to a bound.
    Wait,
}

/// Extra fields a table row names before it abbreviates.
const MAX_EXTRAS_SHOWN: usize = 10;

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Command or event.
    pub kind: RowKind,
    /// What was done or seen (`joinChat "chat-1"`, `newMessage`).
    pub step: String,
    /// Which party sent the command or got the event.
    pub party: String,
    /// What the document says.
    pub document: String,
    /// What the server did: `same`, or each difference.
    pub server: String,
    /// The conclusion.
    pub verdict: Verdict,
    /// Shape differences, extra fields included.
    pub differences: Vec<Difference>,
    /// How the server's answer differs besides shapes: the channel used, answers missing.
    pub notes: Vec<String>,
    /// Why Parlor cannot use it, when it cannot.
    pub problems: Vec<String>,
    /// Informational only: what was refused, acks the document does not print, extensions.
    pub info: Vec<String>,
    /// How many times the event came (1 for commands).
    pub count: usize,
    /// The first payload received, as sent.
    pub sample: Option<Value>,
}

impl Row {
    /// Fills `server` from the differences and notes.
    pub fn describe(&mut self) {
        let mut parts: Vec<String> = self.notes.clone();
        parts.extend(
            self.differences
                .iter()
                .filter(|d| !d.is_extra())
                .map(Difference::describe),
        );
        parts.extend(self.problems.iter().cloned());
        let extras: Vec<&str> = self
            .differences
            .iter()
            .filter(|d| d.is_extra())
            .map(Difference::path)
            .collect();
        // Drifting servers add many: the table shows the first ones, the JSON all.
        match extras.len() {
            0 => {}
            n if n <= MAX_EXTRAS_SHOWN => parts.push(format!("extra: {}", extras.join(", "))),
            n => parts.push(format!(
                "extra: {} and {} more (see --json)",
                extras[..MAX_EXTRAS_SHOWN].join(", "),
                n - MAX_EXTRAS_SHOWN
            )),
        }
        parts.extend(self.info.iter().cloned());
        self.server = if parts.is_empty() {
            "same".into()
        } else {
            parts.join("; ")
        };
    }
}

/// Counts per verdict.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Rows as documented.
    pub as_documented: usize,
    /// Rows about extensions.
    pub extensions: usize,
    /// Rows that differ while Parlor copes.
    pub differs_parlor_copes: usize,
    /// Rows Parlor cannot use.
    pub parlor_cannot_use: usize,
    /// Rows without an answer.
    pub no_answer: usize,
}

/// The whole report of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The dialect checked.
    pub dialect: DialectId,
    /// Its seed document.
    pub seed: &'static str,
    /// The server.
    pub url: String,
    /// Every row, in the order things happened.
    pub rows: Vec<Row>,
    /// Why the flow stopped early, if it did.
    pub stopped: Option<String>,
    /// Counts.
    pub summary: Summary,
    /// The exit code `parlor conform` returns for it.
    pub exit_code: u8,
}

impl Report {
    /// A report with its summary and exit code computed.
    pub fn new(dialect: DialectId, url: &str, rows: Vec<Row>, stopped: Option<String>) -> Self {
        let mut summary = Summary::default();
        for r in &rows {
            *match r.verdict {
                Verdict::AsDocumented => &mut summary.as_documented,
                Verdict::Extension => &mut summary.extensions,
                Verdict::DiffersParlorCopes => &mut summary.differs_parlor_copes,
                Verdict::ParlorCannotUse => &mut summary.parlor_cannot_use,
                Verdict::NoAnswer => &mut summary.no_answer,
            } += 1;
        }
        let exit_code = u8::from(summary.parlor_cannot_use > 0 || stopped.is_some());
        Report {
            dialect,
            seed: dialect.seed(),
            url: url.into(),
            rows,
            stopped,
            summary,
            exit_code,
        }
    }

    /// The report as a table.
    pub fn table(&self) -> String {
        let mut out = format!("{} {} against {}\n", self.seed, self.dialect, self.url);
        let widths = [32, 44, 54];
        let header = ["step", "document says", "server did", "verdict"];
        out.push_str(&line(&header.map(String::from), &widths));
        for r in &self.rows {
            let step = match r.count {
                0 | 1 => format!("{} ({})", r.step, r.party),
                n => format!("{} ({}) ×{n}", r.step, r.party),
            };
            out.push_str(&line(
                &[
                    step,
                    r.document.clone(),
                    r.server.clone(),
                    r.verdict.text().into(),
                ],
                &widths,
            ));
        }
        if let Some(why) = &self.stopped {
            out.push_str(&format!("flow stopped: {why}\n"));
        }
        let s = &self.summary;
        out.push_str(&format!(
            "summary: {} as documented, {} differ but Parlor copes, {} that Parlor cannot use, {} without answer, {} extensions\n",
            s.as_documented, s.differs_parlor_copes, s.parlor_cannot_use, s.no_answer, s.extensions
        ));
        out
    }
}

/// One table row: each cell wrapped to its column, the last column unwrapped.
fn line(cells: &[String; 4], widths: &[usize; 3]) -> String {
    let wrapped: Vec<Vec<String>> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| match widths.get(i) {
            Some(w) => wrap(c, *w),
            None => vec![c.clone()],
        })
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    let mut out = String::new();
    for row in 0..height {
        let mut text = String::new();
        for (i, col) in wrapped.iter().enumerate() {
            let cell = col.get(row).map(String::as_str).unwrap_or("");
            match widths.get(i) {
                Some(w) => {
                    text.push_str(cell);
                    let pad = (w + 2).saturating_sub(cell.chars().count());
                    text.extend(std::iter::repeat_n(' ', pad));
                }
                None => text.push_str(cell),
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// `text` broken at spaces into lines of at most `width` characters (longer words are cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word: String = word.into();
        while word.chars().count() > width {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_wrap_at_spaces_and_cut_long_words() {
        assert_eq!(
            wrap("ack {event:'x'} same", 10),
            vec!["ack", "{event:'x'", "} same"]
        );
        assert_eq!(wrap("", 10), vec![""]);
        assert_eq!(wrap("a b c", 10), vec!["a b c"]);
    }

    #[test]
    fn the_exit_code_is_one_only_for_what_parlor_cannot_use() {
        let row = |verdict| Row {
            kind: RowKind::Command,
            step: "s".into(),
            party: "user".into(),
            document: String::new(),
            server: String::new(),
            verdict,
            differences: vec![],
            notes: vec![],
            problems: vec![],
            info: vec![],
            count: 1,
            sample: None,
        };
        let ok = Report::new(
            DialectId::SupportChat,
            "u",
            vec![
                row(Verdict::AsDocumented),
                row(Verdict::DiffersParlorCopes),
                row(Verdict::NoAnswer),
            ],
            None,
        );
        assert_eq!(ok.exit_code, 0);
        assert_eq!(ok.summary.differs_parlor_copes, 1);
        let bad = Report::new(
            DialectId::SupportChat,
            "u",
            vec![row(Verdict::ParlorCannotUse)],
            None,
        );
        assert_eq!(bad.exit_code, 1);
        let stopped = Report::new(DialectId::SupportChat, "u", vec![], Some("why".into()));
        assert_eq!(stopped.exit_code, 1);
    }
}
