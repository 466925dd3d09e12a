"""Path confinement: every path a tool touches must lie inside the workspace, and files
are opened beneath it without following any link.

Checking a path and then opening it by name is a race: a tool (Bash runs in the
background too) can swap a folder for a symlink in between. So the file tools open
through `openat2(2)` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` relative to a
descriptor of the root (the kernel refuses `..` escapes and every symlink atomically),
or, where the kernel lacks openat2, component by component with `O_NOFOLLOW` from
directory descriptors. The VCS folder `.git` is refused: its config and hooks run code."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
from pathlib import Path, PurePosixPath

_SYS_OPENAT2 = 437  # the same number on x86_64 and aarch64
_RESOLVE_NO_MAGICLINKS = 0x02
_RESOLVE_NO_SYMLINKS = 0x04
_RESOLVE_BENEATH = 0x08
_RESOLVE = _RESOLVE_BENEATH | _RESOLVE_NO_SYMLINKS | _RESOLVE_NO_MAGICLINKS
FORBIDDEN_PARTS = frozenset({".git"})


class SandboxError(ValueError):
    """A path that leads outside the workspace (`..`, absolute, or through a symlink)."""

    def __init__(self, path: str, reason: str = "outside the workspace") -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"refused: {path!r} is {reason}")


class _OpenHow(ctypes.Structure):
    _fields_ = [
        ("flags", ctypes.c_uint64),
        ("mode", ctypes.c_uint64),
        ("resolve", ctypes.c_uint64),
    ]


_libc = ctypes.CDLL(None, use_errno=True)
_openat2_works: bool | None = None


def _openat2(dir_fd: int, relative: str, flags: int, mode: int) -> int:
    mode = mode if flags & os.O_CREAT else 0  # the kernel refuses a mode without O_CREAT
    how = _OpenHow(flags | os.O_CLOEXEC, mode, _RESOLVE)
    fd: int = _libc.syscall(
        _SYS_OPENAT2,
        ctypes.c_int(dir_fd),
        ctypes.c_char_p(os.fsencode(relative)),
        ctypes.byref(how),
        ctypes.c_size_t(ctypes.sizeof(how)),
    )
    if fd < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), relative)
    return fd


def _open_by_components(dir_fd: int, relative: str, flags: int, mode: int) -> int:
    """The fallback: each folder opened with O_NOFOLLOW from its parent's descriptor."""
    parts = PurePosixPath(relative).parts
    current = os.dup(dir_fd)
    try:
        for part in parts[:-1]:
            following = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=current)
            os.close(current)
            current = following
        return os.open(parts[-1], flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=current)
    finally:
        os.close(current)


class Sandbox:
    """The workspace root and the one check every tool goes through."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve(strict=True)

    def lexical(self, path: str) -> str:
        """`path` relative to the root, normalised without touching the filesystem."""
        if not path or "\x00" in path:
            raise SandboxError(path, "not a usable path")
        if path.startswith("~"):
            raise SandboxError(path, "a home-relative path, outside the workspace")
        candidate = PurePosixPath(path)
        if candidate.is_absolute():
            if not Path(candidate).is_relative_to(self.root):
                raise SandboxError(path)
            candidate = PurePosixPath(Path(candidate).relative_to(self.root).as_posix())
        relative = os.path.normpath(candidate.as_posix())
        if relative == ".." or relative.startswith("../"):
            raise SandboxError(path)
        if FORBIDDEN_PARTS.intersection(PurePosixPath(relative).parts):
            raise SandboxError(path, "inside the VCS folder .git, which tools may not touch")
        return relative

    def resolve(self, path: str) -> Path:
        """The real location of `path` (relative to the root, or absolute inside it).

        Symlinks are followed, dangling ones included, so a link pointing out of the
        workspace is refused just like `../x` or `/etc/x`. For checks and listings only:
        file contents go through `open` (no race)."""
        relative = self.lexical(path)
        resolved = (self.root / relative).resolve(strict=False)
        if not resolved.is_relative_to(self.root):
            raise SandboxError(path)
        if FORBIDDEN_PARTS.intersection(resolved.relative_to(self.root).parts):
            raise SandboxError(path, "inside the VCS folder .git, which tools may not touch")
        return resolved

    def relative(self, resolved: Path) -> str:
        """`resolved` (already checked) as a POSIX path relative to the root; '.' for it."""
        return resolved.relative_to(self.root).as_posix() or "."

    def contains(self, path: str) -> bool:
        try:
            self.resolve(path)
        except SandboxError:
            return False
        return True

    def open(self, path: str, flags: int, mode: int = 0o644) -> int:
        """A descriptor of `path` opened beneath the root, no link followed anywhere."""
        global _openat2_works
        relative = self.lexical(path)
        if relative == ".":
            raise SandboxError(path, "the workspace itself, not a file")
        root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if _openat2_works is not False:
                try:
                    fd = _openat2(root_fd, relative, flags, mode)
                    _openat2_works = True
                    return fd
                except OSError as exc:
                    if exc.errno != errno.ENOSYS:
                        raise self._explain(path, exc) from None
                    _openat2_works = False
            try:
                return _open_by_components(root_fd, relative, flags, mode)
            except OSError as exc:
                raise self._explain(path, exc) from None
        finally:
            os.close(root_fd)

    def make_parents(self, path: str) -> None:
        """Create the folders leading to `path`, each beneath the root without links."""
        parts = PurePosixPath(self.lexical(path)).parts[:-1]
        current = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for part in parts:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=current)
                try:
                    following = os.open(
                        part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=current
                    )
                except OSError as exc:
                    raise self._explain(path, exc) from None
                os.close(current)
                current = following
        finally:
            os.close(current)

    def _explain(self, path: str, exc: OSError) -> Exception:
        if exc.errno in (errno.ELOOP, errno.EXDEV):
            return SandboxError(path, "reached through a symbolic link or outside the workspace")
        if exc.errno == errno.ENOTDIR:
            return SandboxError(path, "under something that is not a folder (or a link)")
        return exc


def check_plain_file(fd: int, path: str, *, single_link: bool) -> os.stat_result:
    """The stat of an open regular file, else a SandboxError. Writes want a single link:
    through a hard link they would land in a file outside the workspace too."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise SandboxError(path, "not a regular file")
    if single_link and info.st_nlink > 1:
        raise SandboxError(path, "a file with several hard links")
    return info
