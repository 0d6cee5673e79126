//! The expert's settings: a JSON file in the app's config directory (`settings.json`). Every
//! field has a default, and a damaged or older file still loads (unknown or bad fields fall
//! back to their defaults), so the app always starts.

use crate::error::AppResult;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What the expert can change in the settings screen.
// No `#[serde(default)]`: the page always sends every field, and a file on disk is merged
// with the defaults field by field before it is read (`read_tolerantly`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Settings {
    /// Ring for incoming requests and calls.
    pub ring_enabled: bool,
    /// Ring loudness, 0–100.
    pub ring_volume: u8,
    /// The output device for the ring by name; none: the system's default.
    pub ring_device: Option<String>,
    /// Desktop notifications for requests and calls while the window is not in front.
    pub notifications: bool,
    /// The page's language (`en`, `hi`); none until first start picks it from the system.
    pub language: Option<String>,
    /// Start Parlor when the expert logs in to the computer.
    pub autostart: bool,
    /// `system`, `light` or `dark`.
    pub theme: String,
    /// Saved phrases for the chat (quick replies).
    pub quick_replies: Vec<String>,
    /// The "still running in the tray" notice was shown once.
    pub tray_notice_shown: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ring_enabled: true,
            ring_volume: 80,
            ring_device: None,
            notifications: true,
            language: None,
            autostart: false,
            theme: "system".into(),
            quick_replies: vec![
                "Namaste! I am looking at your chart now.".into(),
                "Please share your date, time and place of birth.".into(),
                "Thank you for consulting with me. Blessings!".into(),
            ],
            tray_notice_shown: false,
        }
    }
}

/// Languages the page has.
pub const LANGUAGES: [&str; 2] = ["en", "hi"];

impl Settings {
    /// A copy with every value inside its range (what the page sends is not trusted).
    pub fn sanitized(mut self) -> Settings {
        self.ring_volume = self.ring_volume.min(100);
        if !matches!(self.theme.as_str(), "system" | "light" | "dark") {
            self.theme = "system".into();
        }
        if let Some(l) = &self.language {
            if !LANGUAGES.contains(&l.as_str()) {
                self.language = None;
            }
        }
        self.ring_device = self.ring_device.filter(|d| !d.trim().is_empty());
        self.quick_replies = self
            .quick_replies
            .into_iter()
            .map(|q| q.trim().chars().take(500).collect::<String>())
            .filter(|q| !q.is_empty())
            .take(50)
            .collect();
        self
    }

    /// The language for a system locale such as `hi_IN.UTF-8` or `hi-IN`.
    pub fn language_for_locale(locale: &str) -> &'static str {
        let lang = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if lang == "hi" {
            "hi"
        } else {
            "en"
        }
    }
}

/// The settings file and the settings in force.
pub struct SettingsStore {
    path: PathBuf,
    current: Mutex<Settings>,
}

impl SettingsStore {
    /// Loads `dir/settings.json`; a missing or damaged file gives the defaults. A first start
    /// picks the language from `system_locale`.
    pub fn load(dir: &Path, system_locale: Option<&str>) -> SettingsStore {
        let path = dir.join("settings.json");
        let mut settings = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| read_tolerantly(&text))
            .unwrap_or_default()
            .sanitized();
        if settings.language.is_none() {
            settings.language =
                Some(Settings::language_for_locale(system_locale.unwrap_or("en")).to_owned());
        }
        SettingsStore {
            path,
            current: Mutex::new(settings),
        }
    }

    /// The settings in force.
    pub fn get(&self) -> Settings {
        self.current.lock().expect("settings lock").clone()
    }

    /// Saves `settings` (sanitized) and returns what is now in force.
    pub fn save(&self, settings: Settings) -> AppResult<Settings> {
        let settings = settings.sanitized();
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(&settings).expect("settings serialize"),
        )?;
        std::fs::rename(&tmp, &self.path)?;
        *self.current.lock().expect("settings lock") = settings.clone();
        Ok(settings)
    }

    /// Changes one thing and saves.
    pub fn update(&self, f: impl FnOnce(&mut Settings)) -> AppResult<Settings> {
        let mut s = self.get();
        f(&mut s);
        self.save(s)
    }
}

/// Reads what it can: each field that parses keeps its value, the others their default.
fn read_tolerantly(text: &str) -> Option<Settings> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let obj = value.as_object()?;
    let mut out = serde_json::to_value(Settings::default()).expect("defaults serialize");
    let defaults = out.as_object_mut().expect("an object");
    for (k, v) in obj {
        if !defaults.contains_key(k) {
            continue; // a field of a later version
        }
        let mut trial = defaults.clone();
        trial.insert(k.clone(), v.clone());
        if serde_json::from_value::<Settings>(serde_json::Value::Object(trial)).is_ok() {
            defaults.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("parlor-settings-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn first_start_picks_the_language_from_the_system_locale() {
        let dir = scratch("locale");
        assert_eq!(
            SettingsStore::load(&dir, Some("hi_IN.UTF-8"))
                .get()
                .language
                .as_deref(),
            Some("hi")
        );
        assert_eq!(
            SettingsStore::load(&dir, Some("de_DE"))
                .get()
                .language
                .as_deref(),
            Some("en")
        );
        // A saved choice wins over the system.
        let store = SettingsStore::load(&dir, Some("en_US"));
        store.update(|s| s.language = Some("hi".into())).unwrap();
        assert_eq!(
            SettingsStore::load(&dir, Some("en_US"))
                .get()
                .language
                .as_deref(),
            Some("hi")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_or_odd_file_still_loads_keeping_what_it_can() {
        let dir = scratch("damaged");
        std::fs::write(dir.join("settings.json"), "{not json").unwrap();
        assert_eq!(SettingsStore::load(&dir, None).get().ring_volume, 80);
        std::fs::write(
            dir.join("settings.json"),
            r#"{"ring_volume": 35, "notifications": "yes", "theme": "neon", "future": 1}"#,
        )
        .unwrap();
        let s = SettingsStore::load(&dir, None).get();
        assert_eq!(s.ring_volume, 35);
        assert!(s.notifications, "a bad field keeps its default");
        assert_eq!(s.theme, "system");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn saved_settings_are_kept_in_range() {
        let dir = scratch("range");
        let store = SettingsStore::load(&dir, None);
        let saved = store
            .update(|s| {
                s.ring_volume = 250;
                s.quick_replies = vec!["  ".into(), " Hello ".into()];
                s.language = Some("fr".into());
            })
            .unwrap();
        assert_eq!(saved.ring_volume, 100);
        assert_eq!(saved.quick_replies, vec!["Hello".to_string()]);
        assert_eq!(saved.language, None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
