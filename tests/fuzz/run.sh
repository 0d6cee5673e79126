#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 8: the CI run, about a minute in all).
# A longer run: tests/fuzz/run.sh 600. Findings land in tests/fuzz/artifacts/<target>/;
# each one becomes a regression test (core/src/dialect/robustness_tests.rs or beside the code).
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir="$(pwd)"
seconds="${1:-8}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export CARGO_TARGET_DIR="${PARLOR_FUZZ_TARGET_DIR:-/var/tmp/parlor-fuzz-target}"
# Stable toolchain: RUSTC_BOOTSTRAP lets cargo-fuzz pass its instrumentation flags; safe Rust
# needs no address sanitizer (a panic is the finding).
export RUSTC_BOOTSTRAP=1
targets=$(cargo fuzz list --fuzz-dir "$fuzz_dir")
cargo fuzz build --fuzz-dir "$fuzz_dir" --sanitizer none --release
for t in $targets; do
  echo "== fuzz $t (${seconds}s)"
  mkdir -p "corpus/$t"
  cargo fuzz run --fuzz-dir "$fuzz_dir" --sanitizer none --release "$t" "corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 | grep -E "stat::number_of_executed_units|Done|ERROR|panicked" || true
  if [ -n "$(ls -A "artifacts/$t" 2>/dev/null)" ]; then
    echo "fuzz: $t found a crash: $(ls "artifacts/$t")" >&2
    exit 1
  fi
done
echo "fuzz: $(echo "$targets" | wc -w) targets, no crash"
