#!/usr/bin/env bash
# Installs what building and testing Parlor needs on a fresh Debian/Ubuntu machine, and
# nothing that is already there: system packages (as root, or through sudo), the reference
# servers' npm dependencies from their lockfile. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
# JNA, kotlinx-coroutines and atomicfu jars: the Kotlin bindings test runs on the JVM
# (mobile-bindings/tests/kotlin/run.sh); Debian names the coroutines package
# libkotlinx-coroutines-java. python3-venv: the Python bindings test's pytest venv.
# libasound2-dev, libopus-dev: voice notes (cpal, opus); espeak-ng, sox: the voice-note tests' speech.
# The desktop app (Tauri 2, WebKitGTK): libwebkit2gtk-4.1-dev librsvg2-dev libxdo-dev file; its
# end-to-end suite: xvfb xauth (xvfb-run needs it named), webkit2gtk-driver, imagemagick
# (screenshots); the keyring: dbus gnome-keyring keyutils libdbus-1-dev libsecret-tools.
for pkg in pkg-config libssl-dev build-essential python3-venv \
           libjna-java libkotlinx-coroutines-java libkotlinx-atomicfu-java \
           libasound2-dev libopus-dev espeak-ng sox \
           libwebkit2gtk-4.1-dev librsvg2-dev libxdo-dev file \
           xvfb xauth webkit2gtk-driver imagemagick \
           dbus gnome-keyring keyutils libdbus-1-dev libsecret-tools; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_pkgs+=("$pkg")
done
command -v node >/dev/null 2>&1 || need_pkgs+=(nodejs npm)
command -v java >/dev/null 2>&1 || need_pkgs+=(default-jdk-headless)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${need_pkgs[*]}"
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

# The reference servers' dependencies, exactly as locked.
if [ ! -d tests/servers/node_modules/socket.io ] || [ tests/servers/package-lock.json -nt tests/servers/node_modules/.package-lock.json ]; then
  echo "setup: npm ci in tests/servers"
  (cd tests/servers && npm ci --no-audit --no-fund --loglevel=error)
fi

# tauri-driver (the WebDriver bridge of the desktop e2e suite), in a tools dir outside the clone.
tools="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}"
if [ ! -x "$tools/cargo/bin/tauri-driver" ]; then
  echo "setup: cargo install tauri-driver into $tools/cargo"
  cargo install tauri-driver --locked --quiet --root "$tools/cargo"
fi

# The desktop app's web UI dependencies, exactly as locked.
if [ -f ui/package-lock.json ] && { [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; }; then
  echo "setup: npm ci in ui"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
