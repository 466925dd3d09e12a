"""The API server refuses bad DevOpsTasks at apply time, saying what is wrong (OpenAPI
schema and CEL rules of crds/devopstask.yaml); no operator is involved."""

from __future__ import annotations

import json
from typing import Any

import pytest

GOOD_SPEC = {"description": "Containerize the application with a Dockerfile"}


def _apply(cluster: Any, namespace: str, spec: dict[str, Any]) -> tuple[int, str]:
    task = {
        "apiVersion": "devops.agentnet.dev/v1alpha1",
        "kind": "DevOpsTask",
        "metadata": {"name": "checked"},
        "spec": spec,
    }
    done = cluster.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(task), check=False)
    return done.returncode, done.stderr + done.stdout


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"description": ""}, "spec.description"),
        ({"description": "   "}, "description must not be blank"),
        ({}, "spec.description: Required value"),
        (
            {**GOOD_SPEC, "workers": ["docker-worker", "k8s-worker"]},
            'Unsupported value: "k8s-worker"',
        ),
        ({**GOOD_SPEC, "timeoutSeconds": -5}, "spec.timeoutSeconds"),
        ({**GOOD_SPEC, "timeoutSeconds": 10**9}, "spec.timeoutSeconds"),
        ({**GOOD_SPEC, "timeoutSeconds": "soon"}, "spec.timeoutSeconds"),
        ({**GOOD_SPEC, "requirements": "Non-root user"}, "spec.requirements"),
        ({**GOOD_SPEC, "maxRetries": 99}, "spec.maxRetries"),
        ({**GOOD_SPEC, "priority": "urgent"}, 'Unsupported value: "urgent"'),
        ({**GOOD_SPEC, "strategy": "random"}, 'Unsupported value: "random"'),
        ({**GOOD_SPEC, "cancel": "yes"}, "spec.cancel"),
    ],
)
def test_bad_spec_is_refused_with_a_readable_message(
    cluster: Any, namespace: str, devops_crd: None, spec: dict[str, Any], expected: str
) -> None:
    code, output = _apply(cluster, namespace, spec)
    assert code != 0, output
    assert "is invalid" in output, output
    assert expected in output, output


def test_good_spec_is_accepted_with_defaults(
    cluster: Any, namespace: str, devops_crd: None
) -> None:
    code, output = _apply(cluster, namespace, GOOD_SPEC)
    assert code == 0, output
    stored = json.loads(
        cluster.kubectl("get", "-n", namespace, "devopstask", "checked", "-o", "json").stdout
    )
    assert stored["spec"]["timeoutSeconds"] == 1800
    assert stored["spec"]["strategy"] == "auto"
