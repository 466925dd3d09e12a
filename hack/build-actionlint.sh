#!/usr/bin/env bash
# Builds actionlint from its Go module (the PyPI wrapper downloads at install time,
# which fails offline) into the shared cache, then links it into the venv's bin.
set -euo pipefail
ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
cache_root="${DEVOPS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/devops-orchestrator}"
bin="$cache_root/actionlint-${ACTIONLINT_VERSION}/bin"
if [[ ! -x "$bin/actionlint" ]]; then
  echo "building actionlint ${ACTIONLINT_VERSION} ..."
  GOBIN="$bin" CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
fi
venv_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv/bin"
if [[ -d "$venv_bin" ]]; then
  # a copy, not a link: the cache under $HOME is not readable by non-root pod users
  install -m 0755 "$bin/actionlint" "$venv_bin/actionlint"
fi
