#!/usr/bin/env bash
# The desktop app tested as installed: builds the release .deb (desktop/build.sh; or takes
# PARLOR_INSTALL_DEB, built already), installs it
# with dpkg -i, then runs the e2e suite against the installed binary (/usr/bin/parlor-desktop)
# under Xvfb — sign in, online, a request rings, accept, a message, end, and the rest — except
# the updater test (run.sh runs it on debug builds), and measures the installed app's idle
# memory (app plus WebKit, PSS) and the .deb's size (measure.py). Needs root or sudo for dpkg.
# Extra arguments go to pytest (default: every test but the updater's).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"

# The same test update key as run.sh: the package built here checks updates against it (a
# package given by PARLOR_INSTALL_DEB was built with it: tests/test.sh).
keydir="$(tests/e2e/updater-key.sh)"
export PARLOR_UPDATER_PUBKEY="$(cat "$keydir/key.pub")"

# PARLOR_INSTALL_DEB names a .deb built already (tests/test.sh builds the release one while
# other steps run); otherwise this builds it (PARLOR_BUILD_PROFILE=debug: the dev profile's).
if [ -n "${PARLOR_INSTALL_DEB:-}" ]; then
  deb="$PARLOR_INSTALL_DEB"
  [ -s "$deb" ] || { echo "PARLOR_INSTALL_DEB: no package at $deb" >&2; exit 1; }
  echo "-- package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB), built already"
else
  profile="${PARLOR_BUILD_PROFILE:-release}"
  echo "-- build: the $profile .deb"
  start=$(date +%s)
  PARLOR_BUILD_PROFILE="$profile" desktop/build.sh deb >/dev/null
  deb="$(ls -t "$CARGO_TARGET_DIR/$profile"/bundle/deb/*.deb | head -n1)"
  echo "-- built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $(( $(date +%s) - start )) s"
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "-- dpkg -i $(basename "$deb")"
DEBIAN_FRONTEND=noninteractive $SUDO dpkg -i "$deb" >/dev/null
installed="$(command -v parlor-desktop)"
[ "$installed" = /usr/bin/parlor-desktop ] || { echo "installed: parlor-desktop is $installed" >&2; exit 1; }
dpkg -s parlor | sed -n 's/^Version: /-- installed parlor /p'

[ $# -gt 0 ] || set -- -k "not test_a_signed_update"
PARLOR_E2E_NO_BUILD=1 PARLOR_DESKTOP_APP="$installed" PARLOR_DEB="$deb" tests/e2e/run.sh "$@"
