//! Refused sign-ins: a refused token ends in `AuthFailed` with the server's words, for every
//! dialect, and 004's connection errors reach the caller verbatim.

use super::*;

/// Every dialect turns a refused token into `AuthFailed` with the server's words.
#[tokio::test]
async fn refused_tokens_end_in_auth_failed_for_every_dialect() {
    for (d, ns, expected) in [
        (DialectId::BillingChat, "/", "Invalid or expired token"),
        (DialectId::PresenceSessions, "/", "Invalid or expired token"),
        (DialectId::TarotChat, "/", "Invalid authentication token"),
        (DialectId::SupportChat, "/", "Invalid token"),
        (DialectId::Telecaller, "/user", "Invalid or expired token"),
    ] {
        let server = RefServer::start(server_file(d), &[]).await.unwrap();
        let client = Client::connect(
            profile(d, &server.url(), ns),
            Arc::new(StaticToken::new("not.a.jwt")),
        )
        .unwrap();
        // 002 accepts the handshake and refuses with an event: `connected` waits for it.
        let err = client.wait_connected(Duration::from_secs(10)).await;
        assert_eq!(err, Err(Error::AuthFailed(expected.into())), "{d}");
        assert_eq!(
            client.state(),
            ConnectionState::AuthFailed {
                message: expected.into()
            },
            "{d}"
        );
    }
}

/// 004: a user token on the telecaller namespace, and a suspended user, get the document's words.
#[tokio::test]
async fn telecaller_connection_errors_reach_the_caller_verbatim() {
    let server = RefServer::start(server_file(DialectId::Telecaller), &[])
        .await
        .unwrap();
    let jane = server.mint("507f1f77bcf86cd799439031").await.unwrap();
    let c = Client::connect(
        profile(DialectId::Telecaller, &server.url(), "/user"),
        Arc::new(StaticToken::new(jane)),
    )
    .unwrap();
    assert_eq!(
        c.wait_connected(Duration::from_secs(10)).await,
        Err(Error::AuthFailed("Access denied".into()))
    );
    let suspended = server.mint("507f1f77bcf86cd799439013").await.unwrap();
    let c = Client::connect(
        profile(DialectId::Telecaller, &server.url(), "/user"),
        Arc::new(StaticToken::new(suspended)),
    )
    .unwrap();
    assert_eq!(
        c.wait_connected(Duration::from_secs(10)).await,
        Err(Error::AuthFailed(
            "Account suspended. Please contact support.".into()
        ))
    );
}
