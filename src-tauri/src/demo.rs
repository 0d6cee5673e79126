//! Demo mode: `parlor-desktop --demo <profile.toml>` (or `PARLOR_DEMO_PROFILE`) signs in by
//! itself with that profile and its own token source (the harness writes `token = {file=…}`).

use crate::error::AppError;
use crate::session::SessionInfo;
use parlor_core::ServerProfile;
use serde::Serialize;
use std::path::PathBuf;
use tokio::sync::watch;

/// What the page learns about demo mode.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DemoInfo {
    /// The profile file.
    pub profile_path: String,
    /// The profile's name.
    pub profile_name: String,
    /// The session, once the automatic sign-in worked.
    pub session: Option<SessionInfo>,
    /// Why the automatic sign-in failed.
    pub error: Option<AppError>,
}

/// Demo mode's profile and the outcome of its automatic sign-in.
pub struct Demo {
    /// The profile file.
    pub path: PathBuf,
    /// The parsed profile.
    pub profile: ServerProfile,
    outcome: watch::Sender<Option<Result<SessionInfo, AppError>>>,
}

impl Demo {
    /// Demo mode from the command line (`--demo <file>` or `--demo=<file>`) or the
    /// environment (`PARLOR_DEMO_PROFILE`); an unreadable profile is reported and ignored.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Option<Demo> {
        let path = demo_path(args)?;
        match ServerProfile::from_file(&path) {
            Ok(profile) => Some(Demo {
                path,
                profile,
                outcome: watch::channel(None).0,
            }),
            Err(e) => {
                tracing::error!(error = %e, "demo profile unusable; starting normally");
                None
            }
        }
    }

    /// Records how the automatic sign-in went.
    pub fn finish(&self, outcome: Result<SessionInfo, AppError>) {
        self.outcome.send_replace(Some(outcome));
    }

    /// The demo info once the automatic sign-in has finished (at once if it has).
    pub async fn info(&self) -> DemoInfo {
        let mut rx = self.outcome.subscribe();
        let outcome = rx
            .wait_for(Option::is_some)
            .await
            .map(|o| o.clone())
            .ok()
            .flatten();
        let (session, error) = match outcome {
            Some(Ok(s)) => (Some(s), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        DemoInfo {
            profile_path: self.path.display().to_string(),
            profile_name: self.profile.name.clone(),
            session,
            error,
        }
    }
}

fn demo_path(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        if a == "--demo" {
            return args.next().map(PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--demo=") {
            return Some(PathBuf::from(p));
        }
    }
    std::env::var_os("PARLOR_DEMO_PROFILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_profile_comes_from_the_command_line() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            demo_path(args(&["parlor-desktop", "--demo", "/tmp/p.toml"])),
            Some(PathBuf::from("/tmp/p.toml"))
        );
        assert_eq!(
            demo_path(args(&["parlor-desktop", "--demo=/tmp/q.toml"])),
            Some(PathBuf::from("/tmp/q.toml"))
        );
    }

    #[tokio::test]
    async fn demo_info_waits_for_the_automatic_sign_in() {
        let dir = std::env::temp_dir().join(format!("parlor-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("p.toml");
        std::fs::write(
            &file,
            "name = \"demo\"\ndialect = \"000\"\nsocket_url = \"http://127.0.0.1:5000\"\n[token]\nfile = \"/tmp/t\"\n",
        )
        .unwrap();
        let demo =
            Demo::from_args(["x".into(), "--demo".into(), file.display().to_string()]).unwrap();
        let waiting = tokio::spawn(async move {
            let info = demo.info();
            tokio::pin!(info);
            tokio::select! {
                _ = &mut info => panic!("answered before the sign-in finished"),
                _ = tokio::time::sleep(std::time::Duration::from_millis(50)) => {}
            }
            demo.finish(Err(AppError::new("auth_failed", "no")));
            info.await
        });
        let info = waiting.await.unwrap();
        assert_eq!(info.profile_name, "demo");
        assert_eq!(info.error.unwrap().code, "auth_failed");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
