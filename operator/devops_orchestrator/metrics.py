"""Prometheus metrics of the operator and the HTTP endpoint that serves them.

The same server answers `GET /readyz` (readiness): 200 with a short reason when the
operator is ready, 503 with the reason when not (say, Redis is configured but does not
answer). Liveness stays kopf's `/healthz` on its own port: an unreachable Redis makes
the operator unready, never restarts it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app

from devops_orchestrator.models import TaskPhase, TokenUsage

TASKS_BY_PHASE = Gauge("devops_tasks", "DevOpsTasks known to this operator, by phase", ["phase"])
WORKER_DURATION = Histogram(
    "devops_worker_duration_seconds",
    "Time from a worker's start to its final outcome",
    ["worker", "outcome"],
    buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
JOBS_CREATED = Counter("devops_jobs_created_total", "Worker Jobs created", ["worker"])
MODEL_TOKENS = Counter(
    "devops_model_tokens_total", "Tokens the workers' model calls billed", ["kind"]
)
MODEL_COST = Counter("devops_model_cost_usd_total", "USD the workers' model calls cost")
RECONCILE_ERRORS = Counter(
    "devops_reconcile_errors_total", "Reconcile passes that failed", ["kind"]
)

_phases: dict[tuple[str, str], str] = {}
_counts: dict[str, int] = {phase.value: 0 for phase in TaskPhase}
for _phase, _count in _counts.items():  # every phase is exported, 0 until seen
    TASKS_BY_PHASE.labels(phase=_phase).set(_count)
_phases_lock = threading.Lock()


def record_spend(spent: TokenUsage) -> None:
    """Add what a pass saw the tasks spend (the growth of `status.usage`)."""
    for kind, tokens in (
        ("input", spent.input_tokens),
        ("output", spent.output_tokens),
        ("cache_read", spent.cache_read_tokens),
        ("cache_write", spent.cache_write_tokens),
    ):
        if tokens:
            MODEL_TOKENS.labels(kind=kind).inc(tokens)
    if spent.cost_usd:
        MODEL_COST.inc(spent.cost_usd)


def record_task_phase(namespace: str, name: str, phase: str) -> None:
    with _phases_lock:
        _move((namespace, name), phase)


def forget_task(namespace: str, name: str) -> None:
    with _phases_lock:
        _move((namespace, name), None)


def _move(key: tuple[str, str], phase: str | None) -> None:
    """One task from its old phase to `phase` (None: gone). Only the two gauges that
    change are set: a pass costs the same with 10 or 10,000 tasks known."""
    old = _phases.pop(key, None) if phase is None else _phases.get(key)
    if old == phase:
        return
    if phase is not None:
        _phases[key] = phase
    for gone, delta in ((old, -1), (phase, 1)):
        if gone is not None:
            _counts[gone] = _counts.get(gone, 0) + delta
            TASKS_BY_PHASE.labels(phase=gone).set(_counts[gone])


READY_PATH = "/readyz"
Readiness = Callable[[], tuple[bool, str]]  # (ready, a short reason)


def _always_ready() -> tuple[bool, str]:
    return True, "ready"


def build_app(readiness: Readiness = _always_ready) -> WSGIApplication:
    """`/readyz` from `readiness`; everything else is prometheus-client's own app."""
    metrics_app = make_wsgi_app()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != READY_PATH:
            answer: Iterable[bytes] = metrics_app(environ, start_response)
            return answer
        try:
            ready, reason = readiness()
        except Exception as exc:  # a broken check is an honest "not ready"
            ready, reason = False, f"not ready: readiness check failed: {exc}"
        body = f"{reason}\n".encode()
        start_response(
            "200 OK" if ready else "503 Service Unavailable",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # probes every few seconds
        pass


def start_metrics_server(port: int, readiness: Readiness = _always_ready) -> bool:
    """Serve /metrics and /readyz on `port` in a background thread; 0 disables. True
    when started."""
    if port <= 0:
        return False
    server = make_server(
        "0.0.0.0", port, build_app(readiness), _Server, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return True
