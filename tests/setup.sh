#!/usr/bin/env bash
# Installs what Parlor needs on a fresh Debian/Ubuntu machine, and nothing that is already
# there: system packages (as root, or through sudo), the reference servers' and the desktop
# UI's npm dependencies from their lockfiles, the e2e suite's WebDriver bridge. Safe to run again.
#
#   tests/setup.sh             everything the tests need (tests/test.sh)
#   tests/setup.sh demo        what the desktop demo needs (tests/demo.sh with a display)
#   tests/setup.sh headless    what the headless demo needs (the harness and the servers)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-tests}"
case "$what" in tests|demo|headless) ;; *) echo "setup: say tests, demo or headless" >&2; exit 2 ;; esac

# Building the core and the harness: TLS, ALSA (voice notes), Opus.
pkgs=(pkg-config libssl-dev build-essential libasound2-dev libopus-dev)
if [ "$what" != headless ]; then
  # The desktop app (Tauri 2, WebKitGTK); its keyring (Secret Service: D-Bus, gnome-keyring);
  # its tray (the Ayatana AppIndicator library, loaded at run time); a Devanagari font (Hindi).
  pkgs+=(libwebkit2gtk-4.1-dev librsvg2-dev libxdo-dev file
         dbus gnome-keyring libdbus-1-dev libayatana-appindicator3-1 fonts-lohit-deva)
fi
if [ "$what" = tests ]; then
  # Only the tests: the Kotlin bindings test's JNA jar (its kotlinx-coroutines is the Kotlin
  # compiler's own: Debian's predates Flow); python3-venv for the Python bindings and e2e venvs; espeak-ng and sox
  # for the voice tests' speech; Xvfb (xauth named or xvfb-run fails), WebKitWebDriver and
  # ImageMagick (screenshots) for the e2e suite; keyutils and secret-tool for the keyring checks;
  # jq reads cargo's JSON messages (the test binaries the mode loop runs).
  pkgs+=(python3-venv libjna-java
         espeak-ng sox xvfb xauth webkit2gtk-driver imagemagick keyutils libsecret-tools jq)
fi
need_pkgs=()
for pkg in "${pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_pkgs+=("$pkg")
done
command -v node >/dev/null 2>&1 || need_pkgs+=(nodejs npm)
[ "$what" = tests ] && { command -v java >/dev/null 2>&1 || need_pkgs+=(default-jdk-headless); }
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup ($what): installing ${need_pkgs[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=900 "${need_pkgs[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust is missing; install it with rustup (https://rustup.rs) and run this again" >&2
  exit 1
fi

# The desktop UI is built by Vite, which needs Node 20.19 or later (Debian bookworm ships 18).
if [ "$what" != headless ]; then
  node_version="$(node --version 2>/dev/null | sed 's/^v//')"
  IFS=. read -r major minor _ <<<"${node_version:-0.0.0}"
  if [ "${major:-0}" -lt 20 ] || { [ "${major:-0}" -eq 20 ] && [ "${minor:-0}" -lt 19 ]; }; then
    echo "setup: Node ${node_version:-(none)} is too old: the desktop UI's build (Vite) needs" \
         "Node 20.19 or later. Install a newer Node (for example from nodejs.org or your" \
         "distribution's backports), put it first on PATH and run this again." \
         "(The headless demo needs only 'tests/setup.sh headless'.)" >&2
    exit 1
  fi
fi

# The reference servers' dependencies, exactly as locked.
if [ ! -d tests/servers/node_modules/socket.io ] || [ tests/servers/package-lock.json -nt tests/servers/node_modules/.package-lock.json ]; then
  echo "setup: npm ci in tests/servers"
  (cd tests/servers && npm ci --no-audit --no-fund --loglevel=error)
fi

# The desktop app's web UI dependencies, exactly as locked.
if [ "$what" != headless ] && [ -f ui/package-lock.json ] && { [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; }; then
  echo "setup: npm ci in ui"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# tauri-driver (the WebDriver bridge of the desktop e2e suite), in a tools dir outside the clone.
if [ "$what" = tests ]; then
  tools="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}"
  if [ ! -x "$tools/cargo/bin/tauri-driver" ]; then
    echo "setup: cargo install tauri-driver into $tools/cargo"
    cargo install tauri-driver --locked --quiet --root "$tools/cargo"
  fi
fi
