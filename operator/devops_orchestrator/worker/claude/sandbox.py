"""Path confinement: every path a tool touches must resolve inside the workspace."""

from __future__ import annotations

from pathlib import Path


class SandboxError(ValueError):
    """A path that leads outside the workspace (`..`, absolute, or through a symlink)."""

    def __init__(self, path: str, reason: str = "outside the workspace") -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"refused: {path!r} is {reason}")


class Sandbox:
    """The workspace root and the one check every tool goes through."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve(strict=True)

    def resolve(self, path: str) -> Path:
        """The real location of `path` (relative to the root, or absolute inside it).

        Symlinks are followed, dangling ones included, so a link pointing out of the
        workspace is refused just like `../x` or `/etc/x`."""
        if not path or "\x00" in path:
            raise SandboxError(path, "not a usable path")
        if path.startswith("~"):
            raise SandboxError(path, "a home-relative path, outside the workspace")
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        resolved = candidate.resolve(strict=False)
        if not resolved.is_relative_to(self.root):
            raise SandboxError(path)
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
