#!/usr/bin/env bash
# The main job. With a display: start a bundled reference server, open the desktop app for
# experts in demo mode (signed in as the seeded expert Pandit Sharma) and let a scripted user
# (`parlor demo-user`) ask for a consultation, chat, wait for the meter and end it while you
# watch (and accept, answer) in the window. With no display ($DISPLAY / $WAYLAND_DISPLAY unset,
# or PARLOR_DEMO_HEADLESS=1): one scripted session per dialect through the core, printed as a
# transcript (`parlor demo`). Arguments go to `parlor demo` in the headless case.
#
# PARLOR_DEMO_DIALECT: presence-sessions (001, default: presence, chat messages, meter, bill) or
# billing-chat (000: per-minute billing with pause/resume, no chat messages).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"

# Only what the demo needs is installed (the tests' JDK, WebDriver, ImageMagick, … are not).
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "${PARLOR_DEMO_HEADLESS:-0}" = 1 ]; then
  tests/setup.sh headless
  echo "demo: no display, so the headless demo (parlor demo); set DISPLAY to see the desktop app"
  exec cargo run --quiet -p parlor-harness --bin parlor -- demo "$@"
fi
tests/setup.sh demo

dialect="${PARLOR_DEMO_DIALECT:-presence-sessions}"
case "$dialect" in
  presence-sessions|001) script=001_presence_sessions.js expert=astro_sharma ;;
  billing-chat|000) script=000_billing_chat.js expert=a-sharma ;;
  *) echo "demo: PARLOR_DEMO_DIALECT must be presence-sessions or billing-chat" >&2; exit 2 ;;
esac
# A billed minute of 20 s keeps the meter moving while you watch.
minute_ms="${PARLOR_DEMO_MINUTE_MS:-20000}"

echo "demo: building the harness and the desktop app (first time: several minutes)"
cargo build --quiet -p parlor-harness --bin parlor
(cd ui && npm run --silent build >/dev/null)
cargo build --quiet -p parlor-desktop --bin parlor-desktop --features tauri/custom-protocol

work="$(mktemp -d "${TMPDIR:-/tmp}/parlor-demo.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The reference server; its READY line carries the port.
PARLOR_BILLING_MINUTE_MS="$minute_ms" PARLOR_REQUEST_TIMEOUT_MS=300000 \
  node "tests/servers/$script" --port 0 >"$work/server.out" 2>"$work/server.log" &
pids+=($!)
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/^READY //p' "$work/server.out" | head -n1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "demo: the reference server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
url="http://127.0.0.1:$port"
echo "demo: $script listening on $url (a billed minute lasts $((minute_ms / 1000)) s)"

# The seeded expert's profile; its token stays in a private file, never on a command line.
umask 077
node "tests/servers/$script" --mint "$expert" >"$work/expert.token"
cat >"$work/expert.toml" <<EOF
name = "Demo: Pandit Sharma"
dialect = "$dialect"
socket_url = "$url"
rest_url = "$url"
account_id = "$expert"
billing_minute_ms = $minute_ms
[token]
file = "$work/expert.token"
EOF

"$CARGO_TARGET_DIR/debug/parlor-desktop" --demo "$work/expert.toml" >"$work/app.log" 2>&1 &
app=$!
pids+=("$app")
echo "demo: the app opens signed in as Pandit Sharma. In its window:"
[ "$dialect" = presence-sessions ] && echo "        - go Online (the user waits for you),"
echo "        - accept Asha Verma's request when it appears,"
[ "$dialect" = presence-sessions ] && echo "        - answer her messages if you like, and watch the meter and the bill."
[ "$dialect" = billing-chat ] && echo "        - watch the meter; pause, resume, or let her end it and see the bill."
# In the background with `wait`, so Ctrl-C reaches the cleanup at once.
"$CARGO_TARGET_DIR/debug/parlor" demo-user --url "$url" --dialect "$dialect" \
  --billing-minute-ms "$minute_ms" --patience-secs "${PARLOR_DEMO_PATIENCE_SECS:-600}" &
user=$!
pids+=("$user")
wait "$user"
echo "demo: done. Close the app window to finish (its history lists the consultation)."
wait "$app" || true
