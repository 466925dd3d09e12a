"""The cross-artifact consistency check: ports, health paths, images and commands stated by
the Dockerfile, compose, Kubernetes, Terraform and CI must agree; a mismatch names both
places."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from workerkit import make_briefing

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Severity
from devops_orchestrator.worker.runner import run_worker
from devops_orchestrator.worker.validators.consistency import check_consistency

DOCKERFILE = (
    "FROM node:20.18-alpine3.20 AS build\nEXPOSE 9999\n"
    "FROM node:20.18-alpine3.20\nUSER 1000\nEXPOSE 8080\n"
    'HEALTHCHECK CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]\n'
    'CMD ["node", "server.js"]\n'
)
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: shop
          image: ghcr.io/acme/shop:1.0
          ports:
            - name: http
              containerPort: 3000
          readinessProbe:
            httpGet: {path: /healthz, port: http}
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_dockerfile_on_8080_and_deployment_on_3000_names_both_files(tmp_path: Path) -> None:
    _write(tmp_path, {"Dockerfile": DOCKERFILE, "k8s/deployment.yaml": DEPLOYMENT})
    (issue,) = check_consistency(tmp_path)
    assert (issue.validator, issue.rule, issue.severity) == ("consistency", "port", Severity.ERROR)
    assert (issue.file, issue.line) == ("k8s/deployment.yaml", 17)
    extra = issue.model_extra or {}
    assert (extra["related_file"], extra["related_line"]) == ("Dockerfile", 5)
    assert "k8s/deployment.yaml:17 has 3000" in issue.message
    assert "8080 (EXPOSE, Dockerfile:5)" in issue.message  # the final stage, not the builder


def test_every_artifact_kind_is_compared(tmp_path: Path) -> None:
    compose = (
        "services:\n  web:\n    build: .\n    image: shop:dev\n    ports: ['80:8080']\n"
        "    healthcheck:\n      test: [CMD, wget, -qO-, 'http://127.0.0.1:8080/health']\n"
        "  db:\n    image: postgres:16.4\n    ports: ['5432:5432']\n"
    )
    workflow = (
        "on: push\nenv:\n  IMAGE: ghcr.io/acme/other\njobs:\n  smoke:\n"
        "    runs-on: ubuntu-24.04\n    steps:\n      - run: curl -f http://localhost:8080/healthz\n"
    )
    terraform = (
        'variable "app" {\n  default = "shop"\n}\n'
        'resource "aws_ecr_repository" "app" {\n  name = var.app\n}\n'
        'resource "aws_lb_target_group" "app" {\n  port = 8081\n  target_type = "ip"\n'
        '  health_check {\n    path = "/healthz"\n  }\n}\n'
    )
    _write(
        tmp_path,
        {
            "Dockerfile": DOCKERFILE,
            "compose.yaml": compose,
            "k8s/deployment.yaml": DEPLOYMENT.replace("3000", "8080"),
            ".github/workflows/ci.yml": workflow,
            "terraform/main.tf": terraform,
        },
    )
    found = {
        (i.rule, i.file, (i.model_extra or {})["related_file"]) for i in check_consistency(tmp_path)
    }
    assert found == {
        ("health-path", "compose.yaml", "Dockerfile"),  # /health against /healthz
        ("port", "terraform/main.tf", "Dockerfile"),  # 8081 against 8080; postgres ignored
        ("image", ".github/workflows/ci.yml", "compose.yaml"),  # acme/other is not shop
    }


def test_only_mismatches_involving_changed_files(tmp_path: Path) -> None:
    _write(tmp_path, {"Dockerfile": DOCKERFILE, "k8s/deployment.yaml": DEPLOYMENT})
    assert check_consistency(tmp_path, ["compose.yaml"]) == []
    assert len(check_consistency(tmp_path, ["Dockerfile"])) == 1


@pytest.mark.usefixtures("with_checkov")
def test_runner_reports_a_worker_that_contradicts_the_workspace(
    copy_app: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The docker-worker reads port 8181 from the app; a Deployment already in the
    workspace says 3000: the worker's result carries the mismatch."""
    monkeypatch.setenv("DEVOPS_CHECKOV_FRAMEWORKS", "all")  # Dockerfiles too
    get_settings.cache_clear()
    workspace = copy_app("python-fastapi")
    _write(workspace, {"k8s/deployment.yaml": DEPLOYMENT})
    result = run_worker(make_briefing("docker-worker"), workspace)
    # the runner's own checkov run scanned the new Dockerfile and found it clean
    assert [i for i in result.issues if i.validator == "checkov"] == []
    mismatches = [i for i in result.issues if i.validator == "consistency" and i.rule == "port"]
    assert [(i.file, (i.model_extra or {})["related_file"]) for i in mismatches] == [
        ("k8s/deployment.yaml", "Dockerfile")
    ]
