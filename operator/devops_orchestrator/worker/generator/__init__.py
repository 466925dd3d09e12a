"""The generator engine (`name = "generator"`): see `engine.GeneratorEngine`."""

from devops_orchestrator.worker.generator.engine import GeneratorEngine

__all__ = ["GeneratorEngine"]
