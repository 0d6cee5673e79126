#!/usr/bin/env bash
# The desktop app's measurements alone (launch → dashboard, idle memory, .deb size) as a
# table: run.sh's environment (Xvfb, D-Bus, keyring) without the test suite. Measures the
# debug build and, when present, the release build desktop/build.sh made.
set -euo pipefail
PARLOR_E2E_MEASURE_ONLY=1 exec "$(dirname "$0")/run.sh" "$@"
