#!/usr/bin/env bash
# The bindings' tests through the real shared library: generate the bindings, then the
# Python suite (pytest, in a venv it makes) and the Kotlin program (JVM + JNA), both against
# the reference servers. Run by tests/test.sh; system packages come from tests/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"
tools="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}"

echo "-- generate the bindings (mobile-bindings/generate.sh --workspace: reuses the test build)"
mobile-bindings/generate.sh --workspace

echo "-- Python bindings (pytest)"
venv="$tools/venv"
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pytest>=9,<10"
fi
"$venv/bin/python" -m pytest -q -p no:cacheprovider mobile-bindings/tests/python

echo "-- Kotlin bindings (kotlinc + JVM + JNA)"
mobile-bindings/tests/kotlin/run.sh
