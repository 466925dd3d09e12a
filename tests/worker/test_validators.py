"""The validators are real tools: bad files produce located findings, a missing tool is an
error, never a silent pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Issue, Severity
from devops_orchestrator.worker.validators import (
    actionlint,
    checkov,
    classify,
    hadolint,
    validate_files,
)
from devops_orchestrator.worker.validators.tools import find_tool


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return list(files)


def _found(issues: list[Issue], validator: str) -> list[Issue]:
    return [i for i in issues if i.validator == validator]


def test_the_tools_are_installed() -> None:
    assert find_tool("hadolint") is not None
    assert find_tool("actionlint") is not None
    assert find_tool("shellcheck") is not None


def test_hadolint_findings(tmp_path: Path) -> None:
    files = _write(tmp_path, {"Dockerfile": "FROM ubuntu\nRUN apt-get install curl\n"})
    issues = _found(validate_files(tmp_path, files), "hadolint")
    rules = {(i.rule, i.line) for i in issues}
    assert ("DL3006", 1) in rules  # untagged base image
    assert ("DL3008", 2) in rules  # unpinned apt packages
    assert all(i.file == "Dockerfile" for i in issues)


def test_actionlint_and_shellcheck_findings(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo $FOO\n      - run: echo ${{ github.nope }}\n"
    )
    files = _write(tmp_path, {".github/workflows/ci.yml": workflow})
    issues = _found(validate_files(tmp_path, files), "actionlint")
    assert {i.rule for i in issues} >= {"shellcheck", "expression"}
    assert all(
        i.severity == Severity.ERROR and i.file == ".github/workflows/ci.yml" for i in issues
    )


def test_kubernetes_schema_findings(tmp_path: Path) -> None:
    manifest = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n"
        "    - port: http\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"
        "datta: {}\n"
    )
    kustomization = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources:\n  - app.yaml\n  - missing.yaml\n"
    )
    files = _write(tmp_path, {"k8s/app.yaml": manifest, "k8s/kustomization.yaml": kustomization})
    issues = validate_files(tmp_path, files)
    schema = _found(issues, "kubernetes-schema")
    assert {i.line for i in schema} == {1, 9}  # each document located
    assert any("datta" in i.message for i in schema)  # strict: unknown fields are errors
    assert [i.message for i in _found(issues, "kustomize")] == [
        "resources entry 'missing.yaml' does not exist"
    ]


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    files = _write(tmp_path, {"k8s/bad.yaml": "a: [1, 2\nb: c\n"})
    (issue,) = validate_files(tmp_path, files)
    assert (issue.validator, issue.rule, issue.severity) == ("yaml", "syntax", Severity.ERROR)
    assert issue.line is not None


def test_compose_schema_and_references(tmp_path: Path) -> None:
    compose = (
        "services:\n  web:\n    image: nginx:1.27\n    portz: ['80:80']\n"
        "  api:\n    build: .\n    volumes: ['data:/var/lib']\n    networks: [back]\n"
        "    depends_on: [db]\n  lonely:\n    restart: always\n"
    )
    files = _write(tmp_path, {"compose.yaml": compose})
    messages = [i.message for i in validate_files(tmp_path, files)]
    assert any("portz" in m for m in messages)
    files = _write(tmp_path, {"compose.yaml": compose.replace("portz", "ports")})
    messages = sorted(i.message for i in validate_files(tmp_path, files))
    assert messages == [
        "service 'api' depends on unknown service 'db'",
        "service 'api' uses undeclared network 'back'",
        "service 'api' uses undeclared volume 'data'",
        "service 'lonely' has neither image nor build",
    ]


def test_gitlab_and_jenkins_structure(tmp_path: Path) -> None:
    gitlab = "stages: [build]\nlint:\n  stage: lint\n  script: [make]\nbuild:\n  needs: [x]\n"
    jenkins = "pipeline {\n  agent any\n  stages {\n    stage('A') {\n      echo 'x'\n    }\n"
    files = _write(tmp_path, {".gitlab-ci.yml": gitlab, "Jenkinsfile": jenkins})
    messages = sorted(i.message for i in validate_files(tmp_path, files))
    assert "job 'lint' uses undeclared stage 'lint'" in messages
    assert "job 'build' has no script" in messages
    assert "job 'build' needs unknown job 'x'" in messages
    assert "'{' is never closed" in messages
    files = _write(tmp_path, {"Jenkinsfile": jenkins + "  }\n}\n"})
    assert [i.message for i in validate_files(tmp_path, files)] == ["stage 'A' has no steps"]


def test_missing_tools_are_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hadolint, "find_tool", lambda _: None)
    monkeypatch.setattr(actionlint, "find_tool", lambda _: None)
    files = _write(
        tmp_path, {"Dockerfile": "FROM alpine:3.20\n", ".github/workflows/a.yml": "on: push\n"}
    )
    issues = validate_files(tmp_path, files)
    assert {(i.validator, i.rule, i.severity) for i in issues} == {
        ("hadolint", "validator-missing", Severity.ERROR),
        ("actionlint", "validator-missing", Severity.ERROR),
    }


def test_paths_outside_or_missing(tmp_path: Path) -> None:
    issues = validate_files(tmp_path, ["../etc/passwd", "nope.yaml"])
    assert [i.rule for i in issues] == ["outside-workspace", "missing-file"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("Dockerfile", "hadolint"),
        ("docker/api.Dockerfile", "hadolint"),
        (".github/workflows/ci.yaml", "actionlint"),
        ("compose.prod.yaml", "compose"),
        ("docker-compose.yml", "compose"),
        (".gitlab-ci.yml", "gitlab-ci"),
        ("Jenkinsfile", "jenkinsfile"),
        ("k8s/deployment.yaml", "yaml"),
        ("main.py", None),
    ],
)
def test_classify(path: str, kind: str | None) -> None:
    assert classify(path) == kind


OPEN_SECURITY_GROUP = """\
resource "aws_security_group" "web" {
  name        = "web"
  description = "web servers"

  ingress {
    description = "ssh from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


@pytest.mark.usefixtures("with_checkov")
def test_terraform_open_security_group_is_a_checkov_issue(tmp_path: Path) -> None:
    files = _write(tmp_path, {"terraform/main.tf": OPEN_SECURITY_GROUP})
    issues = _found(validate_files(tmp_path, files), "checkov")
    ssh = [i for i in issues if i.rule == "CKV_AWS_24"]  # no ingress from 0.0.0.0/0 to 22
    assert [(i.file, i.line, i.severity) for i in ssh] == [
        ("terraform/main.tf", 1, Severity.WARNING)
    ]
    assert "aws_security_group.web" in ssh[0].message


def test_terraform_syntax_error_is_located(tmp_path: Path) -> None:
    files = _write(tmp_path, {"main.tf": 'resource "a" "b" {\n  x = \n}\n'})
    (issue,) = _found(validate_files(tmp_path, files), "terraform-hcl")
    assert (issue.rule, issue.line, issue.severity) == ("syntax", 2, Severity.ERROR)


@pytest.mark.usefixtures("with_checkov")
def test_checkov_scans_dockerfiles_manifests_and_workflows_in_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVOPS_CHECKOV_FRAMEWORKS", "all")
    get_settings.cache_clear()
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: web\nspec:\n"
        "  containers:\n    - name: c\n      image: nginx:1.27\n"
        "      securityContext: {privileged: true}\n"
    )
    workflow = (
        "on:\n  workflow_dispatch:\n    inputs:\n      ref: {type: string}\n"
        "jobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: make\n"
    )
    files = _write(
        tmp_path,
        {
            "Dockerfile": "FROM alpine:3.20\nRUN echo hi\n",
            "k8s/pod.yaml": pod,
            ".github/workflows/ci.yml": workflow,
        },
    )
    rules = {(i.file, i.rule) for i in _found(validate_files(tmp_path, files), "checkov")}
    assert {
        ("Dockerfile", "CKV_DOCKER_3"),  # no USER
        ("k8s/pod.yaml", "CKV_K8S_16"),  # privileged container
        (".github/workflows/ci.yml", "CKV_GHA_7"),  # workflow_dispatch inputs
    } <= rules


@pytest.mark.usefixtures("with_checkov")
def test_checkov_missing_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkov, "find_tool", lambda _: None)
    files = _write(tmp_path, {"main.tf": OPEN_SECURITY_GROUP})
    issues = _found(validate_files(tmp_path, files), "checkov")
    assert [(i.rule, i.severity) for i in issues] == [("validator-missing", Severity.ERROR)]


@pytest.mark.usefixtures("with_checkov")
def test_checkov_starts_by_default_only_for_terraform_and_manifests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dockerfiles, compose files and pipelines have validators of their own: a worker
    that wrote only those does not start checkov (seconds of CPU). Seen with checkov
    missing: a run would report it."""
    monkeypatch.setattr(checkov, "find_tool", lambda _: None)
    own = _write(
        tmp_path,
        {
            "Dockerfile": "FROM alpine:3.20\nUSER 10001\n",
            "compose.yaml": "services:\n  web:\n    build: .\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
            "      - run: make\n",
            ".gitlab-ci.yml": "build:\n  script: [make]\n",
        },
    )
    assert _found(validate_files(tmp_path, own), "checkov") == []
    scanned = _write(tmp_path, {"k8s/ns.yaml": "apiVersion: v1\nkind: Namespace\n", "main.tf": ""})
    issues = _found(validate_files(tmp_path, own + scanned), "checkov")
    assert sorted((i.file, i.rule) for i in issues) == [
        ("k8s/ns.yaml", "validator-missing"),
        ("main.tf", "validator-missing"),
    ]
    monkeypatch.setenv("DEVOPS_CHECKOV_FRAMEWORKS", "dockerfile")
    get_settings.cache_clear()
    issues = _found(validate_files(tmp_path, own + scanned), "checkov")
    assert [(i.file, i.rule) for i in issues] == [("Dockerfile", "validator-missing")]


def test_gitlab_schema_from_gitlab_itself(tmp_path: Path) -> None:
    """GitLab's schema knows what a structural check cannot: the values of `when`, and
    that a top-level `image:` is the default image, not a job."""
    gitlab = (
        "stages: [build]\n"
        "compile:\n  stage: build\n  script: [make]\n  when: sometimes\n"
        "image:\n  stage: build\n  script: [docker build .]\n"
    )
    files = _write(tmp_path, {".gitlab-ci.yml": gitlab})
    issues = [i for i in validate_files(tmp_path, files) if i.rule == "schema"]
    messages = " | ".join(i.message for i in issues)
    assert "compile.when: 'sometimes' is not one of" in messages
    assert "image:" in messages
    assert all(i.validator == "gitlab-ci" and i.severity == Severity.ERROR for i in issues)


@pytest.mark.usefixtures("with_checkov")
def test_a_tool_that_cannot_be_started_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A validator binary this user may not execute: the worker reports it and goes on."""
    not_executable = tmp_path / "bin" / "checkov"
    not_executable.parent.mkdir()
    not_executable.write_text("#!/bin/sh\nexit 0\n")
    not_executable.chmod(0o644)
    monkeypatch.setattr(checkov, "find_tool", lambda _: not_executable)
    files = _write(tmp_path, {"main.tf": OPEN_SECURITY_GROUP})
    issues = _found(validate_files(tmp_path, files), "checkov")
    assert [(i.rule, i.severity) for i in issues] == [("validator-failed", Severity.ERROR)]
    assert "could not be started" in issues[0].message
