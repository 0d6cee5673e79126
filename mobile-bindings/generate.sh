#!/usr/bin/env bash
# Builds the parlor-ffi shared library and generates its Kotlin, Swift and Python bindings
# into build/bindings/ (not committed):
#
#   mobile-bindings/generate.sh [--release] [--workspace]
#
# --workspace builds with the whole workspace's feature set, so that it reuses what a
# `cargo test --workspace` already compiled (tests/test.sh); without it, only the two crates
# are built, whose narrower feature set compiles most dependencies again (126 s measured).
#
#   build/bindings/libparlor_ffi.so      the library the bindings load (Linux host build)
#   build/bindings/python/parlor_ffi.py  + a copy of the .so beside it (import parlor_ffi)
#   build/bindings/kotlin/uniffi/parlor_ffi/parlor_ffi.kt   (JNA; needs kotlinx-coroutines)
#     + ParlorFlows.kt (Flows over the listeners, from mobile-bindings/kotlin/)
#   build/bindings/swift/parlor_ffi.swift, parlor_ffiFFI.h, parlor_ffiFFI.modulemap
#     + ParlorStreams.swift (AsyncStreams over the listeners, from mobile-bindings/swift/)
#
# The bindings are generated from the metadata in the built library ("library mode"), so
# they always match it. Android/iOS builds reuse the same generated Kotlin/Swift with the
# libraries built by android/build.sh and ios/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=debug
cargo_flags=()
scope=(-p parlor-ffi -p uniffi-bindgen)
for arg in "$@"; do
  case "$arg" in
    --release) profile=release; cargo_flags+=(--release) ;;
    --workspace) scope=(--workspace) ;;
    *) echo "generate.sh: unknown option $arg (use --release, --workspace)" >&2; exit 2 ;;
  esac
done
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}"
out=build/bindings

cargo build "${scope[@]}" "${cargo_flags[@]}" --quiet
lib="$CARGO_TARGET_DIR/$profile/libparlor_ffi.so"
bindgen="$CARGO_TARGET_DIR/$profile/uniffi-bindgen"

rm -rf "$out"
mkdir -p "$out"
cp "$lib" "$out/"
for lang in python kotlin swift; do
  "$bindgen" generate "$lib" --language "$lang" --out-dir "$out/$lang" --no-format
done
cp "$lib" "$out/python/"
# The hand-written Flow and AsyncStream adapters ship inside the generated packages.
cp mobile-bindings/kotlin/ParlorFlows.kt "$out/kotlin/uniffi/parlor_ffi/"
cp mobile-bindings/swift/ParlorStreams.swift "$out/swift/"
echo "generate.sh: bindings in $out/{python,kotlin,swift}"
