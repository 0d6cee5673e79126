//! Sends through links cut every 0.7 s: each dialect's promise, counted on the server.

use super::*;

/// Sends `n` messages in `d` through a link cut every `cut_ms`, then holds each one's final
/// state against the copies the server stored.
async fn sends_through_cuts(d: DialectId, n: usize, cut_ms: u64) {
    let server = RefServer::start(server_file(d), &[("PARLOR_RATE_LIMIT_SCALE", "10")])
        .await
        .unwrap();
    let proxy = Arc::new(FaultProxy::start(server.port()).await.unwrap());
    let account = chat_user(d);
    let mut profile = ServerProfile::new(d, proxy.url());
    profile.rest_url = Some(proxy.url());
    profile.account_id = Some(account.into());
    profile.reconnect = BackoffPolicy {
        min_ms: 100,
        max_ms: 500,
        ..BackoffPolicy::default()
    };
    profile.ack_timeout_ms = 2_000;
    let token = server.mint(account).await.unwrap();
    let mut user = Actor::connect_profile("user", profile, token)
        .await
        .unwrap();
    let tag = format!("cuts-{}", d.seed());
    let m = messenger(
        &user,
        &tag,
        MessengerConfig {
            confirm_timeout: Duration::from_secs(2),
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_secs(1),
            ..MessengerConfig::default()
        },
    );
    let conversation = open_chat(&server, d, &mut user).await.unwrap();
    let cutter = proxy.cut_every(Duration::from_millis(cut_ms), usize::MAX);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let texts: Vec<String> = (0..n)
        .map(|i| format!("{} {i:03} {}", d.seed(), &run[..8]))
        .collect();
    for text in &texts {
        user.client.send(send(&conversation, text)).await.unwrap();
        // Spread over a dozen cuts, so that cuts land while messages are in flight.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let settled = wait_until(180, || m.cache().queued_count().unwrap_or(1) == 0).await;
    cutter.abort();
    assert!(
        settled,
        "{} messages still in the outbox after 180 s",
        m.cache().queued_count().unwrap()
    );
    let stored = server.stored_messages(&conversation).await.unwrap();
    let drift = server.drift_report().await;
    let (cached, _) = m.cache().page(&conversation, None, 1_000).unwrap();
    let ours: HashMap<&str, &ChatMessage> = cached
        .iter()
        .filter(|c| c.own)
        .filter_map(|c| c.text.as_deref().map(|t| (t, c)))
        .collect();
    let mut tally: HashMap<DeliveryState, usize> = HashMap::new();
    for text in &texts {
        let copies = stored.iter().filter(|(_, t)| t == text).count();
        let mine = ours
            .get(text.as_str())
            .unwrap_or_else(|| panic!("{text:?} is not in the cache"));
        *tally.entry(mine.state).or_default() += 1;
        assert!(
            copies <= 1,
            "{text:?} stored {copies} times ({:?}); server mode: {drift}",
            mine.state
        );
        match mine.state {
            DeliveryState::Sent | DeliveryState::Delivered | DeliveryState::Read => assert_eq!(
                copies, 1,
                "{text:?} is {:?} but the server has {copies}; server mode: {drift}",
                mine.state
            ),
            DeliveryState::Failed => assert_eq!(
                copies, 0,
                "{text:?} failed ({:?}) but the server has it; server mode: {drift}",
                mine.error
            ),
            DeliveryState::Unconfirmed => {}
            other => panic!("{text:?} ended {other:?}"),
        }
    }
    // The server holds what it holds in the order it was written.
    let order: Vec<&String> = stored
        .iter()
        .map(|(_, t)| t)
        .filter(|t| texts.contains(t))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "order on the server; server mode: {drift}");
    println!(
        "{} through {} cuts: {tally:?}, {} stored",
        d.seed(),
        proxy.cuts(),
        order.len()
    );
    // Most messages get through even on a link cut every 0.7 s: at most once is not "rarely".
    let sent = tally.get(&DeliveryState::Sent).copied().unwrap_or(0);
    assert!(
        sent * 2 >= n,
        "only {sent} of {n} sent: {tally:?}; server mode: {drift}"
    );
    if d != DialectId::PresenceSessions {
        // The ack or `message_sent` tells, and the recent messages settle a lost one.
        assert_eq!(
            tally.get(&DeliveryState::Sent).copied().unwrap_or(0),
            n,
            "exactly once: {tally:?}; server mode: {drift}"
        );
    }
}

#[tokio::test]
async fn support_chat_sends_arrive_exactly_once_through_cut_links() {
    sends_through_cuts(DialectId::SupportChat, 150, 700).await;
}

#[tokio::test]
async fn tarot_chat_sends_arrive_exactly_once_through_cut_links() {
    sends_through_cuts(DialectId::TarotChat, 150, 700).await;
}

#[tokio::test]
async fn presence_sessions_sends_arrive_at_most_once_and_the_rest_are_marked() {
    sends_through_cuts(DialectId::PresenceSessions, 150, 700).await;
}
