#!/usr/bin/env bash
# Packs the Python bindings that mobile-bindings/generate.sh made into a wheel:
#
#   mobile-bindings/generate.sh --workspace      (or --release for a wheel to hand out)
#   mobile-bindings/python/build-wheel.sh
#
#   build/wheels/parlor_ffi-<version>-py3-none-linux_x86_64.whl
#     parlor_ffi/__init__.py        build/bindings/python/parlor_ffi.py (generated)
#     parlor_ffi/libparlor_ffi.so   build/bindings/python/libparlor_ffi.so (built by cargo)
#
# `pip install` it, then `import parlor_ffi`; importlib.metadata.version("parlor-ffi") is the
# workspace's Cargo version. It compiles nothing: the wheel holds the very library that
# generate.sh built and that tests/run.sh tests (Python and Kotlin), with the bindings generated
# from it, so the library's profile is generate.sh's (dev in CI, --release to ship).
#
# Why hatchling and not maturin. maturin (1.16, `bindings = "uniffi"`) cannot take a library
# that is already built: it runs `cargo rustc -p parlor-ffi` itself, whose feature set is the
# crate's own, not the workspace's that `cargo test --workspace` and generate.sh --workspace
# build with. Measured in CI's warm target dir on this 2-core machine: its first build compiled
# 41 crates again (parlor-core, parlor-ffi, reqwest, hyper, uniffi, ...) in 31 s; after that,
# it and generate.sh invalidate each other's parlor-ffi, so every run compiles the library twice
# (4-5 s warm and incremental, and parlor-core twice after every change to the core), and the
# wheel would hold a different build from the one the Kotlin program runs. Its default
# auditwheel repair also needs patchelf and copies the system's libssl, libcrypto, libopus and
# libasound into the wheel. Here a standard PEP 517 backend (hatchling, pyproject.toml and
# hatch_build.py beside this script) packs the two generated files with a platform tag, built by
# `pip wheel` without build isolation from a venv that holds hatchling: 2.5 s, no compiler.
#
# The tag is py3-none-linux_<arch>, not manylinux: the library links the system's libssl3,
# libcrypto3, libopus0 and libasound2 (the machine that installs it needs them) and glibc 2.34.
#
# hatchling is installed once into ${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}/wheel-build.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}"
venv="$tools/wheel-build"
hatchling_req="hatchling>=1.27,<2"
out=build/wheels

for f in build/bindings/python/parlor_ffi.py build/bindings/python/libparlor_ffi.so; do
  [ -f "$f" ] || { echo "build-wheel.sh: $f is missing: run mobile-bindings/generate.sh first" >&2; exit 1; }
done
if [ "$(cat "$venv/.requirement" 2>/dev/null)" != "$hatchling_req" ]; then
  echo "build-wheel.sh: installing $hatchling_req into $venv"
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$hatchling_req"
  echo "$hatchling_req" >"$venv/.requirement"
fi

rm -rf "$out"
mkdir -p "$out"
# No bytecode next to hatch_build.py in the source tree; the build writes nothing there.
PYTHONDONTWRITEBYTECODE=1 "$venv/bin/pip" wheel --quiet --disable-pip-version-check \
  --no-deps --no-build-isolation --no-index --wheel-dir "$out" mobile-bindings/python
wheel="$(ls "$out"/parlor_ffi-*.whl)"
echo "build-wheel.sh: $wheel ($(du -h "$wheel" | cut -f1))"
