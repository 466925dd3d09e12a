"""A volumeMount's subPath as the kubelet prepares it: inside the volume or refused.

The API server already refuses absolute subPaths and `..`; the kubelet then resolves
the path on the node and refuses one that leaves the volume through a symlink (the fix
of CVE-2017-1002101), and creates a missing one as a directory. Pods here are local
processes, so the same check keeps a hostile subPath from bind-mounting the host."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from devcluster.pod_setup_error import PodSetupError

REASON = "CreateContainerConfigError"


def resolve_sub_path(volume: Path, sub_path: str, mount: str) -> Path:
    """The directory (or file) to bind-mount for `sub_path` of `volume`."""
    parts = PurePosixPath(sub_path).parts
    if sub_path.startswith("/") or ".." in parts:
        raise PodSetupError(REASON, f"volumeMount {mount!r}: subPath {sub_path!r} must be relative")
    base = Path(os.path.realpath(volume))
    target = Path(os.path.realpath(base.joinpath(*parts)))
    if target != base and base not in target.parents:
        raise PodSetupError(
            REASON,
            f"failed to prepare subPath for volumeMount {mount!r}: "
            f"subpath {sub_path!r} is not within volume path {str(volume)!r}",
        )
    if not target.exists():
        target.mkdir(mode=0o755, parents=True)
    return target
