//! A request that cannot be missed: while a consultation request or a call waits for the
//! expert, the ring repeats (the core's [`Ringer`], volume and device from the settings), the
//! window asks for the taskbar's attention and its title counts what waits; each new request
//! also raises a desktop notification whose click brings the window to the request. It all
//! lives in the shell, so it works while the window is hidden in the tray.

use crate::settings::Settings;
use parlor_core::calls::CallPhase;
use parlor_core::consultation::ConsultationState;
use parlor_core::voice::ring::{RingConfig, RingEvent, Ringer};
use parlor_core::DomainEvent;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

/// Whether this build carries call audio (the `livekit` feature).
const CALL_MEDIA: bool = cfg!(feature = "livekit");

/// How long a request without a server expiry may ring (the servers' own timeouts are 60 s
/// to 2 min); the server's verdict normally stops it sooner.
const DEFAULT_RING_LIMIT: Duration = Duration::from_secs(180);

/// What waits for the expert's answer: requests and ringing calls, each with when its ring ends.
#[derive(Debug, Default)]
pub struct Waiting {
    items: HashMap<String, Instant>,
}

/// What a waiting item is, for the notification and the page.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    /// The consultation or call id.
    pub id: String,
    /// `request` or `call`.
    pub kind: &'static str,
}

impl Waiting {
    /// Applies `event`; returns the item it added, if it added one.
    pub fn apply(&mut self, event: &DomainEvent, now: Instant) -> Option<NewItem> {
        match event {
            DomainEvent::ConsultationRequested {
                consultation_id,
                expires_at,
                ..
            } => {
                let until = expires_at
                    .as_deref()
                    .and_then(remaining)
                    .map(|left| now + left.min(DEFAULT_RING_LIMIT))
                    .unwrap_or(now + DEFAULT_RING_LIMIT);
                let fresh = self.items.insert(consultation_id.clone(), until).is_none();
                fresh.then(|| NewItem {
                    id: consultation_id.clone(),
                    kind: "request",
                })
            }
            DomainEvent::ConsultationAnswered {
                consultation_id, ..
            } => {
                self.items.remove(consultation_id);
                None
            }
            DomainEvent::ConsultationUpdated { consultation }
                if consultation.state != ConsultationState::Requested =>
            {
                self.items.remove(&consultation.id);
                None
            }
            DomainEvent::CallIncoming { call_id, .. } => {
                let fresh = self
                    .items
                    .insert(call_id.clone(), now + DEFAULT_RING_LIMIT)
                    .is_none();
                fresh.then(|| NewItem {
                    id: call_id.clone(),
                    kind: "call",
                })
            }
            DomainEvent::CallStateChanged { call } if call.phase != CallPhase::Ringing => {
                if let Some(id) = &call.call_id {
                    self.items.remove(id);
                }
                None
            }
            _ => None,
        }
    }

    /// Drops what rang past its limit (a lost verdict must not ring forever).
    pub fn prune(&mut self, now: Instant) {
        self.items.retain(|_, until| *until > now);
    }

    /// Forgets everything (sign-out).
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// How many wait.
    pub fn count(&self) -> usize {
        self.items.len()
    }
}

/// Time left until an ISO 8601 expiry, if it is in the future.
fn remaining(iso: &str) -> Option<Duration> {
    let at = humantime::parse_rfc3339_weak(iso.trim_end_matches('Z'))
        .or_else(|_| humantime::parse_rfc3339(iso))
        .ok()?;
    at.duration_since(SystemTime::now()).ok()
}

/// The page is asked to show what a notification's click was about.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct ShowWaiting {
    /// The request or call id.
    pub id: String,
    /// `request` or `call`.
    pub kind: String,
}

/// The ring and the window's attention, driven by the session's events.
pub struct Attention {
    waiting: Mutex<Waiting>,
    ringer: Option<Ringer>,
}

impl Attention {
    /// A silent attention service; the ringer's thread starts here (none without audio).
    pub fn new() -> Attention {
        let ringer = match Ringer::new() {
            Ok((ringer, mut events)) => {
                tauri::async_runtime::spawn(async move {
                    while let Some(e) = events.recv().await {
                        match e {
                            RingEvent::Failed(why) => {
                                tracing::warn!(error = %why, "the ring could not play")
                            }
                            other => tracing::debug!(?other, "ring"),
                        }
                    }
                });
                Some(ringer)
            }
            Err(e) => {
                tracing::warn!(error = %e, "no ring: the ring thread did not start");
                None
            }
        };
        Attention {
            waiting: Mutex::new(Waiting::default()),
            ringer,
        }
    }

    /// How waiting items ring with these settings.
    pub fn ring_config(settings: &Settings) -> RingConfig {
        RingConfig {
            volume: f32::from(settings.ring_volume) / 100.0,
            device: settings.ring_device.clone(),
            ..RingConfig::default()
        }
    }

    /// One chime now (the settings' test button).
    pub fn test_ring(&self, settings: &Settings) {
        if let Some(r) = &self.ringer {
            r.chime_once(Self::ring_config(settings));
        }
    }

    /// Applies a core event: rings, notifies, counts.
    pub fn on_event<R: Runtime>(&self, app: &AppHandle<R>, event: &DomainEvent) {
        // A build without call audio shows no call UI, so an incoming call must not ring
        // either (the page names it in a notice).
        if !CALL_MEDIA && matches!(event, DomainEvent::CallIncoming { .. }) {
            return;
        }
        let (added, changed) = {
            let mut w = self.waiting.lock().expect("waiting lock");
            let now = Instant::now();
            let before = w.count();
            w.prune(now);
            let added = w.apply(event, now);
            let changed = w.count() != before;
            (added, changed)
        };
        if let Some(item) = &added {
            notify(app, event, item);
            if let Some(window) = app.get_webview_window("main") {
                if !window.is_focused().unwrap_or(false) {
                    let _ = window.request_user_attention(Some(tauri::UserAttentionType::Critical));
                }
            }
        }
        // Most events (meter ticks, levels) change nothing here: no title or tray churn.
        if changed || added.is_some() {
            self.refresh(app);
        }
    }

    /// Forgets what waits and stops the ring (sign-out).
    pub fn clear<R: Runtime>(&self, app: &AppHandle<R>) {
        self.waiting.lock().expect("waiting lock").clear();
        self.refresh(app);
    }

    /// Expired items drop off (called every second).
    pub fn tick<R: Runtime>(&self, app: &AppHandle<R>) {
        let before = self.count();
        self.waiting
            .lock()
            .expect("waiting lock")
            .prune(Instant::now());
        if self.count() != before {
            self.refresh(app);
        }
    }

    /// How many wait.
    pub fn count(&self) -> usize {
        self.waiting.lock().expect("waiting lock").count()
    }

    /// Makes ring, title, badge and tray agree with what waits and the settings.
    pub fn refresh<R: Runtime>(&self, app: &AppHandle<R>) {
        let n = self.count();
        let settings = app.state::<crate::state::AppState>().settings.get();
        if let Some(r) = &self.ringer {
            if n > 0 && settings.ring_enabled && settings.ring_volume > 0 {
                r.start(Self::ring_config(&settings));
            } else {
                r.stop();
            }
        }
        if let Some(window) = app.get_webview_window("main") {
            let title = if n > 0 {
                format!("({n}) Parlor")
            } else {
                "Parlor".to_owned()
            };
            let _ = window.set_title(&title);
            let _ = window.set_badge_count((n > 0).then_some(n as i64));
            if n == 0 {
                let _ = window.request_user_attention(None);
            }
        }
        crate::tray::show_waiting(app, n);
    }
}

impl Default for Attention {
    fn default() -> Self {
        Self::new()
    }
}

/// A desktop notification for a new request or call; its click shows the window at it.
fn notify<R: Runtime>(app: &AppHandle<R>, event: &DomainEvent, item: &NewItem) {
    let state = app.state::<crate::state::AppState>();
    let settings = state.settings.get();
    if !settings.notifications {
        return;
    }
    let in_front = app
        .get_webview_window("main")
        .map(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false))
        .unwrap_or(false);
    if in_front {
        return;
    }
    let lang = settings.language.as_deref().unwrap_or("en");
    let Some((title, body)) = crate::notice::notification_text(event, lang) else {
        return;
    };
    show_notification(app.clone(), title, body, item.clone());
}

#[cfg(target_os = "linux")]
fn show_notification<R: Runtime>(app: AppHandle<R>, title: String, body: String, item: NewItem) {
    // notify-rust directly: the notification plugin cannot report a click on Linux.
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Parlor")
            .summary(&title)
            .body(&body)
            .icon("app.parlor.desktop")
            .action("default", "Open")
            .urgency(notify_rust::Urgency::Critical)
            .show();
        match shown {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    bring_to(&app, &item);
                }
            }),
            Err(e) => tracing::warn!(error = %e, "desktop notification failed"),
        }
    });
}

#[cfg(not(target_os = "linux"))]
fn show_notification<R: Runtime>(app: AppHandle<R>, title: String, body: String, _item: NewItem) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(error = %e, "desktop notification failed");
    }
}

/// Shows, raises and focuses the window and tells the page which request to show.
pub fn bring_to<R: Runtime>(app: &AppHandle<R>, item: &NewItem) {
    crate::window::show(app);
    let _ = ShowWaiting {
        id: item.id.clone(),
        kind: item.kind.to_owned(),
    }
    .emit(app);
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlor_core::consultation::ConsultationView;
    use parlor_core::model::{ConsultationKind, Party};

    fn requested(id: &str, expires_at: Option<String>) -> DomainEvent {
        DomainEvent::ConsultationRequested {
            consultation_id: id.into(),
            user: Party {
                id: "u1".into(),
                ..Party::default()
            },
            kind: ConsultationKind::Text,
            rate_per_minute: None,
            expires_at,
        }
    }

    #[test]
    fn a_request_waits_until_answered_and_a_resent_one_is_not_new() {
        let mut w = Waiting::default();
        let now = Instant::now();
        assert_eq!(
            w.apply(&requested("c1", None), now).map(|i| i.kind),
            Some("request")
        );
        assert_eq!(
            w.apply(&requested("c1", None), now),
            None,
            "a re-sent request"
        );
        assert_eq!(w.apply(&requested("c2", None), now).unwrap().id, "c2");
        assert_eq!(w.count(), 2);
        w.apply(
            &DomainEvent::ConsultationAnswered {
                consultation_id: "c1".into(),
                outcome: parlor_core::model::RequestOutcome::Accepted,
                message: None,
                channel: None,
            },
            now,
        );
        assert_eq!(w.count(), 1);
        let view: ConsultationView = serde_json::from_value(serde_json::json!({
            "id": "c2", "side": "expert",
            "state": serde_json::to_value(ConsultationState::Expired).unwrap(),
            "meter": {"elapsed_ms": 0, "billed_minutes": "0", "cost": {"amount": "0"}, "running": false}
        }))
        .unwrap_or_else(|e| panic!("view: {e}"));
        w.apply(
            &DomainEvent::ConsultationUpdated { consultation: view },
            now,
        );
        assert_eq!(w.count(), 0);
    }

    #[test]
    fn a_request_stops_ringing_at_its_expiry_even_without_a_verdict() {
        let mut w = Waiting::default();
        let now = Instant::now();
        let soon = humantime::format_rfc3339(SystemTime::now() + Duration::from_secs(30));
        w.apply(&requested("c1", Some(soon.to_string())), now);
        w.apply(&requested("c2", None), now);
        w.prune(now + Duration::from_secs(31));
        assert_eq!(w.count(), 1, "c1 expired, c2 rings up to the default limit");
        w.prune(now + DEFAULT_RING_LIMIT + Duration::from_secs(1));
        assert_eq!(w.count(), 0);
    }
}
