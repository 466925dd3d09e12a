"""The CRD file agrees with the constants, the models and the examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crd_workers import order_workers
from devops_orchestrator import constants as c
from devops_orchestrator.core.planning import build_plan
from devops_orchestrator.core.routing import route
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.models import DevOpsTaskSpec, EngineName, Priority, Strategy

ROOT = Path(__file__).resolve().parents[2]
CRD = yaml.safe_load((ROOT / "crds" / "devopstask.yaml").read_text())
VERSION = CRD["spec"]["versions"][0]
SCHEMA = VERSION["schema"]["openAPIV3Schema"]
SPEC = SCHEMA["properties"]["spec"]
PROPS: dict[str, Any] = SPEC["properties"]


def test_names() -> None:
    assert CRD["apiVersion"] == "apiextensions.k8s.io/v1"
    assert CRD["metadata"]["name"] == c.CRD_NAME
    names = CRD["spec"]["names"]
    assert (CRD["spec"]["group"], names["kind"], names["plural"]) == (c.GROUP, c.KIND, c.PLURAL)
    assert names["shortNames"] == [c.SHORT_NAME] and "devops" in names["categories"]
    assert CRD["spec"]["scope"] == "Namespaced"
    assert VERSION["name"] == c.VERSION and VERSION["served"] and VERSION["storage"]
    assert VERSION["subresources"] == {"status": {}}


def test_printer_columns() -> None:
    columns = {col["name"]: col for col in VERSION["additionalPrinterColumns"]}
    assert list(columns) == ["Phase", "Progress", "Workers", "Tokens", "Cost", "Age", "Message"]
    assert columns["Workers"]["jsonPath"] == ".status.workersSummary"
    assert columns["Cost"]["jsonPath"] == ".status.usage.costUSD"
    assert set(PROPS["budget"]["properties"]) == {"maxTokens", "maxCostUSD"}
    assert all(col.get("priority", 0) == 0 for col in columns.values())


def test_enums_match_the_code() -> None:
    assert PROPS["workers"]["items"]["enum"] == list(order_workers(load_definitions()))
    assert PROPS["workers"]["maxItems"] == len(load_definitions())
    assert PROPS["workers"]["x-kubernetes-list-type"] == "set"
    assert PROPS["priority"]["enum"] == [p.value for p in Priority]
    assert PROPS["strategy"]["enum"] == [s.value for s in Strategy]
    assert PROPS["engine"]["enum"] == [e.value for e in EngineName]


def test_defaults_match_the_model() -> None:
    model = DevOpsTaskSpec(description="x")
    assert PROPS["priority"]["default"] == model.priority.value
    assert PROPS["timeoutSeconds"]["default"] == model.timeout_seconds
    assert PROPS["strategy"]["default"] == model.strategy.value
    assert PROPS["engine"]["default"] == model.engine.value
    assert PROPS["maxRetries"]["default"] == model.max_retries
    assert PROPS["cancel"]["default"] is model.cancel
    git = PROPS["workspace"]["properties"]["git"]["properties"]
    assert git["ref"]["default"] == "main"


def test_validation_rules() -> None:
    assert SPEC["required"] == ["description"]
    description = PROPS["description"]
    assert (description["minLength"], description["maxLength"]) == (1, 8000)
    assert "matches" in description["x-kubernetes-validations"][0]["rule"]
    assert (PROPS["timeoutSeconds"]["minimum"], PROPS["timeoutSeconds"]["maximum"]) == (10, 86400)
    assert (PROPS["maxRetries"]["minimum"], PROPS["maxRetries"]["maximum"]) == (0, 5)
    assert PROPS["context"]["x-kubernetes-preserve-unknown-fields"] is True
    rule = PROPS["workspace"]["x-kubernetes-validations"][0]["rule"]
    assert rule == "has(self.git) != has(self.volume)"


def _walk(node: dict[str, Any], path: str) -> list[str]:
    missing = [] if node.get("description") or path.endswith(".metadata") else [path]
    for name, child in (node.get("properties") or {}).items():
        missing += _walk(child, f"{path}.{name}")
    return missing


def test_every_field_is_described() -> None:
    assert _walk(SCHEMA, "") == []


def test_status_describes_what_decide_writes() -> None:
    from devops_orchestrator.core.status import STATUS_KEYS

    status = SCHEMA["properties"]["status"]["properties"]
    assert set(STATUS_KEYS) <= set(status)


EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_are_valid_tasks(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    assert (doc["apiVersion"], doc["kind"]) == (c.API_VERSION, c.KIND)
    assert set(doc["spec"]) <= set(PROPS)
    spec = DevOpsTaskSpec.model_validate(doc["spec"])
    assert route(spec, load_definitions()).workers


def test_pipeline_example_plans_three_stages() -> None:
    doc = yaml.safe_load((ROOT / "examples" / "pipeline-task.yaml").read_text())
    spec = DevOpsTaskSpec.model_validate(doc["spec"])
    definitions = load_definitions()
    plan = build_plan(route(spec, definitions).workers, definitions, spec.strategy)
    assert plan.stages == (("docker-worker",), ("infra-worker",), ("ci-worker",))
