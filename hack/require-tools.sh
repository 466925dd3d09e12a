#!/usr/bin/env bash
# What the machine must have before `make setup` (mode `setup`) or `make test` / `make demo`
# (mode `run`), on Debian: the missing Debian packages are installed when we are root with
# apt-get; otherwise this stops with the exact command to run. Go is not a Debian package
# in the version the control plane needs: without it, this prints how to install it.
set -euo pipefail
mode="${1:-run}"
GO_MIN_MINOR=26  # Go 1.26 or newer builds the pinned control plane and actionlint
GO_VERSION="${GO_VERSION:-1.26.8}"

need_apt=()
python3 -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
if [[ "$mode" == run ]]; then
  command -v redis-server >/dev/null || need_apt+=(redis-server)
  command -v git >/dev/null || need_apt+=(git)
  command -v unshare >/dev/null || need_apt+=(util-linux)
  command -v shellcheck >/dev/null || need_apt+=(shellcheck)  # actionlint runs it
fi

if ((${#need_apt[@]})); then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing ${need_apt[*]} (apt-get) ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
    if [[ " ${need_apt[*]} " == *" redis-server "* ]]; then
      # the package starts a system instance; tests and the demo start their own
      service redis-server stop >/dev/null 2>&1 || true
    fi
  else
    echo "missing: ${need_apt[*]}. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
fi

go_minor=""
if command -v go >/dev/null; then
  go_minor="$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
fi
if [[ -z "$go_minor" || "$go_minor" -lt "$GO_MIN_MINOR" ]]; then
  arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
  echo "Go 1.${GO_MIN_MINOR} or newer is needed (found: $(go env GOVERSION 2>/dev/null || echo none)). Run:" >&2
  echo "  curl -fsSL https://go.dev/dl/go${GO_VERSION}.linux-${arch}.tar.gz | sudo tar -C /usr/local -xz && export PATH=\"/usr/local/go/bin:\$PATH\"" >&2
  exit 1
fi

if [[ "$mode" == run && $EUID -ne 0 ]]; then
  echo "the local cluster's node agent bind-mounts pod volumes in private mount namespaces:" >&2
  echo "  run it as root, e.g. sudo make ${MAKE_TARGET:-test}" >&2
  exit 1
fi
