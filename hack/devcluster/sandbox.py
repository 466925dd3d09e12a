"""Runs one container: `python -m devcluster.sandbox <spec.json>`.

In a private mount (and UTS) namespace it bind-mounts the pod's volumes at their
mountPaths, sets the hostname to the pod name, drops to runAsUser/runAsGroup and execs
the command. The spec is written by the node agent (see container.py).
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import socket
import stat
import sys
from pathlib import Path
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
MS_RDONLY = 0x1
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

EXIT_START_ERROR = 128
EXIT_NOT_FOUND = 127

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, flags: int) -> None:
    src = source.encode() if source else None
    _check(_libc.mount(src, target.encode(), None, flags, None), f"mount {source} {target}")


def _prepare_target(source_is_dir: bool, target: Path) -> None:
    if source_is_dir:
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.touch()


def enter_namespaces(hostname: str) -> None:
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWUTS), "unshare")
    _mount("none", "/", MS_REC | MS_PRIVATE)  # nothing we mount leaks to the host
    socket.sethostname(hostname)


def bind_mounts(mounts: list[dict[str, Any]]) -> None:
    # Every source is opened before the first mount: a volume mounted over, say, /tmp
    # would otherwise hide later sources that live under /tmp on the host.
    opened = [(m, os.open(m["source"], os.O_PATH)) for m in mounts]
    try:
        # Parents before children, so /data/sub lands inside the /data volume.
        for m, fd in sorted(opened, key=lambda pair: len(Path(pair[0]["target"]).parts)):
            target = Path(m["target"])
            _prepare_target(stat.S_ISDIR(os.fstat(fd).st_mode), target)
            _mount(f"/proc/self/fd/{fd}", str(target), MS_BIND | MS_REC)
            if m.get("readOnly"):
                _mount(None, str(target), MS_BIND | MS_REMOUNT | MS_RDONLY)
    finally:
        for _, fd in opened:
            os.close(fd)


def _blocking_ancestor(path: Path) -> tuple[Path, Path] | None:
    """The first directory on path that others cannot traverse, and its child on path."""
    chain = [*reversed(path.parents), path]
    for parent, child in itertools.pairwise(chain[1:]):
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return parent, child
        except FileNotFoundError:
            return None
    return None


def make_reachable(paths: list[str]) -> None:
    """Let a non-root user reach paths (our Python under a 0700 /root, say) without
    touching the host: a tmpfs over the closed directory, the one child re-bound into it."""
    for raw in paths:
        blocked = _blocking_ancestor(Path(raw))
        if blocked is None:
            continue
        parent, child = blocked
        fd = os.open(child, os.O_PATH | os.O_DIRECTORY)  # reachable after parent is covered
        try:
            _check(
                _libc.mount(b"tmpfs", str(parent).encode(), b"tmpfs", 0, b"mode=0755"),
                f"tmpfs over {parent}",
            )
            (parent / child.name).mkdir()
            _mount(f"/proc/self/fd/{fd}", str(parent / child.name), MS_BIND | MS_REC)
        finally:
            os.close(fd)


def open_host_paths(paths: list[str]) -> list[tuple[Path, int]]:
    """O_PATH handles on host directories the container needs (our interpreter, the
    project's sources), taken before any volume can be mounted over them."""
    opened: list[tuple[Path, int]] = []
    for raw in sorted(set(paths), key=lambda p: len(Path(p).parts)):
        try:
            opened.append((Path(raw), os.open(raw, os.O_PATH | os.O_DIRECTORY)))
        except FileNotFoundError:
            continue
    return opened


def restore_shadowed(kept: list[tuple[Path, int]], targets: list[str]) -> None:
    """Re-bind each kept host directory that a volume now hides (an emptyDir at /tmp
    over a venv under /tmp), inside that volume's mount namespace only."""
    restored: list[Path] = []
    for path, fd in kept:
        shadowed = any(path.is_relative_to(t) for t in targets)
        if not shadowed or any(path.is_relative_to(r) for r in restored):
            continue
        path.mkdir(parents=True, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", str(path), MS_BIND | MS_REC)
        restored.append(path)


def drop_privileges(uid: int | None, gid: int | None, groups: list[int]) -> None:
    if uid is None and gid is None and not groups:
        return
    os.setgroups(groups)
    if gid is not None:
        os.setgid(gid)
    if uid is not None:
        os.setuid(uid)


def run(spec: dict[str, Any]) -> int:
    try:
        enter_namespaces(spec["hostname"])
        kept = open_host_paths(spec.get("reachable") or [])
        bind_mounts(spec["mounts"])
        restore_shadowed(kept, [m["target"] for m in spec["mounts"]])
        for _, fd in kept:
            os.close(fd)
        if spec.get("cwd"):
            Path(spec["cwd"]).mkdir(parents=True, exist_ok=True)
        if spec.get("uid") not in (None, 0):
            make_reachable(spec.get("reachable") or [])
        drop_privileges(spec.get("uid"), spec.get("gid"), spec.get("groups") or [])
        if spec.get("cwd"):
            os.chdir(spec["cwd"])
    except OSError as exc:
        print(f"devcluster sandbox: cannot start container: {exc}", file=sys.stderr, flush=True)
        return EXIT_START_ERROR
    argv: list[str] = spec["argv"]
    try:
        os.execvpe(argv[0], argv, spec["env"])
    except FileNotFoundError:
        print(
            f'devcluster sandbox: exec: "{argv[0]}": executable file not found in $PATH',
            file=sys.stderr,
            flush=True,
        )
        return EXIT_NOT_FOUND
    except OSError as exc:
        print(f"devcluster sandbox: exec {argv[0]}: {exc}", file=sys.stderr, flush=True)
        return EXIT_START_ERROR
    return EXIT_START_ERROR  # not reached: exec replaced us


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    sys.exit(run(spec))


if __name__ == "__main__":
    main()
