use super::*;
use crate::dialect::tarot_chat::TarotChat;
use crate::dialect::Dialect;

/// The 002 server's rules, as its dialect states them.
fn spec() -> &'static VoiceUploadSpec {
    TarotChat.voice_upload().expect("002 takes voice notes")
}

#[test]
fn download_urls_from_the_server_follow_the_profiles_rules() {
    let base = "http://127.0.0.1:5000";
    assert!(check_download_url(base, "https://cdn.example.com/a.ogg").is_ok());
    assert!(check_download_url(base, "http://127.0.0.1:5000/files/a.ogg").is_ok());
    assert!(check_download_url(base, "http://localhost:9/a.ogg").is_ok());
    assert!(check_download_url(base, "http://evil.example.com/a.ogg").is_err());
    assert!(check_download_url(base, "http://evil.localhost/a.ogg").is_err());
    assert!(check_download_url(base, "file:///etc/passwd").is_err());
    assert!(check_download_url(base, "not a url").is_err());
    let plain = "http://chat.example.com";
    assert!(check_download_url(plain, "http://chat.example.com/v.ogg").is_ok());
}

#[test]
fn type_and_size_are_checked_before_sending() {
    assert!(check_file(spec(), &VoiceFile::ogg("a.ogg", vec![0; 10])).is_ok());
    let f = VoiceFile {
        file_name: "a.txt".into(),
        mime: "text/plain".into(),
        bytes: vec![1],
    };
    assert!(matches!(
        check_file(spec(), &f),
        Err(VoiceError::UnsupportedType(_))
    ));
    let f = VoiceFile {
        file_name: "a.ogg".into(),
        mime: "audio/mpeg".into(),
        bytes: vec![1],
    };
    assert!(matches!(
        check_file(spec(), &f),
        Err(VoiceError::UnsupportedType(_))
    ));
    let f = VoiceFile::ogg("big.ogg", vec![0; spec().max_bytes as usize + 1]);
    assert!(matches!(
        check_file(spec(), &f),
        Err(VoiceError::TooLarge { .. })
    ));
    assert_eq!(mime_of(spec(), "x.WAV"), Some("audio/wav"));
}

#[test]
fn a_rate_window_of_zero_refuses_every_note_without_panicking() {
    let w = RateWindow::new(0, Duration::from_secs(60));
    assert!(
        matches!(w.try_hit(), Err(VoiceError::TooMany { retry_after_ms }) if retry_after_ms > 59_000)
    );
}

#[test]
fn the_rate_window_refuses_the_eleventh_note_of_a_minute() {
    let w = RateWindow::per_minute(spec());
    for _ in 0..10 {
        w.try_hit().unwrap();
    }
    assert!(
        matches!(w.try_hit(), Err(VoiceError::TooMany { retry_after_ms }) if retry_after_ms > 59_000)
    );
}

#[test]
fn every_002_code_has_its_error() {
    let e = |status: u16, code: &str| {
        voice_error(
            spec(),
            RestError::Http {
                status,
                kind: crate::transport::rest::HttpErrorKind::of(status),
                code: Some(code.into()),
                message: "m".into(),
            },
        )
    };
    assert_eq!(
        e(401, "AUTHENTICATION_REQUIRED"),
        VoiceError::AuthenticationRequired("m".into())
    );
    assert_eq!(
        e(403, "CHAT_ACCESS_DENIED"),
        VoiceError::ChatAccessDenied("m".into())
    );
    assert_eq!(
        e(404, "SESSION_NOT_FOUND"),
        VoiceError::SessionNotFound("m".into())
    );
    assert_eq!(
        e(400, "VALIDATION_ERROR"),
        VoiceError::Validation("m".into())
    );
    assert_eq!(
        e(413, "FILE_TOO_LARGE"),
        VoiceError::FileTooLarge("m".into())
    );
    assert_eq!(
        e(415, "UNSUPPORTED_FILE_TYPE"),
        VoiceError::UnsupportedFileType("m".into())
    );
    assert_eq!(
        e(429, "RATE_LIMIT_EXCEEDED"),
        VoiceError::RateLimitExceeded("m".into())
    );
    assert_eq!(
        e(409, "SESSION_INACTIVE"),
        VoiceError::SessionInactive("m".into())
    );
    assert!(e(500, "INTERNAL_ERROR").is_transient());
    assert!(!e(409, "SESSION_INACTIVE").is_transient());
}
