#!/usr/bin/env bash
# Runs the core's examples (core/examples/) against the reference servers, the way an app team
# would run them: builds them once, starts each server they need on a free port (its `READY
# <port>` line), mints the seeded accounts' tokens (`--mint`), runs each example with a time
# bound, and checks its exit code and one line of what it printed. The servers stop when the
# script ends, however it ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"
servers=tests/servers
if [ ! -d "$servers/node_modules/socket.io" ]; then
  echo "examples: installing the reference servers' dependencies (npm ci)"
  (cd "$servers" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# Built with `--workspace`, so with the features `cargo test --workspace` resolves: that run
# builds the examples too, and after it this compiles nothing (0.4 s measured on the 2-core
# CI machine; the whole script takes ~7 s). `-p parlor-core` alone would resolve the core
# without the desktop shell's `specta` feature and compile parlor-protocol, parlor-core and
# the examples a second time (6 s after a change to the core, warm). Naming the examples
# keeps a run of this script on its own from building the other members' (the desktop's).
examples=(chat consultation call_signalling custom_dialect)
cargo build --quiet --workspace "${examples[@]/#/--example=}"
bin="$CARGO_TARGET_DIR/debug/examples"

work="$(mktemp -d)"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

# A billed minute of 1.5 s, for the server and the consultation example alike.
minute_ms=1500
# launch NAME SCRIPT [VAR=VALUE...]: starts a server on a free port, in the background.
launch() {
  local name=$1 script=$2
  shift 2
  env "$@" node "$servers/$script" --port 0 >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
}
# port NAME: the port from the server's READY line, once it has printed it.
port() {
  local p=""
  for _ in $(seq 1 200); do
    p="$(sed -n 's/^READY \([0-9]*\).*/\1/p' "$work/$1.out" | head -1)"
    [ -n "$p" ] && break
    sleep 0.1
  done
  [ -n "$p" ] || { echo "examples: the $1 server did not start" >&2; cat "$work/$1.err" >&2; exit 1; }
  echo "$p"
}
mint() { node "$servers/$1" --mint "$2"; }

# run EXAMPLE PATTERN ARGS...: the example must exit 0 and print a line matching PATTERN
# (grep -E). Its own bound ends it first; `timeout` is there for a build that lost it.
run() {
  local example=$1 pattern=$2 rc=0 started=$SECONDS
  shift 2
  timeout 120 "$bin/$example" "$@" >"$work/$example.log" 2>&1 || rc=$?
  sed "s/^/  $example | /" "$work/$example.log"
  [ "$rc" -eq 0 ] || { echo "examples: $example exited with $rc" >&2; exit 1; }
  grep -qE "$pattern" "$work/$example.log" \
    || { echo "examples: $example printed no line matching: $pattern" >&2; exit 1; }
  echo "examples: $example ok ($((SECONDS - started)) s)"
}

launch chat 003_support_chat.js
launch billing 000_billing_chat.js "PARLOR_BILLING_MINUTE_MS=$minute_ms"
launch calls 004_telecaller_calls.js
launch probe transport_probe.js
chat_url="http://127.0.0.1:$(port chat)"
billing_url="http://127.0.0.1:$(port billing)"
calls_url="http://127.0.0.1:$(port calls)"
probe_url="http://127.0.0.1:$(port probe)"

# Minted first, so that a failed mint stops the script here.
client_token="$(mint 003_support_chat.js 1)"
user_token="$(mint 000_billing_chat.js u-asha)"
expert_token="$(mint 000_billing_chat.js a-sharma)"
caller_token="$(mint 004_telecaller_calls.js 507f1f77bcf86cd799439011)"
callee_token="$(mint 004_telecaller_calls.js 507f1f77bcf86cd799439031)"

run chat '^confirmed: sent \(server id .+\)$' "$chat_url" "$client_token"
PARLOR_BILLING_MINUTE_MS=$minute_ms run consultation \
  '^expert: bill [0-9]+ min x 10\.00 INR = [0-9.]+ INR \(ended by user\)$' \
  "$billing_url" "$user_token" "$expert_token"
run call_signalling '^callee: accepted; LiveKit ws://[^ ]+ room [^ ]+ \(token of [0-9]+ chars\)$' \
  "$calls_url" "$caller_token" "$callee_token"
# The transport probe speaks the custom dialect's echo protocol and takes the token `valid`.
run custom_dialect '^echo: hello$' "$probe_url" valid
echo "examples: all ran"
