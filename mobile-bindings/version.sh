#!/usr/bin/env bash
# Prints the one version of all three packages of the bindings (the Python wheel, the Android
# library module, the Swift package): the workspace's `[workspace.package] version` in the root
# Cargo.toml, which parlor-ffi inherits (`version.workspace = true`).
#
#   mobile-bindings/version.sh        → 0.1.0
#
# Read with awk rather than cargo or Python's tomllib, so the Android and iOS scripts need
# nothing more on a developer's machine (macOS's python3 predates tomllib). The wheel reads the
# same field with tomllib (python/hatch_build.py); python/tests/test_wheel.py checks that the
# two readings and the installed wheel agree.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(awk '
  /^[[:space:]]*\[/ { in_pkg = ($0 ~ /^[[:space:]]*\[workspace\.package\][[:space:]]*(#.*)?$/) }
  in_pkg && /^[[:space:]]*version[[:space:]]*=/ {
    sub(/^[^=]*=[[:space:]]*"/, ""); sub(/".*$/, ""); print; exit
  }' Cargo.toml)"
[ -n "$version" ] || { echo "version.sh: no version in Cargo.toml's [workspace.package]" >&2; exit 1; }
echo "$version"
