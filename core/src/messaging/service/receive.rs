//! The receive path: what the server says (messages, pages, receipts, reactions, voice
//! notes) applied to the cache, and the changes the apps see.

use super::*;

impl Messenger {
    pub(super) fn apply(&self, event: &DomainEvent) -> Result<Vec<DomainEvent>, StoreError> {
        let inner = &self.inner;
        let cache = &inner.cache;
        let out = match event {
            DomainEvent::Connection { state } => {
                if state.is_connected() {
                    inner.rejoin.store(true, Ordering::SeqCst);
                }
                inner.wake_outbox();
                vec![]
            }
            DomainEvent::ServerError { code, message, .. } => {
                let refusal = inner
                    .client
                    .upgrade()
                    .and_then(|c| c.rules().send_refusal(code.as_deref()));
                match refusal {
                    Some(SendRefusal::SlowDown) => {
                        inner.rate_limited.store(true, Ordering::SeqCst);
                        inner.wake_progress();
                        vec![]
                    }
                    Some(SendRefusal::Refused) => {
                        let m = match inner.in_flight_for(None) {
                            Some(f) => cache.fail(
                                Some(&f.conversation_id),
                                &f.client_id,
                                message,
                                code.as_deref(),
                            )?,
                            None => None,
                        };
                        inner.wake_progress();
                        changed(m.into_iter().collect())
                    }
                    None => {
                        if inner.in_flight_for(None).is_some() {
                            inner.error_meanwhile.store(true, Ordering::SeqCst);
                            inner.wake_progress();
                        }
                        vec![]
                    }
                }
            }
            DomainEvent::Authenticated { user } => {
                let mut me = inner.me.lock().unwrap_or_else(|p| p.into_inner());
                if me.id.is_empty() || me.id == user.id {
                    *me = user.clone();
                }
                vec![]
            }
            DomainEvent::MessageReceived { message } => {
                let m = cache.apply_message(message, inner.me_id().as_deref())?;
                if m.as_ref().is_some_and(|m| m.own) {
                    inner.wake_progress();
                }
                changed(m.into_iter().collect())
            }
            DomainEvent::MessageSent {
                conversation_id,
                server_id,
                client_id,
                message,
            } => {
                let m = inner.apply_sent(
                    conversation_id.as_deref(),
                    server_id,
                    client_id.as_deref(),
                    message.as_ref(),
                )?;
                inner.wake_progress();
                changed(m.into_iter().collect())
            }
            DomainEvent::MessageFailed {
                conversation_id,
                client_id,
                code,
                message,
            } => {
                let conv = conversation_id.as_deref().filter(|c| !c.is_empty());
                let mut m = match client_id {
                    Some(cid) => cache.fail(conv, cid, message, code.as_deref())?,
                    None => None,
                };
                // An error that names no message of ours is about the one in flight.
                if m.is_none() {
                    if let Some(f) = inner.in_flight_for(conv) {
                        m = cache.fail(
                            Some(&f.conversation_id),
                            &f.client_id,
                            message,
                            code.as_deref(),
                        )?;
                    }
                }
                inner.wake_progress();
                changed(m.into_iter().collect())
            }
            DomainEvent::ReactionChanged {
                conversation_id,
                message_id,
                user,
                emoji,
                added,
                ..
            } => changed(
                cache
                    .apply_reaction(
                        conversation_id.as_deref(),
                        message_id,
                        &user.id,
                        emoji,
                        *added,
                    )?
                    .into_iter()
                    .collect(),
            ),
            DomainEvent::MessagesRead {
                conversation_id,
                user_id,
                message_ids,
                read_at,
            } => changed(cache.apply_receipt(
                conversation_id.as_deref(),
                user_id,
                message_ids,
                read_at.as_deref(),
            )?),
            DomainEvent::ParticipantChanged {
                conversation_id: Some(conv),
                user,
                joined,
                at,
            } => {
                cache.set_participant(conv, user, *joined, at.as_deref())?;
                vec![]
            }
            DomainEvent::ActiveUsers {
                conversation_id,
                user_ids,
            } => {
                cache.set_active_users(conversation_id, user_ids)?;
                vec![]
            }
            DomainEvent::ConversationStatusChanged {
                conversation_id,
                status,
            } => {
                cache.set_status(conversation_id, status)?;
                vec![]
            }
            DomainEvent::ConversationJoined {
                conversation_id,
                recent,
            } => {
                cache.set_joined(conversation_id, true)?;
                let mut m = cache.ingest_messages(recent, inner.me_id().as_deref())?;
                if m.iter().any(|m| m.own) {
                    inner.wake_progress();
                }
                // The recent messages settle what was in doubt (those of ours it holds were
                // adopted just now).
                if can_settle_from(inner, Reconcile::RejoinAnswer) {
                    m.extend(inner.settle(conversation_id, recent));
                }
                changed(m)
            }
            DomainEvent::ConversationLeft { conversation_id } => {
                cache.set_joined(conversation_id, false)?;
                vec![]
            }
            DomainEvent::History {
                conversation_id,
                messages,
                before,
                ..
            } => {
                let mut m = cache.ingest_messages(messages, inner.me_id().as_deref())?;
                // Only the newest page reaches up to now, so only it can prove a message absent.
                if before.is_none() && can_settle_from(inner, Reconcile::HistoryPage) {
                    m.extend(inner.settle(conversation_id, messages));
                }
                changed(m)
            }
            DomainEvent::Conversations { conversations } => {
                for c in conversations {
                    cache.upsert_conversation(c)?;
                }
                vec![]
            }
            DomainEvent::VoicePlayback {
                url,
                duration_ms: Some(duration_ms),
                waveform,
                ..
            } if !waveform.is_empty() => {
                changed(cache.set_voice_shape(url, *duration_ms, waveform)?)
            }
            DomainEvent::VoiceNoteChanged {
                client_id,
                conversation_id,
                state,
                duration_ms,
                waveform,
                message_id,
                file_url,
                error,
                ..
            } => self.apply_voice_note(VoiceNoteUpdate {
                client_id,
                conversation_id,
                state,
                duration_ms: *duration_ms,
                waveform,
                message_id: message_id.as_deref(),
                file_url: file_url.as_deref(),
                error: error.as_deref(),
            })?,
            _ => vec![],
        };
        Ok(out)
    }
}

/// Whether this server's pages of the kind `source` can settle doubts (its dialect says so).
pub(super) fn can_settle_from(inner: &Inner, source: Reconcile) -> bool {
    inner
        .client
        .upgrade()
        .and_then(|c| c.rules().message_delivery())
        .is_some_and(|d| d.reconcile == source)
}

/// The parts of a `voice_note_changed` event the cache keeps.
pub(super) struct VoiceNoteUpdate<'a> {
    client_id: &'a str,
    conversation_id: &'a str,
    state: &'a str,
    duration_ms: u64,
    waveform: &'a [u8],
    message_id: Option<&'a str>,
    file_url: Option<&'a str>,
    error: Option<&'a str>,
}

impl Messenger {
    /// A voice note is a message: the voice outbox delivers it (the audio goes first) and
    /// reports here, so the conversation shows it at once and keeps its waveform.
    pub(super) fn apply_voice_note(
        &self,
        v: VoiceNoteUpdate<'_>,
    ) -> Result<Vec<DomainEvent>, StoreError> {
        let cache = &self.inner.cache;
        let me = self.inner.me();
        let (conv, cid) = (v.conversation_id, v.client_id);
        let m = match v.state {
            "queued" => cache
                .enqueue_voice(&VoiceOutgoing {
                    conversation_id: conv,
                    client_id: cid,
                    sender: &me,
                    file_name: None,
                    duration_ms: v.duration_ms,
                    waveform: v.waveform,
                })
                .map(Some),
            "sending" => cache.set_voice_state(conv, cid, DeliveryState::Sending, None),
            "retrying" => cache.set_voice_state(conv, cid, DeliveryState::Pending, v.error),
            "unconfirmed" => cache.set_voice_state(conv, cid, DeliveryState::Unconfirmed, v.error),
            "sent" => {
                let Some(server_id) = v.message_id else {
                    return Ok(vec![]);
                };
                let stored = Message {
                    id: server_id.to_owned(),
                    conversation_id: conv.to_owned(),
                    client_id: Some(cid.to_owned()),
                    sender: me,
                    kind: MessageKind::Voice,
                    text: None,
                    file_url: v.file_url.map(str::to_owned),
                    file_name: None,
                    reply_to: None,
                    sent_at: None,
                    read: None,
                    reactions: Default::default(),
                    duration_secs: None,
                };
                cache.confirm_sent(Some(conv), cid, server_id, Some(&stored))
            }
            "failed" => cache.fail(Some(conv), cid, v.error.unwrap_or("refused"), None),
            "cancelled" => {
                if cache.remove_unsent_voice(conv, cid)? {
                    return Ok(vec![DomainEvent::ChatMessageDiscarded {
                        conversation_id: conv.to_owned(),
                        client_id: cid.to_owned(),
                    }]);
                }
                Ok(None)
            }
            _ => Ok(None),
        }?;
        Ok(changed(m.into_iter().collect()))
    }
}
