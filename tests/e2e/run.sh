#!/usr/bin/env bash
# The desktop app end to end, in its real window: builds the web UI and the app (UI embedded),
# then runs the pytest suite (tests/e2e/test_*.py) and the measurements (measure.py) under Xvfb,
# inside a private D-Bus session with an unlocked gnome-keyring (the token really goes to the
# Secret Service), through tauri-driver + WebKitWebDriver. Screenshots: tests/e2e/screenshots/.
# PARLOR_E2E_NO_BUILD=1 skips the builds; extra arguments go to pytest (e.g. -k story).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"
tools="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}"

# The updater test's signing key (tests/e2e/updater-key.sh); its public half is built in.
keydir="$(tests/e2e/updater-key.sh)"
export PARLOR_UPDATER_PUBKEY="$(cat "$keydir/key.pub")" PARLOR_E2E_UPDATE_KEY="$keydir/key"

if [ "${PARLOR_E2E_NO_BUILD:-0}" != 1 ]; then
  echo "-- build: ui (vite), the harness, the desktop app with the UI embedded (and its 0.99.0 for the updater test)"
  # PARLOR_UI_BUILT=1: ui/dist is built already, and another build may be compiling it in
  # (tests/test.sh's background release build): rebuilding would empty it under that build.
  [ "${PARLOR_UI_BUILT:-}" = 1 ] || (cd ui && npm run --silent build >/dev/null)
  # Every binary of the workspace, as the packaged build makes them (desktop/build.sh), so
  # that shared dependencies keep one feature set and compile once.
  # The "newer version" first (same output path), set aside for the updater test.
  cargo build --quiet --workspace --bins --features tauri/custom-protocol,parlor-desktop/e2e-next-version
  cp "$CARGO_TARGET_DIR/debug/parlor-desktop" "$tools/parlor-desktop-0.99.0"
  cargo build --quiet --workspace --bins --features tauri/custom-protocol
fi
export PARLOR_E2E_NEXT_APP="$tools/parlor-desktop-0.99.0"

venv="$tools/e2e-venv"
# dbus-next: the suite's stand-ins for the desktop's notification daemon and tray host;
# python-xlib: the window's title, mapping and close button as a window manager sees them.
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c "import selenium, pytest_timeout, dbus_next, Xlib" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pytest>=9,<10" "pytest-timeout>=2.3,<3" \
    "selenium>=4.20,<5" "dbus-next>=0.2.3,<0.3" "python-xlib>=0.33,<1"
fi

[ "${PARLOR_E2E_MEASURE_ONLY:-0}" = 1 ] || [ "${PARLOR_E2E_KEEP_SHOTS:-0}" = 1 ] || rm -rf tests/e2e/screenshots
mkdir -p tests/e2e/screenshots
keyring_home="$(mktemp -d "${TMPDIR:-/tmp}/parlor-e2e-keyring.XXXXXX")"
trap 'rm -rf "$keyring_home"' EXIT
export PARLOR_E2E_VENV="$venv" PARLOR_E2E_KEYRING_HOME="$keyring_home"
dbus-run-session -- tests/e2e/session.sh "$@"
echo "-- screenshots: $(ls tests/e2e/screenshots/*.png 2>/dev/null | wc -l) in tests/e2e/screenshots/"
