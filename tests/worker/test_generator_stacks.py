"""The generator on real sample apps, one per stack, for all three workers, through the
worker's own code path (engine, change detection, validators, consistency): no issue at
all, the port and health endpoint found in each app's code, and every artifact clean under
checkov. checkov starts slowly, so the workers run without it and one checkov run then
scans every app's files together (the same validator the runner calls)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from workerkit import APPS as APPS_DIR
from workerkit import make_briefing

from devops_orchestrator.config import get_settings
from devops_orchestrator.models import Issue, Severity, WorkerResult
from devops_orchestrator.worker.runner import run_worker
from devops_orchestrator.worker.validators.checkov import validate_with_checkov
from devops_orchestrator.worker.validators.consistency import check_consistency

# app -> (port, health path, stack label) as written in the app's code
APPS = {
    "python-fastapi": (8181, "/health/live", "python/fastapi"),
    "node-express-ts": (3400, "/status", "node/express/typescript"),
    "go-nethttp": (9090, "/healthz", "go/net/http"),
    "java-spring": (8081, "/actuator/health", "java/spring-boot"),
    "rust-axum": (7878, "/ping", "rust/axum"),
    "static-site": (8080, "/", "static/nginx"),
    "python-django-pipenv": (8010, "/healthz", "python/django"),
    "python-flask-poetry": (5050, "/healthz", "python/flask"),
    "python-fastapi-uv-src": (8300, "/readyz", "python/fastapi"),
    "node-next-pnpm": (3100, "/api/health", "node/next/typescript"),
    "node-vite-yarn": (8080, "/", "node/vite"),
    "node-nest": (3300, "/healthz", "node/nest/typescript"),
    "node-express-bun": (3500, "/livez", "node/express"),
    "go-cmd-layout": (8070, "/readyz", "go/net/http"),
    "monorepo": (5070, "/health", "python/flask"),
    "dotnet-aspnet": (5080, "/healthz", "dotnet/aspnetcore"),
    "php-laravel": (8080, "/up", "php/laravel"),
    "php-slim": (8080, "/health", "php/slim"),
    "php-plain": (8080, "/status", "php"),
    "ruby-rails": (3000, "/up", "ruby/rails"),
    "ruby-sinatra": (4600, "/health", "ruby/sinatra"),
    "ruby-rack": (9292, "/ping", "ruby/rack"),
    "kotlin-ktor": (8088, "/healthz", "kotlin/ktor"),
    "java-gradle-spring": (8095, "/actuator/health", "java/spring-boot"),
}
# app -> the start command of the image (None: the base image's own, nginx)
START = {
    "dotnet-aspnet": "dotnet Orders.Api.dll",
    "go-cmd-layout": "/app",
    "go-nethttp": "/app",
    "java-gradle-spring": "java -jar /app/app.jar",
    "java-spring": "java -jar /app/app.jar",
    "kotlin-ktor": "/app/bin/inventory",
    "monorepo": "gunicorn --bind 0.0.0.0:5070 app:app",
    "node-express-bun": "bun src/server.js",
    "node-express-ts": "node dist/index.js",
    "node-nest": "node dist/main.js",
    "node-next-pnpm": "node_modules/.bin/next start -p 3100",
    "node-vite-yarn": None,
    "php-laravel": "apache2-foreground",
    "php-plain": "apache2-foreground",
    "php-slim": "apache2-foreground",
    "python-django-pipenv": "gunicorn --bind 0.0.0.0:8010 shop.wsgi:application",
    "python-fastapi": "uvicorn app.main:app --host 0.0.0.0 --port 8181",
    "python-fastapi-uv-src": "uvicorn catalog.main:app --host 0.0.0.0 --port 8300",
    "python-flask-poetry": "gunicorn --bind 0.0.0.0:5050 app:app",
    "ruby-rack": "bundle exec puma -b tcp://0.0.0.0:9292 config.ru",
    "ruby-rails": "bundle exec rails server -b 0.0.0.0 -p 3000",
    "ruby-sinatra": "bundle exec puma -b tcp://0.0.0.0:4600 config.ru",
    "rust-axum": "/app",
    "static-site": None,
}
TASK = (
    "Containerize the application for production, deploy it to Kubernetes on AWS with "
    "autoscaling and a public ingress, and set up CI/CD with GitHub Actions"
)


@dataclass
class Generated:
    workspace: Path
    results: dict[str, WorkerResult] = field(default_factory=dict)
    checkov: list[Issue] = field(default_factory=list)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    root = tmp_path_factory.mktemp("stacks")
    apps: dict[str, Generated] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEVOPS_CHECKOV_ENABLED", "false")
        get_settings.cache_clear()
        for app in sorted(APPS):
            workspace = root / app
            shutil.copytree(APPS_DIR / app, workspace)
            apps[app] = Generated(workspace)
            for worker in ("docker-worker", "infra-worker", "ci-worker"):
                previous = dict(apps[app].results)
                briefing = make_briefing(worker, TASK, previous_results=previous)
                apps[app].results[worker] = run_worker(briefing, workspace)
    get_settings.cache_clear()
    files = [
        f"{app}/{file}"
        for app, found in apps.items()
        for result in found.results.values()
        for file in result.files_created
    ]
    for issue in validate_with_checkov(root, files):
        app = (issue.file or "").split("/", 1)[0]
        apps[app if app in apps else sorted(apps)[0]].checkov.append(issue)
    return apps


def _problems(issues: list[Issue]) -> list[str]:
    return [
        f"{i.severity.value} {i.validator} {i.file}:{i.line} {i.rule} {i.message}"
        for i in issues
        if i.severity != Severity.INFO
    ]


def _errors(result: WorkerResult) -> list[str]:
    return [p for p in _problems(result.issues) if p.startswith("error")]


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_artifact_passes_every_check(app: str, generated: dict[str, Generated]) -> None:
    found = generated[app]
    for worker, result in found.results.items():
        assert _problems(result.issues) == [], f"{app} {worker}"
        assert result.engine == "generator"
    assert _problems(found.checkov) == []
    assert check_consistency(found.workspace) == []


@pytest.mark.parametrize("app", sorted(APPS))
def test_port_and_health_path_come_from_the_code(app: str, generated: dict[str, Generated]) -> None:
    port, health, label = APPS[app]
    found = generated[app]
    workspace, results = found.workspace, found.results
    for result in results.values():
        detected = (result.model_extra or {})["detected"]
        assert (detected["port"], detected["health_endpoint"], detected["stack"]) == (
            port,
            health,
            label,
        )

    docker = results["docker-worker"]
    folder = (docker.model_extra or {})["detected"]["service_folder"]
    inside = f"{folder}/" if folder else ""  # a monorepo's service gets its own Dockerfile
    assert {f"{inside}.dockerignore", f"{inside}Dockerfile"} <= set(docker.files_created)
    assert {"compose.prod.yaml", "compose.yaml"} <= set(docker.files_created)
    extra = docker.model_extra or {}
    assert extra["docker_config"]["port"] == port
    assert extra["docker_config"]["health_endpoint"] == health
    assert extra["docker_config"]["start_command"] == START[app]
    image = extra["deployment_info"]["image"]
    dockerfile = (workspace / f"{inside}Dockerfile").read_text()
    assert f"EXPOSE {port}\n" in dockerfile
    assert "USER " in dockerfile and "USER root" not in dockerfile
    assert ":latest" not in dockerfile.split("FROM", 1)[1]
    if extra["docker_config"]["healthcheck"]:
        assert f"127.0.0.1:{port}{health}" in dockerfile
    else:  # an image without an HTTP client: Kubernetes probes, checkov told why
        assert "\nHEALTHCHECK" not in dockerfile
        assert "checkov:skip=CKV_DOCKER_2:" in dockerfile

    infra = results["infra-worker"]
    assert {
        "k8s/deployment.yaml",
        "k8s/service.yaml",
        "k8s/ingress.yaml",
        "k8s/hpa.yaml",
        "k8s/networkpolicy.yaml",
        "k8s/kustomization.yaml",
        "terraform/main.tf",
    } <= set(infra.files_created)
    deployment = yaml.safe_load((workspace / "k8s/deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == image  # taken from the docker-worker's result
    assert container["ports"][0]["containerPort"] == port
    assert container["readinessProbe"]["httpGet"]["path"] == health
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert 'source  = "hashicorp/aws"' in (workspace / "terraform/main.tf").read_text()

    ci = results["ci-worker"]
    assert ci.files_created == [".github/workflows/ci.yml"]
    workflow = yaml.safe_load((workspace / ".github/workflows/ci.yml").read_text())
    assert set(workflow["jobs"]) == {"check", "image", "deploy"}  # infra ran before: deploy
    assert workflow["env"]["IMAGE"] == image.rsplit(":", 1)[0]


@pytest.mark.parametrize("provider", ["gitlab", "jenkins"])
@pytest.mark.parametrize("app", ["python-fastapi", "go-nethttp"])
def test_gitlab_and_jenkins_when_named(
    app: str, provider: str, copy_app: Callable[[str], Path]
) -> None:
    workspace = copy_app(app)
    briefing = make_briefing("ci-worker", f"Build a {provider} pipeline that deploys to k8s")
    result = run_worker(briefing, workspace)
    expected = ".gitlab-ci.yml" if provider == "gitlab" else "Jenkinsfile"
    assert result.files_created == [expected]
    assert _errors(result) == []
    assert (result.model_extra or {})["ci_pipeline"]["deploy"] is True


def test_briefing_hints_override_and_are_reported(copy_app: Callable[[str], Path]) -> None:
    workspace = copy_app("node-express-ts")
    briefing = make_briefing(
        "docker-worker",
        "Containerize. Node.js version: 22\nPort: 3000\nEntry point: dist/server.js",
        context={"registry": "registry.example.com/team", "project_type": "nodejs"},
    )
    result = run_worker(briefing, workspace)
    dockerfile = (workspace / "Dockerfile").read_text()
    assert "FROM node:22.11-alpine3.20" in dockerfile
    assert "EXPOSE 3000" in dockerfile and "ENV PORT=3000" in dockerfile
    assert 'CMD ["node", "dist/server.js"]' in dockerfile
    extra = result.model_extra or {}
    assert extra["docker_config"]["image"] == "registry.example.com/team/greeter-api:latest"
    assert "compose.prod.yaml" not in result.files_created  # production was not asked for
    assert _errors(result) == []


def test_each_workers_terraform_follows_the_named_cloud(copy_app: Callable[[str], Path]) -> None:
    for cloud, provider in (("gcp", "hashicorp/google"), ("azure", "hashicorp/azurerm")):
        workspace = copy_app("go-nethttp") if cloud == "gcp" else copy_app("rust-axum")
        briefing = make_briefing(
            "infra-worker", "Kubernetes manifests", context={"cloud_provider": cloud}
        )
        result = run_worker(briefing, workspace)
        assert provider in (workspace / "terraform/main.tf").read_text()
        assert "k8s/ingress.yaml" not in result.files_created  # no exposure asked
        assert _errors(result) == []


def test_empty_workspace_without_a_stack_fails_clearly(tmp_path: Path) -> None:
    from devops_orchestrator.worker.engine import EngineError

    with pytest.raises(EngineError, match="could not recognise the application"):
        run_worker(make_briefing("docker-worker"), tmp_path)


def test_facts_not_in_the_code_are_assumed_in_the_files_and_the_result(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "quiet", "dependencies": {"express": "4"}}')
    (tmp_path / "index.js").write_text("require('express')().listen(process.argv[2]);\n")
    result = run_worker(make_briefing("docker-worker"), tmp_path)
    assumed = [i.message for i in result.issues if i.rule == "assumed"]
    assert assumed == [
        "assumed port 3000: the code names none (set PORT or the task)",
        "assumed health endpoint: none found in the code; probes check the TCP port only",
    ]
    assert all(i.severity == Severity.WARNING for i in result.issues if i.rule == "assumed")
    dockerfile = (tmp_path / "Dockerfile").read_text()
    assert "# Assumed: port 3000: the code names none" in dockerfile.splitlines()[2]
    assert "EXPOSE 3000\n" in dockerfile


def test_a_monorepo_service_is_chosen_by_the_task(tmp_path: Path) -> None:
    for name, port in (("orders", 7001), ("billing", 7002)):
        service = tmp_path / "services" / name
        service.mkdir(parents=True)
        (service / "requirements.txt").write_text("flask==3.1.0\n")
        (service / "app.py").write_text(
            "from flask import Flask\napp = Flask(__name__)\n"
            f"@app.get('/healthz')\ndef h():\n    return 'ok'\napp.run(port={port})\n"
        )
    result = run_worker(
        make_briefing("docker-worker", "Containerize the billing service"), tmp_path
    )
    detected = (result.model_extra or {})["detected"]
    assert (detected["service_folder"], detected["port"]) == ("services/billing", 7002)
    assert "services/billing/Dockerfile" in result.files_created
    compose = yaml.safe_load((tmp_path / "compose.yaml").read_text())
    assert compose["services"]["billing"]["build"]["context"] == "services/billing"
    assert [i for i in result.issues if i.rule == "assumed"] == []
