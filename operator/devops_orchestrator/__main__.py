"""`python -m devops_orchestrator`: run the operator.

Watches every namespace (or `DEVOPS_WATCH_NAMESPACES`, a JSON list). Replicas: with
`DEVOPS_PEERING=<name>` kopf's peering elects one active replica (the KopfPeering /
ClusterKopfPeering CRDs and that peering object must be installed); without it the
operator runs standalone, which is right for a single replica (the Deployment uses
strategy Recreate so two never overlap). Liveness: `GET :DEVOPS_HEALTH_PORT/healthz`."""

from __future__ import annotations

import logging

import kopf

from devops_orchestrator.config import get_settings


class QuietSuccesses(logging.Filter):
    """Drops kopf's "Timer/Handler '...' succeeded." lines: with a timer every few seconds
    per running task and an event per Job change they would drown everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        message = record.getMessage()
        return not (message.startswith(("Timer '", "Handler '")) and message.endswith("succeeded."))


def main() -> None:
    settings = get_settings()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("kopf.objects").addFilter(QuietSuccesses())
    import devops_orchestrator.handlers  # noqa: F401  (registers the handlers)

    namespaces = list(settings.watch_namespaces)
    kopf.run(
        clusterwide=not namespaces,
        namespaces=namespaces,
        standalone=not settings.peering,
        peering_name=settings.peering or None,
        liveness_endpoint=(
            f"http://0.0.0.0:{settings.health_port}/healthz" if settings.health_port else None
        ),
    )


if __name__ == "__main__":
    main()
