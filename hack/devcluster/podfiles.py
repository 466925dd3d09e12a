"""Where the node agent keeps each pod's files: volumes, service-account data and logs.

`<state>/pods/<namespace>/<pod>/` holds `uid`, `containers.json`, `volumes/`, `runtime/`
and `logs/<container>.<attempt>.log` (attempt = restart count).
"""

from __future__ import annotations

import json
from pathlib import Path

from devcluster.state import ClusterPaths


def pod_dir(paths: ClusterPaths, namespace: str, name: str) -> Path:
    return paths.pods / namespace / name


def log_file(directory: Path, container: str, attempt: int) -> Path:
    return directory / "logs" / f"{container}.{attempt}.log"


def write_containers(directory: Path, names: list[str]) -> None:
    (directory / "containers.json").write_text(json.dumps(names))


def default_container(directory: Path) -> str | None:
    try:
        names: list[str] = json.loads((directory / "containers.json").read_text())
    except (OSError, ValueError):
        return None
    return names[0] if names else None


def find_log(
    paths: ClusterPaths,
    namespace: str,
    pod: str,
    container: str | None = None,
    previous: bool = False,
) -> Path | None:
    """The current (or previous) attempt's log of a container; None when there is none."""
    directory = pod_dir(paths, namespace, pod)
    container = container or default_container(directory)
    if container is None:
        return None
    attempts = sorted(
        (int(p.name.rsplit(".", 2)[1]), p)
        for p in (directory / "logs").glob(f"{container}.*.log")
        if p.name.rsplit(".", 2)[1].isdigit()
    )
    if previous:
        attempts = attempts[:-1]
    return attempts[-1][1] if attempts else None


def read_log(
    paths: ClusterPaths,
    namespace: str,
    pod: str,
    container: str | None = None,
    previous: bool = False,
) -> str:
    path = find_log(paths, namespace, pod, container, previous)
    if path is None:
        raise FileNotFoundError(
            f"no log for {namespace}/{pod} container {container or '(default)'}"
        )
    return path.read_text(errors="replace")
