//! History pages: from the cache first, then from the server when the dialect can backfill.

use super::*;

fn page_event(
    inner: &Inner,
    conversation_id: &str,
    before: Option<i64>,
    limit: u32,
    source: PageSource,
) -> Result<DomainEvent, Error> {
    let (messages, has_more) = inner
        .cache
        .page(conversation_id, before, limit)
        .map_err(store_error)?;
    let page = MessagePage { messages, has_more };
    Ok(event_of(conversation_id, before, page, source))
}

fn event_of(
    conversation_id: &str,
    before: Option<i64>,
    page: MessagePage,
    source: PageSource,
) -> DomainEvent {
    DomainEvent::MessagesPage {
        conversation_id: conversation_id.to_owned(),
        before,
        messages: page.messages,
        has_more: page.has_more,
        source,
    }
}

/// A page of one conversation from the cache, oldest first.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MessagePage {
    /// The messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Whether older messages are cached.
    pub has_more: bool,
}

/// The page from the cache now (also published, `source: cache`); then, when online and the
/// dialect can, a backfill and the page again (published, `source: server`).
pub(super) async fn load_page(
    inner: Arc<Inner>,
    conversation_id: String,
    before: Option<i64>,
    limit: u32,
) -> Result<MessagePage, Error> {
    let (messages, has_more) = inner
        .cache
        .page(&conversation_id, before, limit)
        .map_err(store_error)?;
    let page = MessagePage { messages, has_more };
    inner.publish(event_of(
        &conversation_id,
        before,
        page.clone(),
        PageSource::Cache,
    ));
    let cache_exhausted = !page.has_more;
    let Some(client) = inner.client.upgrade() else {
        return Ok(page);
    };
    // Older pages are asked for only once the cache has none.
    let oldest = match (before, cache_exhausted) {
        (Some(_), true) => inner
            .cache
            .oldest_server_id(&conversation_id)
            .map_err(store_error)?,
        _ => None,
    };
    let backfill = client.rules().backfill(&BackfillRequest {
        conversation_id: &conversation_id,
        newest: before.is_none(),
        older_than: oldest.as_deref(),
        limit,
    });
    if let Some(cmd) = backfill {
        if client.state().is_connected() {
            let inner = inner.clone();
            tokio::spawn(async move {
                match client.send_to_server(cmd).await {
                    Ok(_) => {
                        if let Ok(ev) =
                            page_event(&inner, &conversation_id, before, limit, PageSource::Server)
                        {
                            inner.publish(ev);
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "history backfill failed"),
                }
            });
        }
    }
    Ok(page)
}

/// [`load_page`] as the `LoadMessages` command answers it.
pub(super) async fn load_messages(
    inner: Arc<Inner>,
    conversation_id: String,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<DomainEvent>, Error> {
    let page = load_page(inner, conversation_id.clone(), before, limit).await?;
    Ok(vec![event_of(
        &conversation_id,
        before,
        page,
        PageSource::Cache,
    )])
}
