#!/usr/bin/env bash
# Validates the load generator's Kubernetes manifests against the Kubernetes API schema
# (kubernetes-validate from PyPI, which carries the schemas of each Kubernetes release: no
# cluster and no network at check time), strictly: unknown fields are errors.
set -euo pipefail
cd "$(dirname "$0")/../../.."
tools="${PARLOR_TOOLS_DIR:-/var/tmp/parlor-tools}"
venv="$tools/k8s-validate"
version="1.37.0"
if [ ! -x "$venv/bin/kubernetes-validate" ] || ! "$venv/bin/pip" show kubernetes-validate 2>/dev/null | grep -qx "Version: $version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$version"
fi
"$venv/bin/kubernetes-validate" --strict tests/harness/k8s/*.yaml
