#!/usr/bin/env bash
# Builds Parlor's desktop installers: the web UI (ui/ → ui/dist), then the Tauri app in release
# and its .deb, into target/release/bundle/deb/ (of CARGO_TARGET_DIR when set).
#
#   desktop/build.sh            # .deb (this machine: Debian)
#   desktop/build.sh dmg        # macOS .dmg  — configured in src-tauri/tauri.conf.json, UNTESTED here
#   desktop/build.sh msi        # Windows .msi (WiX) — configured, UNTESTED here
#
# AppImage is not offered: its tooling downloads files while bundling.
# Heavy steps take /var/tmp/parlor-heavy.lock when flock exists (shared build machines).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="${1:-deb}"
case "$bundle" in
  deb|dmg|msi) ;;
  *) echo "usage: desktop/build.sh [deb|dmg|msi]" >&2; exit 2 ;;
esac

heavy() {
  if command -v flock >/dev/null; then flock /var/tmp/parlor-heavy.lock "$@"; else "$@"; fi
}

cd "$root/ui"
[ -d node_modules ] || npm ci --no-audit --no-fund
# PARLOR_UI_BUILT=1: the caller built ui/dist already and may be compiling against it (CI's
# background release build); building it again would empty it under that compile.
[ "${PARLOR_UI_BUILT:-}" = 1 ] || npm run build

cd "$root"
# The CLI comes from ui's devDependencies (@tauri-apps/cli 2); it builds with
# `--features tauri/custom-protocol`, so the app embeds ui/dist instead of a dev server.
tauri=./ui/node_modules/.bin/tauri
target="${CARGO_TARGET_DIR:-$root/target}"
# PARLOR_BUILD_PROFILE=debug packages a dev-profile build instead (quicker when a debug build
# of the workspace exists: it reuses its dependencies). Ship release; CI tests release.
profile="${PARLOR_BUILD_PROFILE:-release}"
# The debug build selects the whole workspace (`-- --workspace`, passed on to cargo) so that
# shared dependencies keep the test build's feature set: 30 s instead of 154 s measured, as
# a build of the desktop crate alone compiles most of them again with narrower features.
case "$profile" in
  release) flags=() ;;
  debug) flags=(--debug) ;;
  *) echo "PARLOR_BUILD_PROFILE: say release or debug, not $profile" >&2; exit 2 ;;
esac
if [ "$bundle" = deb ]; then
  # Build, strip the symbols (a third of the binary), then bundle the stripped binary.
  runner_args=()
  [ "$profile" = debug ] && runner_args=(-- --workspace)
  heavy "$tauri" build "${flags[@]}" --no-bundle "${runner_args[@]}"
  strip "$target/$profile/parlor-desktop"
  heavy "$tauri" bundle "${flags[@]}" --bundles deb
else
  heavy "$tauri" build "${flags[@]}" --bundles "$bundle"
fi

out="$target/$profile/bundle/$bundle"
echo "built:"
ls -l "$out"
