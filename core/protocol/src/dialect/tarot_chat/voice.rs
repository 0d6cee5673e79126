//! Seed 002's voice notes: `POST /api/chat/voice-notes`, a multipart form with `session_id`,
//! the file as `voice_note` (mp3, wav, ogg or webm, at most 10 MB, 10 a minute per user), and
//! the reference server's extensions `id` (our client id: a retry is not a second note) and
//! `duration`. The answer is the stored message, as `data` or bare.

use super::super::wire::Obj;
use crate::model::{UploadRefusal, UploadedNote, VoiceUploadSpec};
use serde_json::Value;

/// How a 002 server takes voice notes.
pub(super) static VOICE_UPLOAD: VoiceUploadSpec = VoiceUploadSpec {
    path: "/api/chat/voice-notes",
    conversation_field: "session_id",
    client_id_field: Some("id"),
    duration_field: Some("duration"),
    file_field: "voice_note",
    max_bytes: 10 * 1024 * 1024,
    per_minute: 10,
    types: &[
        (
            "mp3",
            &["audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg-3"],
        ),
        (
            "wav",
            &["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"],
        ),
        ("ogg", &["audio/ogg", "application/ogg"]),
        ("webm", &["audio/webm", "video/webm"]),
    ],
    refusals: &[
        (
            "AUTHENTICATION_REQUIRED",
            UploadRefusal::AuthenticationRequired,
        ),
        ("CHAT_ACCESS_DENIED", UploadRefusal::AccessDenied),
        ("SESSION_NOT_FOUND", UploadRefusal::ConversationNotFound),
        ("VALIDATION_ERROR", UploadRefusal::Validation),
        ("FILE_TOO_LARGE", UploadRefusal::FileTooLarge),
        ("UNSUPPORTED_FILE_TYPE", UploadRefusal::UnsupportedFileType),
        ("RATE_LIMIT_EXCEEDED", UploadRefusal::RateLimited),
        ("SESSION_INACTIVE", UploadRefusal::ConversationInactive),
    ],
};

/// The stored message of an upload's answer: its id (a string, a number or `{id}`) and file
/// URL (`file_url` or `fileUrl`), read in the answer or its `data`; absent when unreadable.
pub(super) fn uploaded_note(answer: &Value) -> UploadedNote {
    let Ok(o) = Obj::nested("voice-notes", answer, std::slice::from_ref(answer)) else {
        return UploadedNote::default();
    };
    UploadedNote {
        message_id: o.opt_id(["id", "message_id", "messageId"]),
        file_url: o.opt_str(["file_url", "fileUrl"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_answer_is_read_as_data_or_bare_with_ids_of_any_shape() {
        let wrapped = json!({"success": true, "data": {"id": "m1", "file_url": "/f/1.ogg"}});
        assert_eq!(
            uploaded_note(&wrapped),
            UploadedNote {
                message_id: Some("m1".into()),
                file_url: Some("/f/1.ogg".into())
            }
        );
        let bare = json!({"id": 42, "fileUrl": "/f/2.ogg", "extra": [1]});
        assert_eq!(uploaded_note(&bare).message_id.as_deref(), Some("42"));
        assert_eq!(uploaded_note(&json!("ok")), UploadedNote::default());
        assert_eq!(uploaded_note(&json!({"id": null})), UploadedNote::default());
    }
}
