"""A worker has one home: its definition file. A fourth one, added as a file, is routed,
planned, listed in the CRD by `make manifests` and found by the generator engine by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from crd_workers import CRD_PATH, order_workers, render_worker_enum
from devops_orchestrator.core.planning import build_plan
from devops_orchestrator.core.routing import route
from devops_orchestrator.definitions import find_agents_dir, load_definitions
from devops_orchestrator.models import DevOpsTaskSpec
from devops_orchestrator.worker.generator.engine import find_generator, list_generators

SECURITY_WORKER = """---
name: security-worker
description: Scans images and manifests for vulnerabilities and misconfigurations.
tools: Read, Glob, Grep, Bash
model: haiku
keywords: [vulnerability, trivy, security scan, sbom]
rules:
  - why: a hardened release is scanned before it ships
    when: [[harden, hardened], [release, image]]
after: [docker-worker, infra-worker]
downstream: [scan_report]
---
You scan what the earlier stages wrote and report what you find.
"""


def _with_fourth_worker(tmp_path: Path) -> Path:
    folder = tmp_path / "agents"
    shutil.copytree(find_agents_dir(), folder)
    (folder / "security-worker.md").write_text(SECURITY_WORKER, encoding="utf-8")
    return folder


def test_a_fourth_worker_is_one_file(tmp_path: Path) -> None:
    definitions = load_definitions(_with_fourth_worker(tmp_path))
    spec = DevOpsTaskSpec(description="Dockerize the API and run a Trivy vulnerability scan")
    decision = route(spec, definitions)
    plan = build_plan(decision.workers, definitions)
    assert plan.stages == (("docker-worker",), ("security-worker",))
    hardened = DevOpsTaskSpec(description="Produce a hardened release of the image")
    assert "security-worker" in route(hardened, definitions).workers
    security = next(d for d in definitions if d.name == "security-worker")
    assert security.downstream == ["scan_report"]


def test_make_manifests_lists_it_in_the_crd(tmp_path: Path) -> None:
    workers = order_workers(load_definitions(_with_fourth_worker(tmp_path)))
    assert workers == ("docker-worker", "infra-worker", "ci-worker", "security-worker")
    rendered = yaml.safe_load(render_worker_enum(CRD_PATH.read_text(), workers))
    spec = rendered["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert spec["properties"]["workers"]["items"]["enum"] == list(workers)
    assert spec["properties"]["workers"]["maxItems"] == 4


def test_the_generated_crd_is_up_to_date_and_regenerating_changes_nothing() -> None:
    text = CRD_PATH.read_text()
    assert render_worker_enum(text, order_workers(load_definitions())) == text
    copy = CRD_PATH.parent.parent / "manifests" / "crd" / "devopstask.yaml"
    assert copy.read_text() == text


def test_the_generator_finds_a_worker_module_by_name() -> None:
    assert list_generators() == ["ci", "docker", "infra"]
    docker = find_generator("docker-worker")
    assert docker is not None and docker.__name__ == "generate_docker"
    assert find_generator("security-worker") is None  # no module: the claude engine only
    assert find_generator("../docker") is None
    assert find_generator("Docker-Worker") is None
