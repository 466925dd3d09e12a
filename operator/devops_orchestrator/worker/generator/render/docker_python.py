"""Dockerfile for Python: a virtualenv built in one stage, copied into a slim runtime."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    DockerfilePlan,
    header,
    python_healthcheck,
)
from devops_orchestrator.worker.generator.stack import Stack

APP_UID = 10001


def python_image(version: str) -> str:
    minor = ".".join((version or "3.12").split(".")[:2])
    return f"python:{minor}-slim-bookworm"


def python_command(stack: Stack) -> list[str]:
    port = str(stack.port)
    if stack.server == "uvicorn" and ":" in stack.entry:
        return ["uvicorn", stack.entry, "--host", "0.0.0.0", "--port", port]
    if stack.server == "gunicorn" and ":" in stack.entry:
        worker = (
            ["--worker-class", "uvicorn.workers.UvicornWorker"]
            if (stack.framework == "fastapi")
            else []
        )
        return ["gunicorn", "--bind", f"0.0.0.0:{port}", *worker, stack.entry]
    script = stack.entry if stack.entry.endswith(".py") else "main.py"
    return ["python", script]


def render_python_dockerfile(stack: Stack) -> DockerfilePlan:
    image = python_image(stack.language_version)
    uses_requirements = stack.package_manager == "pip"
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        f"# Python {stack.label}: dependencies go into a virtualenv in the build stage;\n",
        "# the runtime stage gets the virtualenv and the code, and runs as a non-root user.\n",
        f"FROM {image} AS build\n",
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1\n",
        "WORKDIR /app\n",
        "RUN python -m venv /opt/venv\n",
        'ENV PATH="/opt/venv/bin:$PATH"\n',
    ]
    if uses_requirements:
        lines += [
            "COPY requirements.txt ./\n",
            "RUN pip install --no-cache-dir -r requirements.txt\n",
        ]
    else:
        lines += ["COPY . .\n", "RUN pip install --no-cache-dir .\n"]
    command = ", ".join(f'"{part}"' for part in python_command(stack))
    lines += [
        f"\nFROM {image} AS runtime\n",
        'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/opt/venv/bin:$PATH"\n',
        f"RUN useradd --system --uid {APP_UID} --no-create-home --shell /usr/sbin/nologin app\n",
        "WORKDIR /app\n",
        "COPY --from=build /opt/venv /opt/venv\n",
        "COPY . .\n",
        f"USER {APP_UID}\n",
        f"ENV PORT={stack.port}\n",
        f"EXPOSE {stack.port}\n",
    ]
    if stack.health_path:
        lines.append(python_healthcheck(stack.port, stack.health_path))
    lines.append(f"CMD [{command}]\n")
    return DockerfilePlan(
        text="".join(lines),
        base_image=image,
        build_image=image,
        user_id=APP_UID,
        healthcheck=bool(stack.health_path),
    )
