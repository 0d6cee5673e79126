//! The load test's actors: accounts minted, connected, and each expert's and user's script.

use super::*;

pub(super) async fn mint_all(accounts: &str) -> Result<HashMap<String, String>, String> {
    let out = tokio::process::Command::new("node")
        .arg(servers_dir().join("001_presence_sessions.js"))
        .arg("--mint-all")
        .env("PARLOR_LOAD_ACCOUNTS", accounts)
        .output()
        .await
        .map_err(|e| format!("cannot run node: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| format!("--mint-all: {e}"))
}

pub(super) async fn connect(
    url: &str,
    token: String,
    metrics: &Metrics,
) -> Option<(Client, parlor_core::EventStream)> {
    let mut p = ServerProfile::new(DialectId::PresenceSessions, url);
    p.rest_url = Some(url.to_owned());
    p.connect_timeout_ms = 30_000;
    let client = Client::connect(p, Arc::new(StaticToken::new(token))).ok()?;
    let events = client.subscribe();
    let t0 = Instant::now();
    match client.wait_connected(Duration::from_secs(60)).await {
        Ok(()) => {
            metrics.record("connect", t0.elapsed());
            metrics.connected.fetch_add(1, Ordering::Relaxed);
            Some((client, events))
        }
        Err(e) => {
            metrics.error(format!("connect:{}", e.code()));
            None
        }
    }
}

pub(super) async fn expert(
    url: String,
    token: String,
    at: Instant,
    stop_at: Instant,
    metrics: Arc<Metrics>,
) {
    tokio::time::sleep_until(at.into()).await;
    let Some((client, mut events)) = connect(&url, token, &metrics).await else {
        return;
    };
    if client
        .send(Command::SetPresence { online: true })
        .await
        .is_err()
    {
        metrics.error("presence");
    }
    // One session at a time: requests arriving while busy are declined at once, so the user
    // can try someone else (what a real expert's app does).
    let mut current: Option<String> = None;
    while Instant::now() < stop_at {
        let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(1), events.recv()).await
        else {
            continue;
        };
        match event {
            DomainEvent::ConsultationRequested {
                consultation_id, ..
            } => {
                let t0 = Instant::now();
                metrics.requests.fetch_add(1, Ordering::Relaxed);
                let accept = current.is_none();
                match client
                    .send(Command::AnswerConsultation {
                        consultation_id: consultation_id.clone(),
                        accept,
                    })
                    .await
                {
                    Ok(_) if accept => {
                        metrics.record("session_accept", t0.elapsed());
                        current = Some(consultation_id.clone());
                        if let Err(e) = client
                            .send(Command::JoinConversation {
                                conversation_id: consultation_id,
                            })
                            .await
                        {
                            metrics.error(format!("join:{}", e.code()));
                        }
                    }
                    Ok(_) => {}
                    Err(e) if is_late(&e) => {
                        metrics.late_answers.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => metrics.error(format!("answer:{}", e.code())),
                }
            }
            DomainEvent::ConsultationEnded {
                consultation_id, ..
            } if consultation_id == current => current = None,
            DomainEvent::MessageReceived { message }
                if message.sender.id.starts_with("load_user_") =>
            {
                // Reply at once; the user's side measures the round trip of its own message.
                let _ = client
                    .send(Command::SendMessage {
                        conversation_id: message.conversation_id,
                        client_id: uuid::Uuid::new_v4().to_string(),
                        text: Some("Let me look at your chart.".into()),
                        reply_to: None,
                        file_id: None,
                    })
                    .await;
            }
            _ => {}
        }
    }
    client.disconnect().await;
}

/// An answer the server refused because the session is no longer pending (HTTP 409 Conflict:
/// it expired or was withdrawn while the answer travelled), not a failure of the expert.
fn is_late(e: &parlor_core::Error) -> bool {
    matches!(
        e,
        parlor_core::Error::Rejected {
            status: Some(409),
            ..
        }
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn user(
    url: String,
    me: String,
    token: String,
    at: Instant,
    stop_at: Instant,
    s: Scenario,
    metrics: Arc<Metrics>,
) {
    tokio::time::sleep_until(at.into()).await;
    let Some((client, raw)) = connect(&url, token, &metrics).await else {
        return;
    };
    // A listener consumes every event at once, as an app would: it keeps only the latest list
    // of free experts and passes on the events this script waits for. (Left unread, seed 001's
    // whole-list broadcasts would pile up per simulated user.)
    let free = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut events = listen(raw, free.clone(), metrics.clone());
    let pause = |range: (u64, u64)| {
        Duration::from_millis(rand::rng().random_range(range.0..=range.1.max(range.0)))
    };
    'sessions: while Instant::now() < stop_at {
        let free = free.lock().expect("free experts").clone();
        if free.is_empty() {
            tokio::time::sleep(pause(s.think_ms)).await;
            continue;
        }
        let expert_id = free[rand::rng().random_range(0..free.len())].clone();
        let t0 = Instant::now();
        metrics.requests.fetch_add(1, Ordering::Relaxed);
        let id = match client
            .send(Command::RequestConsultation {
                expert_id,
                kind: ConsultationKind::Text,
                rate_per_minute: Some(Decimal::ONE),
            })
            .await
        {
            Ok(answer) => {
                metrics.record("session_start", t0.elapsed());
                match answer.iter().find_map(|e| match e {
                    DomainEvent::ConsultationRequestSent {
                        consultation_id, ..
                    } => Some(consultation_id.clone()),
                    _ => None,
                }) {
                    Some(id) => id,
                    None => {
                        metrics.error("start:no_id");
                        continue;
                    }
                }
            }
            Err(parlor_core::Error::Rejected {
                status: Some(409), ..
            }) => {
                metrics.busy.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(pause(s.think_ms)).await;
                continue;
            }
            Err(e) => {
                metrics.error(format!("start:{}", e.code()));
                tokio::time::sleep(pause(s.think_ms)).await;
                continue;
            }
        };
        // Wait for the expert to accept.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Some(DomainEvent::ConsultationAnswered {
                    consultation_id,
                    outcome,
                    ..
                })) if consultation_id == id => {
                    if outcome == RequestOutcome::Accepted {
                        metrics.record("accept_seen", t0.elapsed());
                        break;
                    }
                    // Declined (the expert is busy) or expired: a normal market outcome.
                    metrics.busy.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(pause(s.think_ms)).await;
                    continue 'sessions;
                }
                Ok(Some(_)) => {}
                _ => {
                    metrics.error("answer:timeout");
                    continue 'sessions;
                }
            }
        }
        if let Err(e) = client
            .send(Command::JoinConversation {
                conversation_id: id.clone(),
            })
            .await
        {
            metrics.error(format!("join:{}", e.code()));
        }
        for _ in 0..s.messages_per_session {
            let cid = uuid::Uuid::new_v4().to_string();
            let t1 = Instant::now();
            if let Err(e) = client
                .send(Command::SendMessage {
                    conversation_id: id.clone(),
                    client_id: cid.clone(),
                    text: Some("Will this year be good for me?".into()),
                    reply_to: None,
                    file_id: None,
                })
                .await
            {
                metrics.error(format!("message:{}", e.code()));
                continue;
            }
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                match tokio::time::timeout_at(deadline, events.recv()).await {
                    Ok(Some(DomainEvent::MessageReceived { message }))
                        if message.client_id.as_deref() == Some(cid.as_str())
                            && message.sender.id == me =>
                    {
                        metrics.record("message", t1.elapsed());
                        metrics.messages.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    Ok(Some(_)) => {}
                    _ => {
                        metrics.error("message:timeout");
                        break;
                    }
                }
            }
            tokio::time::sleep(pause(s.message_gap_ms)).await;
        }
        let t2 = Instant::now();
        metrics.requests.fetch_add(1, Ordering::Relaxed);
        match client
            .send(Command::EndConsultation {
                consultation_id: id,
                rate_per_minute: Some(Decimal::ONE),
                duration_minutes: None,
            })
            .await
        {
            Ok(_) => {
                metrics.record("session_end", t2.elapsed());
                metrics.sessions.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => metrics.error(format!("end:{}", e.code())),
        }
        tokio::time::sleep(pause(s.think_ms)).await;
    }
    client.disconnect().await;
}

/// The events a user's script waits for, from its listener. Boxed in the channel: a tokio
/// channel allocates its first block of 32 slots when it is made, and a `DomainEvent` is
/// ~500 bytes, so each simulated user kept ~16 KB for a channel that is nearly always empty
/// (heaptrack of `parlor load --experts 0`: the largest cost per user).
pub(super) struct Forwarded(tokio::sync::mpsc::UnboundedReceiver<Box<DomainEvent>>);

impl Forwarded {
    pub(super) async fn recv(&mut self) -> Option<DomainEvent> {
        self.0.recv().await.map(|e| *e)
    }
}

/// Consumes `raw` in its own task: keeps `free` (online, not busy experts) current and
/// forwards only the events a user's script waits for.
pub(super) fn listen(
    mut raw: parlor_core::EventStream,
    free: Arc<Mutex<Vec<String>>>,
    metrics: Arc<Metrics>,
) -> Forwarded {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(e) = raw.recv().await {
            if tx.is_closed() {
                return;
            }
            match e {
                DomainEvent::ExpertsOnline { experts } => {
                    metrics.presence_lists.fetch_add(1, Ordering::Relaxed);
                    *free.lock().expect("free experts") = experts
                        .into_iter()
                        .filter(|x| x.presence == Presence::Online)
                        .map(|x| x.party.id)
                        .collect();
                }
                DomainEvent::ConsultationAnswered { .. } | DomainEvent::MessageReceived { .. } => {
                    let _ = tx.send(Box::new(e));
                }
                _ => {}
            }
        }
    });
    Forwarded(rx)
}
