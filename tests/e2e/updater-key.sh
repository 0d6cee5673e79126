#!/usr/bin/env bash
# Prints the folder of the e2e suite's update signing key (key, key.pub), making the key on
# first use: a throwaway key kept in the tools dir, never committed (a release's key comes
# from the app team's CI secrets; see desktop/README.md). Its public half is built into the
# app under test, so that app accepts updates signed with it and nothing else.
set -euo pipefail
cd "$(dirname "$0")/../.."
keydir="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}/updater-test-key"
if [ ! -s "$keydir/key.pub" ]; then
  mkdir -p "$keydir"
  ./ui/node_modules/.bin/tauri signer generate --ci -p parlor-e2e -w "$keydir/key" >/dev/null
fi
echo "$keydir"
