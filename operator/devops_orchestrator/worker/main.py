"""`python -m devops_orchestrator.worker`: what a worker Job runs.

Reads the briefing (`--briefing-file`, env `DEVOPS_BRIEFING_FILE` as worker Jobs get it,
or env `DEVOPS_BRIEFING`), runs the worker (`runner.run_worker`), stores the result (in a
cluster: the result and artifacts ConfigMaps, see `artifacts`), prints it as JSON on
stdout and exits 0; on failure prints a clear error on stderr, stores it, and exits 1 (2
for an unusable briefing)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from devops_orchestrator.config import get_settings
from devops_orchestrator.definitions import DefinitionError
from devops_orchestrator.models import Briefing, WorkerResult
from devops_orchestrator.worker import store
from devops_orchestrator.worker.engine import EngineError
from devops_orchestrator.worker.gitops import GitError, redact
from devops_orchestrator.worker.runner import run_worker
from devops_orchestrator.worker.secrets import seal_process, take_secrets

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
BRIEFING_ENV = "DEVOPS_BRIEFING"
BRIEFING_FILE_ENV = "DEVOPS_BRIEFING_FILE"  # core.briefing_file: the Job's downwardAPI file


class BriefingError(ValueError):
    pass


def load_briefing(path: Path | None, environ: dict[str, str] | None = None) -> Briefing:
    env = os.environ if environ is None else environ
    if path is None and env.get(BRIEFING_FILE_ENV):  # how worker Jobs receive it
        path = Path(env[BRIEFING_FILE_ENV])
    if path is not None:
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise BriefingError(f"cannot read the briefing file {path}: {exc}") from exc
        source = str(path)
    else:
        raw = env.get(BRIEFING_ENV, "")
        source = f"${BRIEFING_ENV}"
        if not raw.strip():
            raise BriefingError(f"no briefing: set {BRIEFING_ENV} or pass --briefing-file")
    try:
        return Briefing.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()
        )
        raise BriefingError(f"invalid briefing in {source}: {problems}") from exc


def store_outcome(
    briefing: Briefing,
    result: WorkerResult | None,
    error: str | None,
    exit_code: int,
    failure: EngineError | None = None,
) -> str:
    """In a cluster, the report for the operator, to write last on stdout (see store):
    with the engine's transcript, and a failed attempt's usage."""
    settings = get_settings()
    transcript = result._transcript if result is not None else ""
    if failure is not None:
        transcript = failure.transcript
    return store.render_report(
        briefing,
        result,
        error,
        exit_code,
        workspace=Path(settings.workspace_dir),
        artifacts_max_bytes=settings.artifacts_max_bytes,
        transcript=transcript,
        usage=failure.usage if failure is not None else None,
    )


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devops_orchestrator.worker", description="Run one worker of a DevOpsTask."
    )
    parser.add_argument("--briefing-file", type=Path, help=f"instead of ${BRIEFING_ENV}")
    parser.add_argument("--workspace", type=Path, help="instead of DEVOPS_WORKSPACE_DIR")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    try:
        briefing = load_briefing(args.briefing_file)
    except BriefingError as exc:
        print(f"devops-worker: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # The first line of the pod's log, once the briefing is understood (the benchmark
    # measures the start-up cost up to it).
    print(
        f"devops-worker: {briefing.worker} attempt {briefing.attempt} of {briefing.task_name}: "
        "started",
        file=sys.stderr,
        flush=True,
    )
    # Before any tool runs: nothing of this process readable by them, no secret in its
    # environment (see worker.secrets).
    seal_process()
    # The engines' progress (one line per model turn and tool call) goes to the pod's log.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s"
    )
    logging.getLogger("devops_orchestrator").setLevel(logging.INFO)
    secrets = take_secrets()
    hidden = secrets.values()
    try:
        result = run_worker(briefing, args.workspace, secrets)
    except EngineError as exc:
        return _fail(briefing, redact(str(exc), hidden), exc)
    except (DefinitionError, GitError, OSError) as exc:
        return _fail(briefing, redact(str(exc), hidden))
    except Exception as exc:
        print(redact(traceback.format_exc(), hidden), file=sys.stderr)
        return _fail(briefing, redact(f"unexpected {type(exc).__name__}: {exc}", hidden))
    try:
        report = store_outcome(briefing, result, None, EXIT_OK)
    except Exception as exc:
        print(f"devops-worker: error: cannot store the result: {redact(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    print(result.model_dump_json(exclude_none=True), flush=True)
    store.write_report(report)
    return EXIT_OK


def _fail(briefing: Briefing, error: str, failure: EngineError | None = None) -> int:
    print(f"devops-worker: error: {briefing.worker} failed: {error}", file=sys.stderr, flush=True)
    try:
        store.write_report(store_outcome(briefing, None, error, EXIT_FAILED, failure))
    except Exception as exc:
        print(
            f"devops-worker: error: cannot store the failure: {redact(str(exc))}", file=sys.stderr
        )
    return EXIT_FAILED
