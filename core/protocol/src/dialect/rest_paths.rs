//! REST paths a server moved: a profile's `[rest_paths]` table gives, per path prefix of the
//! document, the prefix this server uses (`"/api/chat" = "/v2/chat"`). Calls the dialect
//! describes with the document's paths are sent to the server's; the dialect reads the
//! answers against the paths it wrote.

use std::collections::BTreeMap;

/// Why a `[rest_paths]` table cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[rest_paths] {path:?}: {reason}")]
pub struct RestPathError {
    /// The offending path.
    pub path: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The moved prefixes, longest document prefix first (the most specific one wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestMoves {
    moves: Vec<(String, String)>,
}

fn check(path: &str) -> Result<(), RestPathError> {
    let bad = |reason| {
        Err(RestPathError {
            path: path.to_owned(),
            reason,
        })
    };
    if !path.starts_with('/') {
        return bad("a path starts with /");
    }
    if path.contains(['?', '#']) || path.chars().any(char::is_whitespace) {
        return bad("a path prefix has no query, fragment or spaces");
    }
    if path.split('/').any(|segment| segment == "..") {
        return bad("a path prefix has no `..` segment");
    }
    Ok(())
}

/// `path` with its prefix `from` replaced by `to`, if `from` is a whole-segment prefix of it.
fn moved(path: &str, from: &str, to: &str) -> Option<String> {
    let from = from.trim_end_matches('/');
    let rest = path.strip_prefix(from)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    Some(format!("{}{rest}", to.trim_end_matches('/')))
}

impl RestMoves {
    /// The moves of `table` (the document's prefix → the server's), checked.
    pub fn new(table: &BTreeMap<String, String>) -> Result<RestMoves, RestPathError> {
        let mut moves = Vec::with_capacity(table.len());
        for (document, server) in table {
            check(document)?;
            check(server)?;
            moves.push((document.clone(), server.clone()));
        }
        moves.sort_by_key(|(document, _)| std::cmp::Reverse(document.len()));
        Ok(RestMoves { moves })
    }

    /// Whether nothing moves.
    pub fn is_empty(&self) -> bool {
        self.moves.is_empty()
    }

    /// The server's path for the document's `path` (unchanged when no prefix of it moved).
    pub fn to_server(&self, path: &str) -> String {
        self.moves
            .iter()
            .find_map(|(document, server)| moved(path, document, server))
            .unwrap_or_else(|| path.to_owned())
    }

    /// The document's path for the server's `path` (the way back of [`to_server`](Self::to_server)).
    pub fn to_document(&self, path: &str) -> String {
        let mut by_server: Vec<&(String, String)> = self.moves.iter().collect();
        by_server.sort_by_key(|(_, server)| std::cmp::Reverse(server.len()));
        by_server
            .into_iter()
            .find_map(|(document, server)| moved(path, server, document))
            .unwrap_or_else(|| path.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moves(pairs: &[(&str, &str)]) -> Result<RestMoves, RestPathError> {
        RestMoves::new(
            &pairs
                .iter()
                .map(|(d, s)| (d.to_string(), s.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_moved_prefix_takes_whole_segments_and_the_longest_wins() {
        let m = moves(&[
            ("/api/chat", "/v2/chat"),
            ("/api/chat/voice", "/media/voice"),
        ])
        .unwrap();
        assert_eq!(m.to_server("/api/chat/sessions"), "/v2/chat/sessions");
        assert_eq!(m.to_server("/api/chat"), "/v2/chat");
        assert_eq!(m.to_server("/api/chat/voice/upload"), "/media/voice/upload");
        // Not a whole segment: unchanged.
        assert_eq!(m.to_server("/api/chats"), "/api/chats");
        assert_eq!(m.to_server("/health"), "/health");
        for path in ["/api/chat/sessions", "/api/chat/voice/upload", "/health"] {
            assert_eq!(m.to_document(&m.to_server(path)), path);
        }
    }

    #[test]
    fn bad_tables_are_refused_with_the_path() {
        for bad in [
            &[("api/chat", "/v2")][..],
            &[("/api", "/v2?x=1")],
            &[("/api", "/v2/../admin")],
            &[("/api", "/v 2")],
        ] {
            let e = moves(bad).unwrap_err();
            assert!(!e.path.is_empty(), "{e}");
        }
        assert!(moves(&[]).unwrap().is_empty());
    }
}
