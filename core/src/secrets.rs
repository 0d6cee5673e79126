//! Where apps keep secrets (access tokens): a small [`SecretStore`] trait, an in-memory store,
//! and (feature `keyring`) `KeyringStore`, the OS keyring through `keyring-core` (the
//! Secret Service over D-Bus on Linux, tested here; the login Keychain on macOS and the
//! Credential Manager on Windows, compiled only there and untested by this project's CI). Secrets never appear in `Debug` output or errors.

use std::collections::HashMap;
use std::sync::Mutex;

/// Why a secret could not be read, written or deleted.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// No keyring is reachable (no Secret Service running, a locked keyring, an unsupported
    /// platform).
    #[error("the keyring is not available: {0}")]
    Unavailable(String),
    /// The keyring answered with an error.
    #[error("the keyring failed: {0}")]
    Failed(String),
}

/// A store of named secrets (one per key, e.g. one token per saved server profile).
pub trait SecretStore: Send + Sync {
    /// The secret under `key`, or `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<String>, SecretError>;
    /// Stores `secret` under `key`, replacing any earlier one.
    fn set(&self, key: &str, secret: &str) -> Result<(), SecretError>;
    /// Deletes the secret under `key`; deleting a missing one is not an error.
    fn delete(&self, key: &str) -> Result<(), SecretError>;
}

/// Secrets in memory only (tests, and apps that must not persist them).
#[derive(Default)]
pub struct MemorySecretStore(Mutex<HashMap<String, String>>);

impl std::fmt::Debug for MemorySecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemorySecretStore(<redacted>)")
    }
}

impl SecretStore for MemorySecretStore {
    fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        Ok(crate::sync::lock(&self.0).get(key).cloned())
    }
    fn set(&self, key: &str, secret: &str) -> Result<(), SecretError> {
        crate::sync::lock(&self.0).insert(key.into(), secret.into());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        crate::sync::lock(&self.0).remove(key);
        Ok(())
    }
}

#[cfg(feature = "keyring")]
pub use self::keyring::KeyringStore;

#[cfg(feature = "keyring")]
mod keyring {
    use super::{SecretError, SecretStore};
    use keyring_core::{CredentialStore, Entry, Error};
    use std::sync::Arc;

    /// The OS keyring: every secret is an entry of `service` with the key as its user name.
    pub struct KeyringStore {
        service: String,
        store: Arc<CredentialStore>,
    }

    impl std::fmt::Debug for KeyringStore {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "KeyringStore({})", self.service)
        }
    }

    impl KeyringStore {
        /// Opens the platform's keyring for the application `service` (e.g. `app.parlor.desktop`).
        pub fn open(service: &str) -> Result<KeyringStore, SecretError> {
            Ok(KeyringStore {
                service: service.into(),
                store: platform_store()?,
            })
        }

        fn entry(&self, key: &str) -> Result<Entry, SecretError> {
            self.store
                .build(&self.service, key, None)
                .map_err(unavailable)
        }
    }

    #[cfg(target_os = "linux")]
    fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
        let store = dbus_secret_service_keyring_store::Store::new().map_err(unavailable)?;
        Ok(store)
    }

    /// macOS: the login Keychain (written to the keyring ecosystem's store; not built or
    /// tested on this project's Linux CI).
    #[cfg(target_os = "macos")]
    fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
        let store = apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?;
        Ok(store)
    }

    /// Windows: the Credential Manager (written to the keyring ecosystem's store; not built or
    /// tested on this project's Linux CI).
    #[cfg(target_os = "windows")]
    fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
        let store = windows_native_keyring_store::Store::new().map_err(unavailable)?;
        Ok(store)
    }

    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
        Err(SecretError::Unavailable(
            "no keyring store is built for this platform".into(),
        ))
    }

    /// Keyring errors carry platform details, never the secret itself.
    fn unavailable(e: Error) -> SecretError {
        match e {
            Error::NoStorageAccess(_) | Error::NoDefaultStore | Error::PlatformFailure(_) => {
                SecretError::Unavailable(e.to_string())
            }
            other => SecretError::Failed(other.to_string()),
        }
    }

    impl SecretStore for KeyringStore {
        fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
            match self.entry(key)?.get_password() {
                Ok(s) => Ok(Some(s)),
                Err(Error::NoEntry) => Ok(None),
                Err(e) => Err(unavailable(e)),
            }
        }
        fn set(&self, key: &str, secret: &str) -> Result<(), SecretError> {
            self.entry(key)?.set_password(secret).map_err(unavailable)
        }
        fn delete(&self, key: &str) -> Result<(), SecretError> {
            match self.entry(key)?.delete_credential() {
                Ok(()) | Err(Error::NoEntry) => Ok(()),
                Err(e) => Err(unavailable(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same contract for every store: absent, set, replace, delete, delete again.
    fn round_trip(store: &dyn SecretStore, key: &str) {
        store.delete(key).unwrap();
        assert_eq!(store.get(key).unwrap(), None);
        store.set(key, "first-secret").unwrap();
        assert_eq!(store.get(key).unwrap().as_deref(), Some("first-secret"));
        store.set(key, "second-secret").unwrap();
        assert_eq!(store.get(key).unwrap().as_deref(), Some("second-secret"));
        store.delete(key).unwrap();
        assert_eq!(store.get(key).unwrap(), None);
        store.delete(key).unwrap();
    }

    #[test]
    fn memory_store_round_trips_and_hides_secrets() {
        let store = MemorySecretStore::default();
        round_trip(&store, "profile-1");
        store.set("k", "hunter2").unwrap();
        assert!(!format!("{store:?}").contains("hunter2"));
    }

    /// Waits (up to 5 s) until the unlocked daemon owns the Secret Service's name. Without it a
    /// request that comes first (a loaded machine) makes D-Bus start a second daemon, which
    /// finds the first one's keyring half written and answers nothing.
    #[cfg(all(feature = "keyring", target_os = "linux"))]
    const WAIT_FOR_KEYRING: &str = "i=0; until dbus-send --session --print-reply \
        --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
        string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do \
        i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.05; done;";

    /// Set inside the private D-Bus session the test starts for itself.
    #[cfg(all(feature = "keyring", target_os = "linux"))]
    const IN_SESSION: &str = "PARLOR_KEYRING_TEST_SESSION";

    /// A real round trip through the Secret Service. The test re-runs itself inside a private
    /// D-Bus session with an unlocked gnome-keyring and a scratch `XDG_DATA_HOME` (the user's
    /// own keyring is never touched), the way `tests/test.sh` runs it:
    /// `dbus-run-session -- sh -c 'printf pw | gnome-keyring-daemon --unlock --components=secrets; <cmd>'`.
    #[cfg(all(feature = "keyring", target_os = "linux"))]
    #[test]
    fn keyring_store_round_trips_through_the_secret_service() {
        if std::env::var_os(IN_SESSION).is_some() {
            let store = KeyringStore::open("app.parlor.test").unwrap();
            round_trip(&store, &format!("profile-{}", std::process::id()));
            return;
        }
        let scratch = std::env::temp_dir().join(format!("parlor-keyring-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        let exe = std::env::current_exe().unwrap();
        let inner = format!(
            "'{}' secrets::tests::keyring_store_round_trips_through_the_secret_service --exact --nocapture --test-threads=1",
            exe.display()
        );
        let out = std::process::Command::new("dbus-run-session")
            .args([
                "--",
                "sh",
                "-c",
                &format!(
                    "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; {WAIT_FOR_KEYRING} {inner}"
                ),
            ])
            .env(IN_SESSION, "1")
            .env("XDG_DATA_HOME", &scratch)
            .output()
            .expect("dbus-run-session (packages dbus, gnome-keyring) must be installed");
        let _ = std::fs::remove_dir_all(&scratch);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("1 passed"),
            "round trip in a private Secret Service failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
