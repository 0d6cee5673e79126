#!/usr/bin/env bash
# Compiles the generated Kotlin bindings with Main.kt (npm `kotlin-compiler`, on the
# installed JDK), then runs it on the JVM against build/bindings/libparlor_ffi.so through
# JNA, against a fresh 001 reference server. Needs mobile-bindings/generate.sh first, and
# Debian's libjna-java (tests/setup.sh). kotlinx-coroutines (for the Flows) is the one the
# Kotlin compiler ships (1.8): Debian's 1.0.1 predates Flow, and Maven is out of reach here.
set -euo pipefail
cd "$(dirname "$0")/../../.."
bindings=build/bindings
tools="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}"
kotlin_version=2.4.20
kotlinc="$tools/kotlin/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -x "$kotlinc" ] || ! grep -q "\"version\": \"$kotlin_version\"" "$tools/kotlin/node_modules/kotlin-compiler/package.json"; then
  echo "kotlin: installing the npm kotlin-compiler@$kotlin_version into $tools/kotlin"
  mkdir -p "$tools/kotlin"
  (cd "$tools/kotlin" && npm install --no-audit --no-fund --loglevel=error "kotlin-compiler@$kotlin_version")
fi
kotlin_lib="$(dirname "$kotlinc")/../lib"
cp="/usr/share/java/jna.jar:$kotlin_lib/kotlinx-coroutines-core-jvm.jar"
for jar in ${cp//:/ }; do
  [ -f "$jar" ] || { echo "kotlin: $jar is missing (run tests/setup.sh)" >&2; exit 1; }
done
out=build/kotlin-test
mkdir -p "$out"
# The README's Kotlin snippets are compiled too (their imports gathered at the top).
awk '/^```kotlin$/{on=1; next} /^```$/{on=0} on' mobile-bindings/README.md >"$out/snippets.raw"
{ grep '^import ' "$out/snippets.raw" | sort -u; grep -v '^import ' "$out/snippets.raw"; } \
  >"$out/ReadmeSnippets.kt"
echo "kotlin: compiling the generated bindings, the README's snippets and Main.kt"
"$kotlinc" -nowarn -cp "$cp" -d "$out/parlor-kotlin-test.jar" \
  "$bindings/kotlin/uniffi/parlor_ffi/parlor_ffi.kt" \
  "$bindings/kotlin/uniffi/parlor_ffi/ParlorFlows.kt" \
  "$out/ReadmeSnippets.kt" mobile-bindings/tests/kotlin/Main.kt

server=tests/servers/001_presence_sessions.js
data="$(mktemp -d)"
node "$server" --port 0 >"$data/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
port=""
for _ in $(seq 1 200); do
  port="$(sed -n 's/^READY \([0-9]*\).*/\1/p' "$data/server.log" | head -1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "kotlin: $server did not start" >&2; cat "$data/server.log" >&2; exit 1; }
user_token="$(node "$server" --mint user_asha)"
expert_token="$(node "$server" --mint astro_sharma)"
stdlib="$kotlin_lib/kotlin-stdlib.jar"
java -Djna.library.path="$bindings" -cp "$out/parlor-kotlin-test.jar:$cp:$stdlib" MainKt \
  "http://127.0.0.1:$port" "$user_token" "$expert_token" "$data"
