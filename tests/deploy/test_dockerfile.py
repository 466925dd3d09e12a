"""The image's Dockerfile: hadolint-clean, pinned, non-root, one image for operator and
workers. (No container runtime here: the image itself is built by CI elsewhere.)"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

from deploy.deploy_util import REPO
from devops_orchestrator.config import Settings

DOCKERFILE = REPO / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), " ".join(rest.split())))
    return out


def test_hadolint_reports_nothing() -> None:
    run = subprocess.run(
        [str(HADOLINT), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_hadolint_is_not_silenced() -> None:
    assert "hadolint ignore" not in DOCKERFILE.read_text()
    assert not (REPO / ".hadolint.yaml").exists() and not (REPO / ".hadolint.yml").exists()


def test_base_images_are_pinned_by_exact_version() -> None:
    bases = [args.split()[0] for kw, args in _instructions() if kw == "FROM"]
    assert len(bases) >= 3, "multi-stage: actionlint, builder, runtime"
    for image in bases:
        tag = image.partition(":")[2]
        assert re.fullmatch(r"\d+\.\d+\.\d+-[a-z-]+", tag), f"{image} is not an exact tag"
    assert bases[-1].startswith("python:3.11."), "the runtime is the pinned Python base"


def test_actionlint_version_matches_the_dev_toolchain() -> None:
    script = (REPO / "hack" / "build-actionlint.sh").read_text()
    version = re.search(r"ACTIONLINT_VERSION:-(v[\d.]+)", script)
    assert version is not None
    assert f"actionlint/cmd/actionlint@{version.group(1)}" in DOCKERFILE.read_text()


def test_runtime_runs_as_non_root_uid_10001_with_the_operator_command() -> None:
    runtime = _instructions()
    last_from = max(i for i, (kw, _) in enumerate(runtime) if kw == "FROM")
    runtime = runtime[last_from:]
    users = [args for kw, args in runtime if kw == "USER"]
    assert users == ["10001:10001"]
    cmd = [args for kw, args in runtime if kw == "CMD"]
    assert cmd == ['["python", "-m", "devops_orchestrator"]']
    assert (REPO / "operator" / "devops_orchestrator" / "__main__.py").is_file()
    env = " ".join(args for kw, args in runtime if kw == "ENV")
    assert "DEVOPS_AGENTS_DIR=/app/.claude/agents" in env
    copies = [args for kw, args in runtime if kw == "COPY"]
    assert ".claude/agents/ /app/.claude/agents/" in copies


def test_workers_use_the_same_image_through_the_python_on_path() -> None:
    """The operator starts workers with `python -m devops_orchestrator.worker` in this
    same image: the venv's python must be first on PATH."""
    assert Settings().worker_command[:3] == ["python", "-m", "devops_orchestrator.worker"]
    env = " ".join(args for kw, args in _instructions() if kw == "ENV")
    assert "PATH=/opt/venv/bin:$PATH" in env


def _dockerignore_excludes(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern also matches what lies
    below a matched directory."""
    excluded = False
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").rstrip("/").removeprefix("**/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(
            fnmatch.fnmatch(p, pattern) or fnmatch.fnmatch(parts[j], pattern)
            for j, p in enumerate(prefixes)
        ):
            excluded = not negate
    return excluded


def test_dockerignore_keeps_what_is_copied_and_drops_the_rest() -> None:
    sources = []
    for kw, args in _instructions():
        if kw == "COPY" and "--from=" not in args:
            sources.extend(args.split()[:-1])
    assert sources, "the Dockerfile copies from the build context"
    for source in sources:
        assert (REPO / source).exists(), source
        assert not _dockerignore_excludes(source.rstrip("/")), f"{source} is ignored"
    assert not _dockerignore_excludes("operator/devops_orchestrator/config.py")
    assert not _dockerignore_excludes(".claude/agents/docker-worker.md")
    for dropped in (
        ".venv",
        ".git",
        ".devcluster",
        "tests/conftest.py",
        "hack/devcluster",
        "operator/devops_orchestrator/__pycache__/x.pyc",
    ):
        assert _dockerignore_excludes(dropped), f"{dropped} would be sent to the builder"
