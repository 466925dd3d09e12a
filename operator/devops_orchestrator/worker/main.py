"""`python -m devops_orchestrator.worker`: what a worker Job runs.

Reads the briefing (env `DEVOPS_BRIEFING` or `--briefing-file`), runs the worker
(`runner.run_worker`), stores the result (in a cluster: the result and artifacts
ConfigMaps, see `artifacts`), prints it as JSON on stdout and exits 0; on failure prints
a clear error on stderr, stores it, and exits 1 (2 for an unusable briefing)."""

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
from devops_orchestrator.models import Briefing, Issue, Severity, WorkerResult
from devops_orchestrator.worker.artifacts import (
    artifacts_configmap_name,
    build_artifacts_configmap,
    build_result_configmap,
)
from devops_orchestrator.worker.engine import EngineError
from devops_orchestrator.worker.gitops import GitError, redact
from devops_orchestrator.worker.runner import run_worker
from devops_orchestrator.worker.secrets import seal_process, take_secrets

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
BRIEFING_ENV = "DEVOPS_BRIEFING"


class BriefingError(ValueError):
    pass


def load_briefing(path: Path | None, environ: dict[str, str] | None = None) -> Briefing:
    env = os.environ if environ is None else environ
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
    failure: EngineError | None = None,
) -> None:
    """In a cluster, write the artifacts (non-git workspaces) and the result ConfigMaps
    (with the engine's transcript, and a failed attempt's usage)."""
    from devops_orchestrator.worker import store

    if not store.in_cluster(briefing):
        return
    api = store.load_api()
    if (
        result is not None
        and result.git_commit is None
        and (result.files_created or result.files_modified)
    ):
        workspace = Path(get_settings().workspace_dir)
        paths = result.files_created + result.files_modified
        files = {p: (workspace / p).read_bytes() for p in paths if (workspace / p).is_file()}
        body, truncated = build_artifacts_configmap(
            briefing, files, get_settings().artifacts_max_bytes
        )
        store.ensure_configmap(api, body)
        result.artifacts_configmap = artifacts_configmap_name(briefing)
        result.artifacts_truncated = truncated
        result.issues += [
            Issue(
                severity=Severity.WARNING,
                validator="artifacts",
                rule="truncated",
                file=path,
                message=f"{path} is not in {result.artifacts_configmap}: size cap reached",
            )
            for path in truncated
        ]
    transcript = result._transcript if result is not None else ""
    usage = failure.usage if failure is not None else None
    if failure is not None:
        transcript = failure.transcript
    body = build_result_configmap(briefing, result, error, transcript=transcript, usage=usage)
    store.ensure_configmap(api, body)


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
        store_outcome(briefing, result, None)
    except Exception as exc:
        print(f"devops-worker: error: cannot store the result: {redact(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    print(result.model_dump_json(exclude_none=True))
    return EXIT_OK


def _fail(briefing: Briefing, error: str, failure: EngineError | None = None) -> int:
    print(f"devops-worker: error: {briefing.worker} failed: {error}", file=sys.stderr)
    try:
        store_outcome(briefing, None, error, failure)
    except Exception as exc:
        print(
            f"devops-worker: error: cannot store the failure: {redact(str(exc))}", file=sys.stderr
        )
    return EXIT_FAILED
