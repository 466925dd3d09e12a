"""The lockfiles pin what pyproject.toml asks for, with hashes, and are what gets installed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def _pins(name: str) -> dict[str, Version]:
    text = (REPO / name).read_text()
    return {canonicalize_name(m.group(1)): Version(m.group(2)) for m in _PIN.finditer(text)}


def _wanted(*groups: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for group in groups:
        wanted += [Requirement(r) for r in project["optional-dependencies"][group]]
    return wanted


@pytest.mark.parametrize(
    ("lock", "groups"), [("requirements.lock", ()), ("requirements-dev.lock", ("dev",))]
)
def test_every_dependency_is_pinned_within_its_range(lock: str, groups: tuple[str, ...]) -> None:
    pins = _pins(lock)
    missing = [str(r) for r in _wanted(*groups) if canonicalize_name(r.name) not in pins]
    assert not missing, f"{lock} lacks {missing}: run `make lock`"
    outside = [
        f"{r.name} {pins[canonicalize_name(r.name)]} not in {r.specifier}"
        for r in _wanted(*groups)
        if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not outside, f"{lock}: {outside}: run `make lock`"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_carries_hashes(lock: str) -> None:
    entries = re.split(r"\n(?=[A-Za-z0-9])", (REPO / lock).read_text())
    pinned = [e for e in entries if _PIN.match(e)]
    assert pinned and all("--hash=sha256:" in e for e in pinned)


def test_the_image_and_the_venv_agree() -> None:
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_setup_and_the_image_install_from_the_locks() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "--require-hashes -r $(DEV_LOCK)" in makefile and "--no-deps -e ." in makefile
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "--no-deps ." in dockerfile
