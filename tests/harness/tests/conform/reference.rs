//! `parlor conform` against each reference server as its seed prints it, with the seeded accounts and tokens from the environment.

use super::*;

async fn reference_server_conforms(d: DialectId) -> Outcome {
    let server = RefServer::start(
        server_file(d),
        &[
            ("PARLOR_BILLING_MINUTE_MS", "1500"),
            ("PARLOR_CALL_TIMEOUT_MS", "1500"),
        ],
    )
    .await
    .unwrap();
    let scratch = Scratch::new();
    let args = account_args(d, &server.url(), &server, &scratch).await;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = conform(&args, &[], &scratch).await;
    assert_clean(&o);
    o
}

#[tokio::test]
async fn reference_billing_chat_conforms_to_seed_000() {
    let o = reference_server_conforms(DialectId::BillingChat).await;
    // The meter ticked within the wait, and the refused start got the documented chat-error.
    assert_eq!(o.row("chat-timer", "user")["verdict"], "as_documented");
    assert!(o.row("start-chat (a room", "user")["server"]
        .as_str()
        .unwrap()
        .contains("extra: roomId"));
    // The reference server's request event to the astrologer is an extension.
    assert_eq!(o.row("chat-request", "astrologer")["verdict"], "extension");
}

#[tokio::test]
async fn reference_presence_sessions_conforms_to_seed_001() {
    let o = reference_server_conforms(DialectId::PresenceSessions).await;
    // Seed 001 prints no payloads: the rows say that only decoding was checked. The row is the
    // astrologer's send, whose 'message:receive' reaches the user; a separate event row for the
    // server's echo to the sender exists only when the echo comes before the run ends.
    assert!(o.row("message:send", "astrologer")["server"]
        .as_str()
        .unwrap()
        .contains("'message:receive': no shape printed; Parlor decodes it"));
}

#[tokio::test]
async fn reference_tarot_chat_conforms_to_seed_002() {
    let o = reference_server_conforms(DialectId::TarotChat).await;
    assert!(
        o.row("GET /api/chat/sessions/parlor-conform", "client")["server"]
            .as_str()
            .unwrap()
            .contains("refused: HTTP 404")
    );
}

#[tokio::test]
async fn reference_support_chat_conforms_to_seed_003() {
    let o = reference_server_conforms(DialectId::SupportChat).await;
    // Its extensions are listed as extra fields.
    assert!(o.row("sendMessage", "client")["server"]
        .as_str()
        .unwrap()
        .contains("extra: clientMessageId, readBy"));
}

#[tokio::test]
async fn reference_telecaller_conforms_to_seed_004() {
    let o = reference_server_conforms(DialectId::Telecaller).await;
    assert_eq!(o.row("call:missed", "user")["verdict"], "as_documented");
    assert_eq!(
        o.row("presence:update", "telecaller")["verdict"],
        "extension"
    );
}

#[tokio::test]
async fn the_reference_flag_checks_the_bundled_server_with_its_seeded_accounts() {
    let scratch = Scratch::new();
    let o = conform(
        &["--dialect", "003", "--reference", "--timeout-ms", "3000"],
        &[],
        &scratch,
    )
    .await;
    assert_clean(&o);
    assert!(o
        .stdout
        .starts_with("003 support-chat against http://127.0.0.1:"));
}

#[tokio::test]
async fn tokens_come_from_the_environment_and_a_missing_one_is_a_setup_error() {
    let d = DialectId::SupportChat;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let (user, expert, chat) = seeded_accounts(d);
    let (user_token, expert_token) = (
        server.mint(user).await.unwrap(),
        server.mint(expert).await.unwrap(),
    );
    let url = server.url();
    let args = [
        "--dialect",
        "support-chat",
        "--url",
        &url,
        "--user-account",
        user,
        "--expert-account",
        expert,
        "--conversation",
        chat.unwrap(),
    ];
    let scratch = Scratch::new();
    let o = conform(
        &args,
        &[
            ("PARLOR_USER_TOKEN", &user_token),
            ("PARLOR_EXPERT_TOKEN", &expert_token),
        ],
        &scratch,
    )
    .await;
    assert_clean(&o);
    let out = Command::new(PARLOR)
        .arg("conform")
        .args(args)
        .env_remove("PARLOR_USER_TOKEN")
        .env_remove("PARLOR_EXPERT_TOKEN")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PARLOR_USER_TOKEN"));
}

/// The reference servers in seed-only mode send only what their documents print: the
/// documented shapes written beside the dialects agree with that independent reading of the
/// same documents to the field (not even an extra field; only events a document lacks remain,
/// as extensions). Seed 002 prints no schema for its socket events, only example code that
/// reads a field or two: there the server adds the ids a client needs (`session_id`,
/// `user_id`, `message_id`, `file_url`), listed as extra fields.
#[tokio::test]
async fn seed_only_reference_servers_match_the_documented_shapes_to_the_field() {
    for d in DialectId::ALL {
        let scratch = Scratch::new();
        let o = conform(
            &["--dialect", d.as_str(), "--reference", "--wait", "10"],
            &[("PARLOR_SEED_ONLY", "1")],
            &scratch,
        )
        .await;
        assert_clean(&o);
        for r in o.rows() {
            let differences = r["differences"].as_array().unwrap();
            if d == DialectId::TarotChat {
                for diff in differences {
                    let path = diff["path"].as_str().unwrap();
                    let field = path.rsplit([':', '.']).next().unwrap();
                    assert!(
                        ["session_id", "user_id", "message_id", "file_url"].contains(&field),
                        "{d}: {r}"
                    );
                }
            } else {
                assert!(differences.is_empty(), "{d}: {r}");
            }
        }
    }
}
