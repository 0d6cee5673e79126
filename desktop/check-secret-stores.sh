#!/usr/bin/env bash
# Type-checks core/src/secrets.rs (the OS keyring stores) for macOS and Windows, where this
# project's CI cannot run them: a scratch crate includes the real file and `cargo check`s it
# for each target whose standard library is installed (rustup target add x86_64-apple-darwin
# x86_64-pc-windows-gnu). Compiled, not run: the Keychain and Credential Manager stores stay
# untested here.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/parlor-secrets-check.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src"
cat >"$scratch/Cargo.toml" <<TOML
[package]
name = "parlor-secrets-check"
version = "0.0.0"
edition = "2021"
[workspace]
[features]
default = ["keyring"]
keyring = []
[dependencies]
thiserror = "2"
keyring-core = "1"
[target.'cfg(target_os = "macos")'.dependencies]
apple-native-keyring-store = { version = "1", features = ["keychain"] }
[target.'cfg(target_os = "windows")'.dependencies]
windows-native-keyring-store = "1"
TOML
printf '#[path = "%s/core/src/secrets.rs"]\npub mod secrets;\n' "$root" >"$scratch/src/lib.rs"
installed="$(rustup target list --installed 2>/dev/null || true)"
checked=0
for target in x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu x86_64-pc-windows-msvc; do
  if grep -qx "$target" <<<"$installed"; then
    echo "== secrets.rs for $target"
    (cd "$scratch" && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/parlor-target}-xcheck" \
      cargo check --quiet --target "$target")
    checked=$((checked + 1))
  fi
done
[ "$checked" -gt 0 ] || { echo "no macOS or Windows target installed (rustup target add …)" >&2; exit 1; }
echo "secrets.rs type-checks for $checked foreign target(s)"
