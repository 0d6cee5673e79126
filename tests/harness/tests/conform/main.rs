//! `parlor conform` as a server team runs it (the binary, token files, `--json`): each
//! reference server in its default mode conforms to its document (differences are extra
//! fields only, exit 0); a server that drifts inside the document is reported readably while
//! Parlor copes (exit 0); a server Parlor cannot use gets exit 1 and says why.

use parlor_core::DialectId;
use parlor_harness::conform::{default_namespaces, seeded_accounts};
use parlor_harness::servers::{server_file, servers_dir, RefServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

mod drift;
mod reference;

const PARLOR: &str = env!("CARGO_BIN_EXE_parlor");

/// A scratch folder, removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "parlor-conform-test-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run of `parlor conform` gave.
struct Outcome {
    code: i32,
    stdout: String,
    report: Value,
}

impl Outcome {
    fn rows(&self) -> &Vec<Value> {
        self.report["rows"].as_array().expect("rows")
    }

    /// The row whose step starts with `step`, of `party`.
    fn row(&self, step: &str, party: &str) -> &Value {
        self.rows()
            .iter()
            .find(|r| r["step"].as_str().unwrap().starts_with(step) && r["party"] == party)
            .unwrap_or_else(|| panic!("no row {step} ({party}) in\n{}", self.stdout))
    }
}

/// Runs `parlor conform ARGS --json F` with `env` and reads the report.
async fn conform(args: &[&str], env: &[(&str, &str)], scratch: &Scratch) -> Outcome {
    let json = scratch.0.join("report.json");
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new(PARLOR)
            .arg("conform")
            .args(args)
            .arg("--json")
            .arg(&json)
            .envs(env.iter().copied())
            .stderr(Stdio::inherit())
            .output(),
    )
    .await
    .expect("parlor conform finishes")
    .expect("parlor runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = serde_json::from_str(
        &std::fs::read_to_string(&json)
            .unwrap_or_else(|e| panic!("no JSON report ({e}); stdout:\n{stdout}")),
    )
    .expect("the JSON report parses");
    Outcome {
        code: out.status.code().expect("exit code"),
        stdout,
        report,
    }
}

/// The arguments that name `url` and the seeded accounts of `d`, tokens in files.
async fn account_args(
    d: DialectId,
    url: &str,
    server: &RefServer,
    scratch: &Scratch,
) -> Vec<String> {
    let (user, expert, conversation) = seeded_accounts(d);
    let user_token = scratch.write("user.token", &server.mint(user).await.unwrap());
    let expert_token = scratch.write("expert.token", &server.mint(expert).await.unwrap());
    let mut args: Vec<String> = vec![
        "--dialect".into(),
        d.as_str().into(),
        "--url".into(),
        url.into(),
        "--user-account".into(),
        user.into(),
        "--user-token-file".into(),
        path(&user_token),
        "--expert-account".into(),
        expert.into(),
        "--expert-token-file".into(),
        path(&expert_token),
        "--wait".into(),
        "20".into(),
    ];
    if let Some(c) = conversation {
        args.extend(["--conversation".into(), c.into()]);
    }
    args
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// Every row as documented or an extension, every difference an extra field, exit 0.
fn assert_clean(o: &Outcome) {
    assert_eq!(o.code, 0, "{}", o.stdout);
    assert!(o.report["stopped"].is_null(), "{}", o.stdout);
    for r in o.rows() {
        let verdict = r["verdict"].as_str().unwrap();
        assert!(
            verdict == "as_documented" || verdict == "extension",
            "{} ({}): {verdict}: {}\n{}",
            r["step"],
            r["party"],
            r["server"],
            o.stdout
        );
        for d in r["differences"].as_array().unwrap() {
            assert_eq!(d["kind"], "extra", "{r}");
        }
    }
    assert!(o.report["summary"]["as_documented"].as_u64().unwrap() >= 8);
    assert!(o.stdout.contains("summary: "), "{}", o.stdout);
}
