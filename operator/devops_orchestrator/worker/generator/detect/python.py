"""Python: requirements.txt, pyproject.toml (pip, poetry, uv) or Pipfile (pipenv): the
framework and server, the app object (also in a `src/` layout), the port and routes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from devops_orchestrator.worker.generator.detect.code import (
    find_health_path,
    find_port,
    read_all,
    reads_port_env,
    source_files,
)
from devops_orchestrator.worker.generator.detect.hints import Hints, dns_label
from devops_orchestrator.worker.generator.stack import Stack, StackDetector

_DEFAULT_PORTS = {"fastapi": 8000, "flask": 5000, "django": 8000}
_PORTS = (
    re.compile(r"\bport\s*=\s*(\d{2,5})"),
    re.compile(r"--port[= ](\d{2,5})"),
    re.compile(r"""(?:environ\.get|getenv)\(\s*["']PORT["']\s*,\s*["']?(\d{2,5})"""),
    re.compile(r"""bind\s*=\s*["'][\w.]*:(\d{2,5})"""),
)
_APP_OBJECT = re.compile(r"^(\w+)\s*=\s*(FastAPI|Flask)\(", re.MULTILINE)
# Django routes have no leading slash: path("healthz/", ...)
_DJANGO_ROUTE = re.compile(r"""\b(?:re_)?path\(\s*r?["']\^?([\w/-]+?)/?\$?["']""")
_LOCKS = (("uv.lock", "uv"), ("poetry.lock", "poetry"), ("Pipfile.lock", "pipenv"))


def detect_python(workspace: Path, hints: Hints) -> Stack | None:
    requirements = workspace / "requirements.txt"
    pyproject = workspace / "pyproject.toml"
    pipfile = workspace / "Pipfile"
    if not any(p.is_file() for p in (requirements, pyproject, pipfile)):
        return None
    deps, name = _dependencies(requirements, pyproject, pipfile)
    stack = Stack(kind="python", app_name=dns_label(name or workspace.resolve().name) or "app")
    stack.framework = next((f for f in ("fastapi", "flask", "django") if f in deps), "")
    stack.server = next((s for s in ("uvicorn", "gunicorn") if s in deps), "python")
    stack.package_manager = next(
        (manager for lock, manager in _LOCKS if (workspace / lock).is_file()),
        "pip" if requirements.is_file() else "pip-pyproject",
    )
    stack.lockfile = next((lock for lock, m in _LOCKS if m == stack.package_manager), "")
    if pipfile.is_file() and stack.package_manager == "pip-pyproject":
        stack.package_manager = "pipenv"
    stack.language_version = "3.12"
    stack.source_root = "src" if (workspace / "src").is_dir() else ""
    sources = read_all(source_files(workspace, (".py", ".cfg", ".toml", ".ini")))
    py_sources = [(p, t) for p, t in sources if p.suffix == ".py"]
    stack.entry = _entry(workspace, py_sources, stack)
    stack.port_from_env = reads_port_env(py_sources)
    port = find_port(py_sources, _PORTS)
    if port is not None:
        stack.port, stack.port_source = port, "code"
    elif stack.framework in _DEFAULT_PORTS:
        stack.port, stack.port_source = _DEFAULT_PORTS[stack.framework], "framework"
    else:
        stack.port = 8000
    health = find_health_path(py_sources) or _django_health(py_sources, stack)
    if health:
        stack.health_path, stack.health_source = health, "code"
    has_tests = (workspace / "tests").is_dir() or any(workspace.glob("test_*.py"))
    stack.test_command = "python -m pytest" if has_tests else ""
    stack.lint_command = "ruff check ."
    stack.build_command = "python -m compileall -q ."
    return stack


def _dependencies(requirements: Path, pyproject: Path, pipfile: Path) -> tuple[set[str], str]:
    names: list[str] = []
    project_name = ""
    if requirements.is_file():
        names += requirements.read_text(encoding="utf-8", errors="replace").splitlines()
    if pipfile.is_file():
        try:
            pipenv = tomllib.loads(pipfile.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            pipenv = {}
        names += list(pipenv.get("packages", {}))
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        project = data.get("project", {})
        project_name = str(project.get("name", ""))
        names += [str(d) for d in project.get("dependencies", [])]
        names += list(data.get("tool", {}).get("poetry", {}).get("dependencies", {}))
    deps = {re.split(r"[\s\[<>=!~;]", n.strip().lower(), maxsplit=1)[0] for n in names}
    return {d for d in deps if d and not d.startswith("#")}, project_name


def _entry(workspace: Path, sources: list[tuple[Path, str]], stack: Stack) -> str:
    """`module:attr` for ASGI/WSGI servers, else the script to run."""
    if stack.framework == "django":
        for path, _ in sources:
            if path.name == "wsgi.py":
                return _module(workspace, path, stack) + ":application"
    for path, text in sources:
        if match := _APP_OBJECT.search(text):
            if stack.server == "python":
                return path.relative_to(workspace).as_posix()
            return f"{_module(workspace, path, stack)}:{match.group(1)}"
    for candidate in ("main.py", "app.py", "server.py"):
        if (workspace / candidate).is_file():
            return candidate
    return "main.py"


def _module(workspace: Path, path: Path, stack: Stack) -> str:
    """The import name; a src/ layout's folder is on PYTHONPATH, not in the name."""
    parts = path.relative_to(workspace).with_suffix("").parts
    if stack.source_root and parts[0] == stack.source_root:
        parts = parts[1:]
    return ".".join(parts)


def _django_health(sources: list[tuple[Path, str]], stack: Stack) -> str | None:
    if stack.framework != "django":
        return None
    routes = [
        "/" + m.group(1).strip("/")
        for path, text in sources
        if path.name == "urls.py"
        for m in _DJANGO_ROUTE.finditer(text)
    ]
    return find_health_path([(Path("urls.py"), " ".join(f'"{r}"' for r in routes))])


DETECTOR = StackDetector(detect=detect_python, priority=20, kind="python")
