#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 6: the CI run, under a minute in all).
# A longer run: tests/fuzz/run.sh 600. Findings land in tests/fuzz/artifacts/<target>/
# (ignored by git); each one becomes a regression test (core/protocol/src/dialect/robustness_tests.rs
# or beside the code).
# Inputs: the small committed seed corpus in seeds/<target>/ (document examples), read only.
# What a run discovers goes to a temporary folder, deleted afterwards, so the tree stays
# clean; set PARLOR_FUZZ_CORPUS=<dir> to keep and grow a corpus across runs.
# Built in the dev profile: debug assertions and overflow checks on (an unchecked overflow on
# a server number is a finding), and it compiles in 147 s where the release build, which
# cargo-fuzz makes with one codegen unit, took 347 s.
# Honest by construction: a target that fails to build, fails to start, crashes, or runs no
# input at all fails the run (no `|| true` anywhere).
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir="$(pwd)"
seconds="${1:-6}"
# A debug build of the cargo-fuzz CLI: it only drives cargo, and compiles in half the time.
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --debug
export CARGO_TARGET_DIR="${PARLOR_FUZZ_TARGET_DIR:-/var/tmp/parlor-fuzz-target}"
# Stable toolchain: RUSTC_BOOTSTRAP lets cargo-fuzz pass its instrumentation flags; safe Rust
# needs no address sanitizer (a panic is the finding).
export RUSTC_BOOTSTRAP=1
targets=$(cargo fuzz list --fuzz-dir "$fuzz_dir")
[ -n "$targets" ] || { echo "fuzz: no targets found" >&2; exit 1; }
cargo fuzz build --fuzz-dir "$fuzz_dir" --sanitizer none --dev
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
corpus="${PARLOR_FUZZ_CORPUS:-$logs/corpus}"
for t in $targets; do
  echo "== fuzz $t (${seconds}s)"
  mkdir -p "$corpus/$t"
  seeds=()
  [ -d "seeds/$t" ] && seeds=("seeds/$t")
  log="$logs/$t.log"
  # New inputs go to the first folder only; the seeds are read, never written.
  if ! cargo fuzz run --fuzz-dir "$fuzz_dir" --sanitizer none --dev "$t" "$corpus/$t" "${seeds[@]}" \
      -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    echo "fuzz: $t failed (crash, or it did not start):" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  sed -n '/stat::number_of_executed_units\|Done/p' "$log"  # the summary, for the reader
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  if [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
    echo "fuzz: $t executed no input:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  if [ -n "$(ls -A "artifacts/$t" 2>/dev/null)" ]; then
    echo "fuzz: $t found a crash: $(ls "artifacts/$t")" >&2
    exit 1
  fi
done
echo "fuzz: $(echo "$targets" | wc -w) targets, no crash"
