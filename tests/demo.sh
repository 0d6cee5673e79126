#!/usr/bin/env bash
# The main job: start the bundled reference servers and run one scripted session per dialect
# (billing chat, presence + sessions, tarot chat, support chat, telecaller calls) through
# Parlor's core, printing the transcript. Exits 0 only if every step happened.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"
cargo run --quiet -p parlor-harness --bin parlor -- demo "$@"
