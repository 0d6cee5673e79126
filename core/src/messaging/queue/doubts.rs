//! Messages *in doubt*: tried, unanswered, perhaps on the server. Each waits for a page of its
//! conversation's newest messages that tells: one that holds it (adopted elsewhere, on ingest),
//! one that reaches back past it without it (proven absent: back to the queue), or none
//! (`unconfirmed`, the user decides).

use super::super::cache::Cache;
use crate::model::ChatMessage;
use crate::store::StoreError;
use rusqlite::params;

/// A message the server may have, waiting for a page that tells.
#[derive(Debug, Clone, PartialEq)]
pub struct Doubt {
    /// Local id.
    pub local_id: i64,
    /// Where.
    pub conversation_id: String,
    /// The conversation's newest server id when the message was first tried: a page that
    /// holds it reaches back before the message.
    pub anchor: Option<String>,
    /// Tries so far.
    pub attempts: u32,
}

impl Cache {
    /// The messages in doubt, in `conversation_id` or everywhere, oldest first.
    pub fn doubts(&self, conversation_id: Option<&str>) -> Result<Vec<Doubt>, StoreError> {
        self.store().read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT local_id, conversation_id, anchor, attempts FROM messages
                 WHERE in_doubt = 1 AND (?1 IS NULL OR conversation_id = ?1) ORDER BY local_id",
            )?;
            let rows = stmt
                .query_map([conversation_id], |r| {
                    Ok(Doubt {
                        local_id: r.get(0)?,
                        conversation_id: r.get(1)?,
                        anchor: r.get(2)?,
                        attempts: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// A page of `conversation_id`'s newest messages came from the server (already applied,
    /// so each of ours it holds has been adopted and is no longer in doubt). A message still in
    /// doubt is proven absent when the page holds its anchor (the page reaches back before the
    /// first try, and holds everything since: it is the newest page). An empty or shorter page
    /// proves nothing. Proven absent, it goes back to the queue to be resent, or, after
    /// `max_attempts` tries, fails (the server keeps not answering it and does not have it).
    /// Returns what changed.
    pub fn settle_doubts(
        &self,
        conversation_id: &str,
        page_ids: &[String],
        max_attempts: u32,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let proven: Vec<Doubt> = self
            .doubts(Some(conversation_id))?
            .into_iter()
            .filter(|d| d.anchor.as_ref().is_some_and(|a| page_ids.contains(a)))
            .collect();
        self.store().write(|tx| {
            for d in &proven {
                if d.attempts >= max_attempts {
                    tx.prepare_cached(
                        "UPDATE messages SET state = 'failed', in_doubt = 0, error_code = NULL,
                            error = 'not sent after ' || attempts || ' tries: the server never \
                            answered it (it may close the connection on it), and its messages \
                            show it does not have it'
                         WHERE local_id = ?1 AND in_doubt = 1",
                    )?
                    .execute([d.local_id])?;
                } else {
                    tx.prepare_cached(
                        "UPDATE messages SET state = 'pending', in_doubt = 0
                         WHERE local_id = ?1 AND in_doubt = 1",
                    )?
                    .execute([d.local_id])?;
                }
            }
            Ok(())
        })?;
        let ids: Vec<i64> = proven.iter().map(|d| d.local_id).collect();
        self.get_many(&ids)
    }

    /// Ends every doubt (in `conversation_id` or everywhere) that no page could settle:
    /// `unconfirmed`, with `reason`.
    pub fn give_up_doubts(
        &self,
        conversation_id: Option<&str>,
        reason: &str,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let ids: Vec<i64> = self
            .doubts(conversation_id)?
            .iter()
            .map(|d| d.local_id)
            .collect();
        self.store().write(|tx| {
            for l in &ids {
                tx.prepare_cached(
                    "UPDATE messages SET state = 'unconfirmed', in_doubt = 0, error = ?2
                     WHERE local_id = ?1 AND in_doubt = 1",
                )?
                .execute(params![l, reason])?;
            }
            Ok(())
        })?;
        self.get_many(&ids)
    }
}
