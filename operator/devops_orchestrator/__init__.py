"""devops-orchestrator: the DevOps domain orchestrator of an AI agent network."""

__version__ = "0.1.0"
