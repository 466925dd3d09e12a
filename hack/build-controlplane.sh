#!/usr/bin/env bash
# Builds the pinned upstream control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl) into a cache outside the
# work tree, keyed by version, so fresh clones on the same machine reuse it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION="$(awk '/^require k8s.io\/kubernetes/ {print $3}' "$here/controlplane/go.mod")"
ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2}' "$here/etcd/go.mod")"
cache_root="${DEVOPS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/devops-orchestrator}"
bin="$cache_root/controlplane-k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}/bin"

if [[ "${1:-}" == "--print-bin" ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-trimpath

build() {  # build <module dir> <package> <output name>
  local dir="$1" pkg="$2" out="$3"
  if [[ -x "$bin/$out" ]]; then
    echo "cached: $bin/$out"
    return
  fi
  echo "building $out from $pkg ..."
  local start=$SECONDS
  (cd "$dir" && go build -ldflags "-s -w" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
  echo "built $out in $((SECONDS - start))s"
}

build "$here/etcd" go.etcd.io/etcd/server/v3 etcd
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build "$here/controlplane" "k8s.io/kubernetes/cmd/$cmd" "$cmd"
done
echo "$bin"
