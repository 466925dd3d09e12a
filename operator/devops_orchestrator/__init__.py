"""devops-orchestrator: the DevOps domain orchestrator of an AI agent network, as a Kubernetes operator."""

__version__ = "0.1.0"
