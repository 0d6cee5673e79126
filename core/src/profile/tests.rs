use super::*;
use crate::dialect::DialectId;

#[test]
fn parses_a_full_profile() {
    let p = ServerProfile::from_toml(
        r#"
        name = "calls"
        dialect = "004"
        socket_url = "http://127.0.0.1:8000"
        namespace = "/user"
        ack_timeout_ms = 2000
        [token]
        file = "/tmp/token"
        [reconnect]
        min_ms = 100
        max_ms = 400
        "#,
    )
    .unwrap();
    assert_eq!(p.dialect, DialectId::Telecaller);
    assert_eq!(p.namespace, "/user");
    assert_eq!(
        p.token,
        TokenSpec::File {
            file: "/tmp/token".into()
        }
    );
    assert_eq!(p.reconnect.min_ms, 100);
    assert_eq!(p.reconnect.jitter, 0.5);
    assert_eq!(p.socket_config().ack_timeout, Duration::from_millis(2000));
}

#[test]
fn bad_profiles_are_typed_errors() {
    for bad in [
        "dialect = \"no such/dialect\"\nsocket_url = \"http://127.0.0.1\"",
        "dialect = \"007\"\nsocket_url = \"http://127.0.0.1\"",
        "dialect = \"000\"\nsocket_url = \"not a url\"",
        "dialect = \"000\"\nsocket_url = \"ftp://x\"",
        "dialect = \"000\"\nsocket_url = \"http://127.0.0.1\"\nnamespace = \"user\"",
        "dialect = \"000\"\nsocket_url = \"http://127.0.0.1\"\ntoken = \"literal-secret\"",
        "dialect = \"000\"\nsocket_url = \"http://127.0.0.1\"\nsurprise = 1",
        "socket_url = \"http://127.0.0.1\"",
    ] {
        assert!(
            matches!(ServerProfile::from_toml(bad), Err(ProfileError::Invalid(_))),
            "{bad}"
        );
    }
    // A name that is no built-in dialect's is an app's own: read here, refused at connect
    // unless the session registered it.
    let own = ServerProfile::from_toml("dialect = \"matrix\"\nsocket_url = \"http://127.0.0.1\"")
        .unwrap();
    assert_eq!(own.dialect.as_str(), "matrix");
    assert_eq!(own.dialect.builtin(), None);
    assert!(matches!(
        ServerProfile::from_file(Path::new("/nonexistent/p.toml")),
        Err(ProfileError::Read { .. })
    ));
}

#[test]
fn plain_transport_is_refused_beyond_this_machine_unless_allowed() {
    for ok in [
        "http://127.0.0.1:5000",
        "ws://localhost:1",
        "http://127.8.9.10",
        "http://[::1]:80",
        "https://chat.example.com",
        "wss://chat.example.com",
    ] {
        assert!(
            ServerProfile::new(DialectId::SupportChat, ok)
                .validate()
                .is_ok(),
            "{ok}"
        );
    }
    for bad in [
        "http://chat.example.com",
        "ws://10.0.0.5:3000",
        "http://[2001:db8::1]/",
        "http://evil.localhost:5000",
        "ws://a.b.localhost",
    ] {
        let p = ServerProfile::new(DialectId::SupportChat, bad);
        assert!(
            matches!(p.validate(), Err(ProfileError::Insecure(_))),
            "{bad}"
        );
        let mut allowed = p.clone();
        allowed.allow_plaintext = true;
        assert!(allowed.validate().is_ok(), "{bad} allowed explicitly");
    }
    let mut p = ServerProfile::new(DialectId::SupportChat, "https://chat.example.com");
    p.rest_url = Some("http://api.example.com".into());
    assert!(
        matches!(p.validate(), Err(ProfileError::Insecure(_))),
        "REST is checked too"
    );
}
