//! Saved server profiles: a JSON file in the app's config directory, WITHOUT tokens (those
//! live in the OS keyring, one entry per profile id).

use crate::error::{AppError, AppResult};
use parlor_core::secrets::SecretStore;
use parlor_core::{DialectId, ServerProfile};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A server profile as the page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SavedProfile {
    /// Stable id (also the keyring entry's name).
    pub id: String,
    /// A name people recognise.
    pub name: String,
    /// The server's protocol.
    pub dialect: DialectId,
    /// Socket.IO URL.
    pub socket_url: String,
    /// REST base URL, where the dialect has REST.
    pub rest_url: Option<String>,
    /// Socket.IO namespace (`/` by default).
    pub namespace: String,
    /// This account's server id, where the protocol repeats it.
    pub account_id: Option<String>,
    /// Length of a billed minute in ms (test servers shorten it); none: 60 000.
    pub billing_minute_ms: Option<u32>,
    /// Allow plain http/ws to another machine (off: only https/wss beyond localhost).
    pub allow_plaintext: bool,
    /// Whether a token is kept in the keyring for it.
    pub has_token: bool,
    /// Currency of amounts the server sends without a unit (`INR`); absent in older files.
    #[serde(default)]
    pub currency: Option<String>,
}

/// What the sign-in form sends to create or update a profile.
#[derive(Debug, Clone, PartialEq, Deserialize, specta::Type)]
pub struct ProfileInput {
    /// The profile to update; none creates a new one.
    pub id: Option<String>,
    /// A name people recognise.
    pub name: String,
    /// The server's protocol.
    pub dialect: DialectId,
    /// Socket.IO URL.
    pub socket_url: String,
    /// REST base URL.
    pub rest_url: Option<String>,
    /// Namespace (none: `/`).
    pub namespace: Option<String>,
    /// This account's server id.
    pub account_id: Option<String>,
    /// Length of a billed minute in ms (none: 60 000).
    pub billing_minute_ms: Option<u32>,
    /// Allow plain http/ws to another machine.
    pub allow_plaintext: Option<bool>,
    /// Currency of amounts without a unit (none: INR, the marketplaces' currency).
    pub currency: Option<String>,
}

impl SavedProfile {
    /// The core profile (its token comes from the keyring, not from here).
    pub fn server_profile(&self) -> AppResult<ServerProfile> {
        let mut p = ServerProfile::new(self.dialect, self.socket_url.clone());
        p.name = self.name.clone();
        p.rest_url = self.rest_url.clone().filter(|u| !u.trim().is_empty());
        p.namespace = self.namespace.clone();
        p.account_id = self.account_id.clone().filter(|a| !a.trim().is_empty());
        if let Some(ms) = self.billing_minute_ms {
            p.billing_minute_ms = u64::from(ms);
        }
        p.allow_plaintext = self.allow_plaintext;
        p.validate().map_err(|e| {
            AppError::new(
                "invalid_input",
                format!("This profile cannot be used: {e}."),
            )
        })?;
        Ok(p)
    }
}

/// The profiles file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Book {
    profiles: Vec<SavedProfile>,
}

/// The saved profiles on disk.
pub struct Profiles {
    path: PathBuf,
}

impl Profiles {
    /// Profiles kept in `dir/profiles.json`.
    pub fn new(dir: &Path) -> Self {
        Profiles {
            path: dir.join("profiles.json"),
        }
    }

    fn read(&self) -> AppResult<Book> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                AppError::new(
                    "io",
                    format!(
                        "The saved profiles ({}) are damaged: {e}.",
                        self.path.display()
                    ),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Book::default()),
            Err(e) => Err(e.into()),
        }
    }

    fn write(&self, book: &Book) -> AppResult<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Write then rename: a crash never leaves half a file.
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(book).expect("profiles serialize"),
        )?;
        std::fs::rename(&tmp, &self.path)?;
        Ok(())
    }

    /// Every saved profile, in the order saved.
    pub fn list(&self) -> AppResult<Vec<SavedProfile>> {
        Ok(self.read()?.profiles)
    }

    /// One profile.
    pub fn get(&self, id: &str) -> AppResult<SavedProfile> {
        self.list()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| AppError::new("no_profile", "That server profile no longer exists."))
    }

    /// Creates or updates a profile; a non-empty `token` goes to `secrets` (never to the file).
    pub fn save(
        &self,
        input: ProfileInput,
        token: Option<&str>,
        secrets: impl FnOnce() -> AppResult<std::sync::Arc<dyn SecretStore>>,
    ) -> AppResult<SavedProfile> {
        let mut book = self.read()?;
        let existing = input
            .id
            .as_deref()
            .and_then(|id| book.profiles.iter().position(|p| p.id == id));
        let id = input
            .id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut profile = SavedProfile {
            id: id.clone(),
            name: if input.name.trim().is_empty() {
                input.socket_url.clone()
            } else {
                input.name.trim().to_owned()
            },
            dialect: input.dialect,
            socket_url: input.socket_url.trim().to_owned(),
            rest_url: input
                .rest_url
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty()),
            namespace: input
                .namespace
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "/".into()),
            account_id: input
                .account_id
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty()),
            billing_minute_ms: input.billing_minute_ms,
            allow_plaintext: input.allow_plaintext.unwrap_or(false),
            has_token: existing.is_some_and(|i| book.profiles[i].has_token),
            currency: Some(
                input
                    .currency
                    .map(|c| c.trim().to_ascii_uppercase())
                    .filter(|c| c.len() == 3 && c.chars().all(|x| x.is_ascii_alphabetic()))
                    .unwrap_or_else(|| "INR".into()),
            ),
        };
        profile.server_profile()?;
        if let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) {
            secrets()?.set(&id, token)?;
            profile.has_token = true;
        }
        match existing {
            Some(i) => book.profiles[i] = profile.clone(),
            None => book.profiles.push(profile.clone()),
        }
        self.write(&book)?;
        Ok(profile)
    }

    /// Deletes a profile and its token.
    pub fn delete(&self, id: &str, secrets: Option<&dyn SecretStore>) -> AppResult<()> {
        let mut book = self.read()?;
        book.profiles.retain(|p| p.id != id);
        self.write(&book)?;
        if let Some(s) = secrets {
            s.delete(id)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlor_core::secrets::MemorySecretStore;
    use std::sync::Arc;

    fn input(name: &str) -> ProfileInput {
        ProfileInput {
            id: None,
            name: name.into(),
            dialect: DialectId::BillingChat,
            socket_url: "http://127.0.0.1:5000".into(),
            rest_url: None,
            namespace: None,
            account_id: Some("astro-1".into()),
            billing_minute_ms: Some(2000),
            allow_plaintext: None,
            currency: None,
        }
    }

    #[test]
    fn profiles_are_saved_without_their_token_which_goes_to_the_keyring() {
        let dir = std::env::temp_dir().join(format!("parlor-profiles-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let profiles = Profiles::new(&dir);
        let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
        let s = secrets.clone();
        let saved = profiles
            .save(input("Asha"), Some("secret-jwt"), move || Ok(s))
            .unwrap();
        assert!(saved.has_token);
        assert_eq!(
            secrets.get(&saved.id).unwrap().as_deref(),
            Some("secret-jwt")
        );
        let file = std::fs::read_to_string(dir.join("profiles.json")).unwrap();
        assert!(!file.contains("secret-jwt") && file.contains("Asha"));

        // An update without a token keeps the one in the keyring.
        let mut again = input("Asha (test)");
        again.id = Some(saved.id.clone());
        let s = secrets.clone();
        let updated = profiles.save(again, None, move || Ok(s)).unwrap();
        assert!(updated.has_token);
        assert_eq!(profiles.list().unwrap(), vec![updated.clone()]);
        assert_eq!(updated.server_profile().unwrap().billing_minute_ms, 2000);

        profiles.delete(&saved.id, Some(secrets.as_ref())).unwrap();
        assert!(profiles.list().unwrap().is_empty());
        assert_eq!(secrets.get(&saved.id).unwrap(), None);
        assert_eq!(profiles.get(&saved.id).unwrap_err().code, "no_profile");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_insecure_profile_is_refused_in_words() {
        let dir = std::env::temp_dir().join(format!("parlor-profiles-bad-{}", std::process::id()));
        let mut bad = input("remote");
        bad.socket_url = "http://chat.example.com".into();
        let err = Profiles::new(&dir)
            .save(bad, None, || Err(AppError::new("keyring", "unused")))
            .unwrap_err();
        assert_eq!(err.code, "invalid_input");
        assert!(err.message.contains("https"), "{}", err.message);
    }
}
