"""Dockerfile for Go: a static binary built with module and build caches, run on distroless."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    header,
)
from devops_orchestrator.worker.generator.stack import Stack

RUNTIME = "gcr.io/distroless/static-debian12:nonroot"
NONROOT_UID = 65532


def render_go_dockerfile(stack: Stack) -> DockerfilePlan:
    version = ".".join((stack.language_version or "1.23").split(".")[:2])
    image = f"golang:{version}-bookworm"
    text = (
        "# syntax=docker/dockerfile:1\n"
        + header()
        + f"# Go {stack.label}: a static binary on a distroless image. Distroless has no shell\n"
        "# and no HTTP client, so health is probed by the orchestrator, not a HEALTHCHECK.\n"
        "# checkov:skip=CKV_DOCKER_2:distroless has no HTTP client; Kubernetes probes health\n"
        f"FROM {image} AS build\n"
        "WORKDIR /src\n"
        "COPY go.mod go.sum* ./\n"
        "RUN --mount=type=cache,target=/go/pkg/mod go mod download\n"
        "COPY . .\n"
        "RUN --mount=type=cache,target=/go/pkg/mod \\\n"
        "    --mount=type=cache,target=/root/.cache/go-build \\\n"
        f'    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app {stack.entry or "."}\n'
        f"\nFROM {RUNTIME}\n"
        "COPY --from=build /out/app /app\n"
        f"USER {NONROOT_UID}:{NONROOT_UID}\n"
        f"ENV PORT={stack.port}\n"
        f"EXPOSE {stack.port}\n"
        'ENTRYPOINT ["/app"]\n'
    )
    notes = ["distroless runtime: no shell, no package manager; health probed by Kubernetes"]
    return DockerfilePlan(
        text, RUNTIME, image, NONROOT_UID, healthcheck=False, shell=False, notes=notes
    )


def go_ci(stack: Stack) -> CiCommands:
    version = ".".join((stack.language_version or "1.23").split(".")[:2])
    return CiCommands(
        setup=[
            {
                "name": "Set up Go",
                "uses": "actions/setup-go@v5",
                "with": {"go-version-file": "go.mod"},
            }
        ],
        image=f"golang:{version}-bookworm",
        install="go mod download",
        lint=["go vet ./...", 'test -z "$(gofmt -l .)"'],
        test="go test -race ./...",
        build="go build ./...",
    )


RENDERER = StackRenderer(
    kinds=("go",),
    dockerfile=render_go_dockerfile,
    ci=go_ci,
    dockerignore=("# Go", "bin", "*.test", "coverage.out"),
)
