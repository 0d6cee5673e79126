#!/usr/bin/env bash
# The bindings' tests through the real shared library: generate the bindings, pack the Python
# wheel, then the Python suite (pytest, against the wheel installed into a fresh venv) and the
# Kotlin program (JVM + JNA), both against the reference servers. Run by tests/test.sh; system
# packages come from tests/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"
tools="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}"

echo "-- generate the bindings (mobile-bindings/generate.sh --workspace: reuses the test build)"
mobile-bindings/generate.sh --workspace

echo "-- Python wheel (mobile-bindings/python/build-wheel.sh: packs the generated module and library)"
mobile-bindings/python/build-wheel.sh

echo "-- Python bindings (pytest, against the wheel installed into a fresh venv)"
# pytest and its dependencies are downloaded once into a wheelhouse; each run makes the venv
# anew and installs them and the wheel from files only. The venv has no pip of its own (that
# would cost 3.5 s): the wheel-build venv's pip installs into it.
pip="$tools/wheel-build/bin/pip"
pytest_req="pytest>=9,<10"
wheelhouse="$tools/wheelhouse"
if [ "$(cat "$wheelhouse/.requirement" 2>/dev/null)" != "$pytest_req" ]; then
  rm -rf "$wheelhouse"
  "$pip" download --quiet --disable-pip-version-check --dest "$wheelhouse" "$pytest_req"
  echo "$pytest_req" >"$wheelhouse/.requirement"
fi
venv="$tools/wheel-test"
python3 -m venv --clear --without-pip "$venv"
"$pip" --python "$venv/bin/python" install --quiet --disable-pip-version-check --no-index \
  --find-links "$wheelhouse" "$pytest_req" build/wheels/parlor_ffi-*.whl
# From an empty directory, with nothing added to the import path, so `import parlor_ffi` can
# only find the installed package (mobile-bindings/python/tests/test_wheel.py checks it).
root="$PWD"
away="$(mktemp -d)"
trap 'rm -rf "$away"' EXIT
(cd "$away" && env -u PYTHONPATH -u PARLOR_PY_BINDINGS "$venv/bin/python" -c \
  'import importlib.metadata as m, parlor_ffi; print("parlor-ffi", m.version("parlor-ffi"), "imported from", parlor_ffi.__file__)')
(cd "$away" && env -u PYTHONPATH -u PARLOR_PY_BINDINGS "$venv/bin/pytest" -q -p no:cacheprovider --rootdir "$root/mobile-bindings" \
  "$root/mobile-bindings/python/tests" "$root/mobile-bindings/tests/python")

echo "-- Kotlin bindings (kotlinc + JVM + JNA)"
mobile-bindings/tests/kotlin/run.sh
