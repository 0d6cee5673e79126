#!/usr/bin/env bash
# Every test of the project: formatting and lints, the desktop web UI's checks and unit tests,
# the Rust unit and integration suites (against real socket.io servers), the mobile bindings
# through the real shared library (Python and Kotlin), the reference servers' own self-test,
# fuzzing, and the desktop app end to end in its real window (Xvfb, tauri-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
tests/setup.sh
# A target dir outside the clone keeps repeated runs fast; it still builds from nothing.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"
export CARGO_TERM_COLOR=never

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== desktop web UI (ui/): svelte-check, vitest, vite build"
# Before clippy: the desktop crate embeds ui/dist when it compiles (tauri's generate_context).
(cd ui && npm run --silent check && npm test --silent && npm run --silent build >/dev/null)
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== LiveKit engine type-check (feature livekit, DOCS_RS=1)"
# The livekit crate downloads a prebuilt libwebrtc when it builds, which cannot work without
# internet; with DOCS_RS set its build script skips that, so this type-checks and lints the
# LiveKit engine (it cannot link). Its own target dir keeps the main build cache intact.
DOCS_RS=1 CARGO_TARGET_DIR="${PARLOR_LIVEKIT_TARGET_DIR:-${CARGO_TARGET_DIR}-livekit}" \
    cargo clippy -p parlor-core --features livekit --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace -- --test-threads=4
echo "== mobile bindings (uniffi): Python suite and Kotlin program through the real library"
mobile-bindings/tests/run.sh
echo "== reference servers self-test (node --test)"
(cd tests/servers && npm test --silent)
echo "== fuzzing (cargo-fuzz: every decoder, the services, cache loading, the JSON-lines parser; 6 s each)"
tests/fuzz/run.sh 6
echo "== desktop app end to end, as installed: release .deb, dpkg -i, the e2e suite against /usr/bin/parlor-desktop under Xvfb (screenshots in tests/e2e/screenshots)"
# CI builds the app once, in release, and tests what it installs; only the updater test runs on
# debug builds (an installed package is updated by dpkg, and a release app refuses a plain-http
# feed, so the update test rewrites an unpackaged debug copy served from a local feed).
tests/e2e/installed.sh
echo "== desktop app's updater end to end (debug builds of 0.1.0 and 0.99.0, a signed and a tampered update)"
PARLOR_E2E_KEEP_SHOTS=1 PARLOR_E2E_NO_MEASURE=1 tests/e2e/run.sh -k test_a_signed_update
