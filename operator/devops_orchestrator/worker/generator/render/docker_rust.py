"""Dockerfile for Rust: a release build with registry and target caches, run on distroless."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    header,
)
from devops_orchestrator.worker.generator.stack import Stack

RUNTIME = "gcr.io/distroless/cc-debian12:nonroot"
NONROOT_UID = 65532


def render_rust_dockerfile(stack: Stack) -> DockerfilePlan:
    version = ".".join((stack.language_version or "1.82").split(".")[:2])
    image = f"rust:{version}-slim-bookworm"
    locked = " --locked" if stack.lockfile else ""
    binary = stack.entry or stack.app_name
    text = (
        "# syntax=docker/dockerfile:1\n"
        + header()
        + f"# Rust {stack.label}: release build with cached registry and target folders; the\n"
        "# binary runs on distroless (no shell: health is probed by the orchestrator).\n"
        "# checkov:skip=CKV_DOCKER_2:distroless has no HTTP client; Kubernetes probes health\n"
        f"FROM {image} AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN --mount=type=cache,target=/usr/local/cargo/registry \\\n"
        "    --mount=type=cache,target=/src/target \\\n"
        f"    cargo build --release{locked} && \\\n"
        f"    install -D target/release/{binary} /out/app\n"
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


def rust_ci(stack: Stack) -> CiCommands:
    version = ".".join((stack.language_version or "1.82").split(".")[:2])
    cache = {
        "name": "Cache cargo registry and target",
        "uses": "actions/cache@v4",
        "with": {
            "path": "~/.cargo/registry\n~/.cargo/git\ntarget\n",
            "key": "cargo-${{ runner.os }}-${{ hashFiles('**/Cargo.lock', '**/Cargo.toml') }}",
        },
    }
    return CiCommands(
        setup=[cache],
        image=f"rust:{version}-slim-bookworm",
        install="rustup component add clippy rustfmt",
        lint=["cargo fmt --all --check", stack.lint_command],
        test=stack.test_command,
        build=stack.build_command,
    )


RENDERER = StackRenderer(
    kinds=("rust",),
    dockerfile=render_rust_dockerfile,
    ci=rust_ci,
    dockerignore=("# Rust", "target"),
)
