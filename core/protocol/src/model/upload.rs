//! A voice-note upload as a dialect describes it: where the multipart POST goes, what its
//! fields are called, what the server accepts, and what its refusal codes mean. Pure data:
//! the voice outbox sends it through the REST client and never names a server.

/// How one server takes voice notes (a multipart POST below the REST base URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceUploadSpec {
    /// The path the note is posted to, starting with `/`.
    pub path: &'static str,
    /// The form field naming the conversation.
    pub conversation_field: &'static str,
    /// The form field carrying our client id, where the server takes one.
    pub client_id_field: Option<&'static str>,
    /// The form field carrying the duration in seconds, where the server takes one.
    pub duration_field: Option<&'static str>,
    /// The form field of the file itself.
    pub file_field: &'static str,
    /// The largest file the server takes, in bytes.
    pub max_bytes: u64,
    /// Notes per minute per user the server takes (every attempt counts).
    pub per_minute: usize,
    /// The file extensions it takes, each with its MIME types (the first is the one sent).
    pub types: &'static [(&'static str, &'static [&'static str])],
    /// Its error codes and what each means.
    pub refusals: &'static [(&'static str, UploadRefusal)],
}

/// Why a server refused an upload, whatever its code for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRefusal {
    /// No valid sign-in.
    AuthenticationRequired,
    /// Not a participant of the conversation.
    AccessDenied,
    /// No such conversation.
    ConversationNotFound,
    /// A field is missing or wrong.
    Validation,
    /// Over the size limit.
    FileTooLarge,
    /// A type it does not take.
    UnsupportedFileType,
    /// Too many notes too fast.
    RateLimited,
    /// The conversation no longer takes notes.
    ConversationInactive,
}

/// What the server's answer to an upload says of the stored note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadedNote {
    /// The message the note became, when the answer names it.
    pub message_id: Option<String>,
    /// Where the note can be downloaded, when the answer says.
    pub file_url: Option<String>,
}

impl VoiceUploadSpec {
    /// The MIME types taken for a file extension (lower case), when it is taken at all.
    pub fn mime_types(&self, extension: &str) -> Option<&'static [&'static str]> {
        self.types
            .iter()
            .find(|(ext, _)| *ext == extension)
            .map(|(_, mimes)| *mimes)
    }

    /// The extensions taken, for a person: `mp3, wav, ogg or webm`.
    pub fn extensions(&self) -> String {
        let names: Vec<&str> = self.types.iter().map(|(ext, _)| *ext).collect();
        match names.split_last() {
            None => String::new(),
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }

    /// What the server's error `code` means, when the spec knows it.
    pub fn refusal(&self, code: &str) -> Option<UploadRefusal> {
        self.refusals
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, r)| *r)
    }

    /// The text fields of an upload to `conversation_id`.
    pub fn form_fields(
        &self,
        conversation_id: &str,
        client_id: Option<&str>,
        duration_secs: Option<f64>,
    ) -> Vec<(&'static str, String)> {
        let mut fields = vec![(self.conversation_field, conversation_id.to_owned())];
        if let (Some(name), Some(id)) = (self.client_id_field, client_id) {
            fields.push((name, id.to_owned()));
        }
        if let (Some(name), Some(d)) = (self.duration_field, duration_secs) {
            fields.push((name, format!("{d:.3}")));
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: VoiceUploadSpec = VoiceUploadSpec {
        path: "/notes",
        conversation_field: "room",
        client_id_field: None,
        duration_field: Some("secs"),
        file_field: "file",
        max_bytes: 10,
        per_minute: 1,
        types: &[
            ("ogg", &["audio/ogg"]),
            ("mp3", &["audio/mpeg"]),
            ("wav", &["audio/wav"]),
        ],
        refusals: &[("TOO_BIG", UploadRefusal::FileTooLarge)],
    };

    #[test]
    fn a_spec_answers_for_its_types_codes_and_fields() {
        assert_eq!(SPEC.mime_types("ogg"), Some(&["audio/ogg"][..]));
        assert_eq!(SPEC.mime_types("flac"), None);
        assert_eq!(SPEC.extensions(), "ogg, mp3 or wav");
        assert_eq!(SPEC.refusal("TOO_BIG"), Some(UploadRefusal::FileTooLarge));
        assert_eq!(SPEC.refusal("OTHER"), None);
        // No client id field: the id is not sent, the duration is.
        assert_eq!(
            SPEC.form_fields("r1", Some("c1"), Some(1.5)),
            vec![("room", "r1".to_owned()), ("secs", "1.500".to_owned())]
        );
    }
}
