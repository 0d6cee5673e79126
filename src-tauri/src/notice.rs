//! The words of a desktop notification: what a new request or an incoming call says, in the
//! expert's language. Pure (no window, no tray), so the attention module and its tests share it.

use parlor_core::DomainEvent;

/// The title and text of the notification `event` deserves, if any, in `lang` (`en`, `hi`).
pub fn notification_text(event: &DomainEvent, lang: &str) -> Option<(String, String)> {
    use parlor_core::model::{CallMedia, ConsultationKind};
    let hi = lang == "hi";
    match event {
        DomainEvent::ConsultationRequested { user, kind, .. } => {
            let who = user.name.clone().unwrap_or_else(|| user.id.clone());
            let (title, body) = if hi {
                let what = match kind {
                    ConsultationKind::Text => "चैट",
                    ConsultationKind::Audio => "ऑडियो कॉल",
                    ConsultationKind::Video => "वीडियो कॉल",
                };
                (
                    "नया परामर्श अनुरोध".to_owned(),
                    format!("{who} {what} चाहते हैं।"),
                )
            } else {
                let what = match kind {
                    ConsultationKind::Text => "chat",
                    ConsultationKind::Audio => "audio call",
                    ConsultationKind::Video => "video call",
                };
                (
                    "New consultation request".to_owned(),
                    format!("{who} asks for a {what}."),
                )
            };
            Some((title, body))
        }
        DomainEvent::CallIncoming { caller, media, .. } => {
            let who = caller.name.clone().unwrap_or_else(|| caller.id.clone());
            Some(match (hi, media) {
                (true, CallMedia::Audio) => {
                    ("ऑडियो कॉल".into(), format!("{who} आपको कॉल कर रहे हैं।"))
                }
                (true, CallMedia::Video) => {
                    ("वीडियो कॉल".into(), format!("{who} आपको कॉल कर रहे हैं।"))
                }
                (false, CallMedia::Audio) => {
                    ("Audio call".into(), format!("{who} is calling you."))
                }
                (false, CallMedia::Video) => {
                    ("Video call".into(), format!("{who} is calling you."))
                }
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlor_core::model::{ConsultationKind, Party};

    #[test]
    fn requests_and_calls_get_a_notification_in_words() {
        let request = DomainEvent::ConsultationRequested {
            consultation_id: "c1".into(),
            user: Party {
                id: "u1".into(),
                name: Some("Ravi".into()),
                ..Party::default()
            },
            kind: ConsultationKind::Text,
            rate_per_minute: None,
            expires_at: None,
        };
        let (title, body) = notification_text(&request, "en").unwrap();
        assert_eq!(title, "New consultation request");
        assert_eq!(body, "Ravi asks for a chat.");
        let (title, body) = notification_text(&request, "hi").unwrap();
        assert_eq!(title, "नया परामर्श अनुरोध");
        assert_eq!(body, "Ravi चैट चाहते हैं।");
        assert!(notification_text(&DomainEvent::ExpertBusy { busy: true }, "en").is_none());
    }
}
