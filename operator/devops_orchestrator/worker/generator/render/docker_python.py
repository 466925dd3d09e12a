"""Python: dependencies in a virtualenv built in one stage (pip, poetry, uv or pipenv),
copied into a slim runtime with the code; a `src/` layout is put on PYTHONPATH."""

from __future__ import annotations

from devops_orchestrator.worker.generator.render.common import (
    CiCommands,
    DockerfilePlan,
    StackRenderer,
    exec_form,
    header,
    python_probe,
    serving_lines,
)
from devops_orchestrator.worker.generator.stack import Stack

APP_UID = 10001
UV_IMAGE = "ghcr.io/astral-sh/uv:0.5.11"
POETRY = "poetry==1.8.5"
PIPENV = "pipenv==2024.4.0"
PIP_CACHE = "--mount=type=cache,target=/root/.cache/pip"

# manager -> the build stage's lines that fill /opt/venv with the dependencies
_DEPENDENCIES = {
    "pip": [
        "COPY requirements.txt ./\n",
        f"RUN {PIP_CACHE} pip install -r requirements.txt\n",
    ],
    "pip-pyproject": [
        "COPY . .\n",
        f"RUN {PIP_CACHE} pip install .\n",
    ],
    "poetry": [
        f"RUN {PIP_CACHE} pip install {POETRY}\n",
        "COPY pyproject.toml poetry.lock ./\n",
        "RUN poetry export --only main --format requirements.txt --output /tmp/requirements.txt\n",
        f"RUN {PIP_CACHE} pip install -r /tmp/requirements.txt\n",
    ],
    "uv": [
        f"COPY --from={UV_IMAGE} /uv /usr/local/bin/uv\n",
        "ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy\n",
        "COPY pyproject.toml uv.lock ./\n",
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev "
        "--no-install-project\n",
    ],
    "pipenv": [
        f"RUN {PIP_CACHE} pip install {PIPENV}\n",
        "COPY Pipfile Pipfile.lock ./\n",
        "RUN pipenv requirements > /tmp/requirements.txt\n",
        f"RUN {PIP_CACHE} pip install -r /tmp/requirements.txt\n",
    ],
}


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
    if stack.framework == "django":
        return ["python", "manage.py", "runserver", f"0.0.0.0:{port}", "--noreload"]
    script = stack.entry if stack.entry.endswith(".py") else "main.py"
    return ["python", script]


def render_python_dockerfile(stack: Stack) -> DockerfilePlan:
    image = python_image(stack.language_version)
    manager = stack.package_manager if stack.package_manager in _DEPENDENCIES else "pip"
    dependencies = _DEPENDENCIES[manager]
    lines = [
        "# syntax=docker/dockerfile:1\n",
        header(),
        f"# Python {stack.label} ({manager}): dependencies go into a virtualenv in the build\n",
        "# stage; the runtime stage gets the virtualenv and the code, as a non-root user.\n",
        f"FROM {image} AS build\n",
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1\n",
        "WORKDIR /app\n",
        "RUN python -m venv /opt/venv\n",
        'ENV PATH="/opt/venv/bin:$PATH" VIRTUAL_ENV=/opt/venv\n',
        *dependencies,
    ]
    python_path = ' PYTHONPATH="/app/src"' if stack.source_root == "src" else ""
    lines += [
        f"\nFROM {image} AS runtime\n",
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 "
        f'PATH="/opt/venv/bin:$PATH"{python_path}\n',
        f"RUN useradd --system --uid {APP_UID} --no-create-home --shell /usr/sbin/nologin app\n",
        "WORKDIR /app\n",
        "COPY --from=build /opt/venv /opt/venv\n",
        "COPY . .\n",
    ]
    probe = python_probe(stack) if stack.health_path else []
    lines += serving_lines(stack, str(APP_UID), probe, f"PORT={stack.port}")
    lines.append(f"CMD {exec_form(python_command(stack))}\n")
    return DockerfilePlan(
        text="".join(lines),
        base_image=image,
        build_image=image,
        user_id=APP_UID,
        healthcheck=bool(probe),
        probe=probe,
    )


def python_ci(stack: Stack) -> CiCommands:
    version = stack.language_version or "3.12"
    manager = stack.package_manager
    install = {
        "pip": "python -m pip install -r requirements.txt",
        "poetry": f"python -m pip install {POETRY}\npoetry install --no-root",
        "uv": "python -m pip install uv==0.5.11\nuv sync --frozen",
        "pipenv": f"python -m pip install {PIPENV}\npipenv install --deploy --system --dev",
    }.get(manager, "python -m pip install .")
    lock = {"pip": "requirements.txt", "poetry": "poetry.lock", "uv": "uv.lock"}.get(
        manager, "Pipfile.lock" if manager == "pipenv" else "pyproject.toml"
    )
    run = {"poetry": "poetry run ", "uv": "uv run "}.get(manager, "")
    tools = "ruff pytest" if stack.test_command else "ruff"
    return CiCommands(
        setup=[
            {
                "name": "Set up Python",
                "uses": "actions/setup-python@v5",
                "with": {"python-version": version, "cache": "pip", "cache-dependency-path": lock},
            }
        ],
        image=python_image(version),
        install=f"{install}\npython -m pip install {tools}",
        lint=["ruff check ."],
        test=f"{run}{stack.test_command}" if stack.test_command else "",
        build=stack.build_command,
    )


RENDERER = StackRenderer(
    kinds=("python",),
    dockerfile=render_python_dockerfile,
    ci=python_ci,
    dockerignore=(
        "# Python",
        "__pycache__",
        "*.py[cod]",
        ".venv",
        "venv",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "*.egg-info",
    ),
)
