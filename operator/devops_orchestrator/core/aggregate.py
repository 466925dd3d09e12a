"""The task's result object (PROTOCOL.md "The result object") from the workers' results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from devops_orchestrator.core.planning import Plan
from devops_orchestrator.models import AggregatedResult, Severity, WorkerResult


def aggregate(
    plan: Plan,
    worker_results: Mapping[str, WorkerResult],
    failed: Mapping[str, str],
    skipped: Mapping[str, str] | None = None,
) -> AggregatedResult:
    """Merge the results of the workers that succeeded (`worker_results`), the errors of
    those that failed (`failed`) and the reasons of those skipped, in plan order.

    status: `completed` when every planned worker succeeded, `failed` when none did,
    `partial` otherwise."""
    skipped = skipped or {}
    order = [w for w in plan.workers if w in worker_results or w in failed or w in skipped]
    order += [w for w in (*worker_results, *failed, *skipped) if w not in order]
    succeeded = [w for w in order if w in worker_results]
    results = {w: worker_results[w] for w in succeeded}
    status: Literal["completed", "partial", "failed"]
    if succeeded and len(succeeded) == len(order):
        status = "completed"
    elif succeeded:
        status = "partial"
    else:
        status = "failed"
    return AggregatedResult(
        status=status,
        workers_used=[w for w in order if w not in skipped],
        files_created=_unique(f for r in results.values() for f in r.files_created),
        files_modified=_unique(f for r in results.values() for f in r.files_modified),
        summary=render_summary(order, results, failed, skipped),
        issues=_issues(order, results, failed, skipped),
        deployment_info=build_deployment_info(results),
        details={w: r.model_dump(mode="json", exclude_unset=True) for w, r in results.items()},
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _issues(
    order: list[str],
    results: Mapping[str, WorkerResult],
    failed: Mapping[str, str],
    skipped: Mapping[str, str],
) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    for worker in order:
        if worker in results:
            for issue in results[worker].issues:
                tagged = issue.model_copy(update={"worker": worker})
                issues.append(tagged.model_dump(mode="json", exclude_none=True))
        elif worker in failed:
            issues.append(_issue(Severity.ERROR, failed[worker], worker))
        else:
            issues.append(_issue(Severity.WARNING, f"skipped: {skipped[worker]}", worker))
    return issues


def _issue(severity: Severity, message: str, worker: str) -> dict[str, Any]:
    return {"severity": severity.value, "message": message, "worker": worker}


def render_summary(
    order: list[str],
    results: Mapping[str, WorkerResult],
    failed: Mapping[str, str],
    skipped: Mapping[str, str],
) -> str:
    """One sentence of outcome, then what each worker said it did."""
    head = f"{len(results)}/{len(order)} workers succeeded"
    notes = [
        f"{w}: {results[w].summary.strip().rstrip('.') or 'done'}" for w in order if w in results
    ]
    notes += [f"{w} failed" for w in order if w in failed]
    notes += [f"{w} skipped" for w in order if w in skipped]
    return head + (" — " + "; ".join(notes) if notes else "") + "."


def build_deployment_info(results: Mapping[str, WorkerResult]) -> dict[str, Any]:
    """image, ci_pipeline, deploy_target, ... from the workers' specific fields; an
    explicit `deployment_info` of a later worker overrides what earlier ones derived."""
    info: dict[str, Any] = {}
    for result in results.values():
        extra = result.model_extra or {}
        docker_config = extra.get("docker_config")
        if isinstance(docker_config, Mapping):
            image = docker_config.get("image") or docker_config.get("image_name")
            if isinstance(image, str) and image:
                info["image"] = image
        pipeline = extra.get("ci_pipeline")
        if isinstance(pipeline, Mapping):
            pipeline = pipeline.get("path") or pipeline.get("file")
        if isinstance(pipeline, str) and pipeline:
            info["ci_pipeline"] = pipeline
        for key in ("image", "deploy_target"):
            value = extra.get(key)
            if isinstance(value, str) and value:
                info[key] = value
        explicit = extra.get("deployment_info")
        if isinstance(explicit, Mapping):
            info.update({str(k): v for k, v in explicit.items() if v not in (None, "")})
    return info
