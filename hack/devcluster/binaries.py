"""Where the built control-plane binaries are (hack/build-controlplane.sh's cache)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "build-controlplane.sh"
REQUIRED = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")


def bin_dir() -> Path:
    override = os.environ.get("DEVCLUSTER_BIN_DIR")
    if override:
        return Path(override)
    out = subprocess.run(
        ["bash", str(BUILD_SCRIPT), "--print-bin"], check=True, capture_output=True, text=True
    ).stdout
    return Path(out.strip())


def missing_binaries(directory: Path) -> list[str]:
    return [name for name in REQUIRED if not os.access(directory / name, os.X_OK)]
