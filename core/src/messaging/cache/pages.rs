//! History pages (oldest first, stable under late arrivals) and full-text search.

use super::rows::{row_or_bad, split_bad, Page, Unreadable, COLUMNS};
use super::Cache;
use crate::model::ChatMessage;
use crate::store::StoreError;
use rusqlite::{params, OptionalExtension};

impl Cache {
    /// Up to `limit` messages before the message `before` (a local id; `None`: the latest),
    /// oldest first, and whether older ones are cached. Keyset pagination on (server time,
    /// local id): messages arriving later never shift a page already read.
    pub fn page(
        &self,
        conversation_id: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<ChatMessage>, bool), StoreError> {
        let limit = limit.clamp(1, 500);
        self.tolerant(|| self.page_once(conversation_id, before, limit))
    }

    fn page_once(
        &self,
        conversation_id: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Page, Vec<Unreadable>), StoreError> {
        self.store.read(|c| {
            let rows = match before {
                None => {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM messages m WHERE m.conversation_id = ?1
                         ORDER BY m.sort_ts DESC, m.local_id DESC LIMIT ?2"
                    );
                    let mut st = c.prepare_cached(&sql)?;
                    let rows = st.query_map(params![conversation_id, limit + 1], row_or_bad)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
                Some(cursor) => {
                    let ts: Option<i64> = c
                        .prepare_cached(
                            "SELECT sort_ts FROM messages WHERE local_id = ?1 AND conversation_id = ?2",
                        )?
                        .query_row(params![cursor, conversation_id], |r| r.get(0))
                        .optional()?;
                    let Some(ts) = ts else {
                        return Ok(((Vec::new(), false), Vec::new()));
                    };
                    let sql = format!(
                        "SELECT {COLUMNS} FROM messages m WHERE m.conversation_id = ?1
                            AND (m.sort_ts < ?2 OR (m.sort_ts = ?2 AND m.local_id < ?3))
                         ORDER BY m.sort_ts DESC, m.local_id DESC LIMIT ?4"
                    );
                    let mut st = c.prepare_cached(&sql)?;
                    let rows =
                        st.query_map(params![conversation_id, ts, cursor, limit + 1], row_or_bad)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
            };
            let (mut out, bad) = split_bad(rows);
            let has_more = out.len() > limit as usize;
            out.truncate(limit as usize);
            out.reverse();
            Ok(((out, has_more), bad))
        })
    }

    /// The oldest server id cached for a conversation (where backfill continues from).
    pub fn oldest_server_id(&self, conversation_id: &str) -> Result<Option<String>, StoreError> {
        self.store.read(|c| {
            Ok(c.prepare_cached(
                "SELECT server_id FROM messages WHERE conversation_id = ?1 AND server_id IS NOT NULL
                 ORDER BY sort_ts, local_id LIMIT 1",
            )?
            .query_row([conversation_id], |r| r.get(0))
            .optional()?)
        })
    }

    /// Full-text search over cached message text (newest first). Every word of `query` must
    /// match, as a prefix; the query's punctuation is never FTS syntax.
    pub fn search(
        &self,
        query: &str,
        conversation_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        self.tolerant(|| {
            self.store.read(|c| {
                let sql = format!(
                    "SELECT {COLUMNS} FROM messages_fts f JOIN messages m ON m.local_id = f.rowid
                 WHERE messages_fts MATCH ?1 AND (?2 IS NULL OR m.conversation_id = ?2)
                 ORDER BY f.rowid DESC LIMIT ?3"
                );
                let mut st = c.prepare_cached(&sql)?;
                let rows = st.query_map(
                    params![fts, conversation_id, limit.clamp(1, 1000)],
                    row_or_bad,
                )?;
                Ok(split_bad(rows.collect::<Result<Vec<_>, _>>()?))
            })
        })
    }
}

/// A user's words as an FTS5 query: each word quoted (so `"`, `*`, `AND`, `:` are just text)
/// and matched as a prefix; all words must match.
fn fts_query(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}
