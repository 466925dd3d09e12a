"""The stack renderers: every `render/docker_<stack>.py` module's `RENDERER`, found by
name, so adding a stack adds a module and edits nothing else."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from devops_orchestrator.worker.generator import render
from devops_orchestrator.worker.generator.render.common import StackRenderer


@lru_cache(maxsize=1)
def stack_renderers() -> dict[str, StackRenderer]:
    renderers: dict[str, StackRenderer] = {}
    for module in pkgutil.iter_modules(render.__path__):
        if module.name.startswith("docker_"):
            loaded = importlib.import_module(f"{render.__name__}.{module.name}")
            renderer = getattr(loaded, "RENDERER", None)
            if isinstance(renderer, StackRenderer):
                renderers.update(dict.fromkeys(renderer.kinds, renderer))
    return renderers


def renderer_for(kind: str) -> StackRenderer | None:
    return stack_renderers().get(kind)
