#!/usr/bin/env bash
# Inside run.sh's private D-Bus session: unlock a scratch gnome-keyring (a non-empty password;
# its files under PARLOR_E2E_KEYRING_HOME), then run the suite and the measurements on Xvfb.
set -euo pipefail
cd "$(dirname "$0")"
printf "e2e-keyring-pw" | XDG_DATA_HOME="$PARLOR_E2E_KEYRING_HOME" \
  gnome-keyring-daemon --unlock --components=secrets >/dev/null
xvfb=(xvfb-run -a -s "-screen 0 1280x800x24")
if [ "${PARLOR_E2E_MEASURE_ONLY:-0}" != 1 ]; then
  "${xvfb[@]}" "$PARLOR_E2E_VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
fi
# PARLOR_E2E_NO_MEASURE=1 skips the measurements (a single test while iterating).
if [ "${PARLOR_E2E_NO_MEASURE:-0}" != 1 ]; then
  echo "-- measurements"
  "${xvfb[@]}" "$PARLOR_E2E_VENV/bin/python" measure.py
fi
