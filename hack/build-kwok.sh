#!/usr/bin/env bash
# Builds the pinned KWOK controller (sigs.k8s.io/kwok, pinned in hack/kwok/go.mod) into
# the same cache as the control plane, keyed by version; skipped when cached. The scale
# benchmark runs it against the local API server to simulate nodes and pods.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KWOK_VERSION="$(awk '$1 == "sigs.k8s.io/kwok" {print $2}' "$here/kwok/go.mod")"
cache_root="${DEVOPS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/devops-orchestrator}"
bin="$cache_root/kwok-${KWOK_VERSION}/bin"

if [[ "${1:-}" == "--print-bin" ]]; then
  echo "$bin"
  exit 0
fi

if [[ -x "$bin/kwok" ]]; then
  echo "cached: $bin/kwok"
  exit 0
fi
mkdir -p "$bin"
echo "building kwok ${KWOK_VERSION} ..."
start=$SECONDS
(cd "$here/kwok" && CGO_ENABLED=0 GOFLAGS=-trimpath \
  go build -ldflags "-s -w" -o "$bin/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok)
mv "$bin/kwok.tmp" "$bin/kwok"
echo "built kwok in $((SECONDS - start))s"
