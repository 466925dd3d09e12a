"""Which tasks a restarted operator may leave alone (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from devops_orchestrator.constants import ANNOTATION_RETRY
from devops_orchestrator.core.status import is_settled


def _task(phase: str, generation: int = 2, observed: int = 2, **extra: Any) -> dict[str, Any]:
    annotations = {ANNOTATION_RETRY: extra["annotation"]} if "annotation" in extra else {}
    status: dict[str, Any] = {"phase": phase, "observedGeneration": observed}
    if "token" in extra:
        status["retryToken"] = extra["token"]
    return {
        "metadata": {"name": "t", "generation": generation, "annotations": annotations},
        "status": status,
    }


@pytest.mark.parametrize(
    ("task", "settled"),
    [
        (_task("Succeeded"), True),
        (_task("Failed", annotation="2", token="2"), True),
        (_task("PartiallySucceeded", annotation="3", token="2"), False),  # a retry asked
        (_task("Cancelled", annotation="1"), False),  # asked before any was recorded
        (_task("Succeeded", generation=3, observed=2), False),  # the spec changed since
        (_task("Running"), False),
        (_task("Pending"), False),
        ({"metadata": {"generation": 1}}, False),  # never reconciled
    ],
)
def test_only_final_tasks_whose_status_answers_spec_and_retry_are_settled(
    task: dict[str, Any], settled: bool
) -> None:
    assert is_settled(task) is settled
