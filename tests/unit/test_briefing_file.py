"""The briefing rides in the worker's Job: an annotation of its pod template, projected
into the worker's file by a downwardAPI volume. Exact bytes, nothing interpreted, no
secret, and a size bound every queue item meets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devops_orchestrator import constants as c
from devops_orchestrator.config import Settings
from devops_orchestrator.core.briefing import build_briefing
from devops_orchestrator.core.briefing_file import (
    ANNOTATIONS_LIMIT_BYTES,
    MAX_BRIEFING_BYTES,
    build_briefing_refusal,
)
from devops_orchestrator.core.decision import JobToCreate
from devops_orchestrator.core.item_limits import MAX_CONTEXT_BYTES, MAX_ITEM_BYTES
from devops_orchestrator.core.jobs import build_job_config, render_job
from devops_orchestrator.core.task_mapping import build_task_manifest
from devops_orchestrator.core.task_message import DeadLetter, parse_task_item
from devops_orchestrator.definitions import load_definitions
from devops_orchestrator.models import (
    Briefing,
    DevOpsTaskSpec,
    GitWorkspace,
    WorkerResult,
    WorkspaceSpec,
)

HOSTILE = (
    "line one\nline two\r\n\"quoted\" 'single' `tick` \\back\\slash "
    "$(HOME) $$(HOME) ${PATH} {{ .Values }} {% raw %} %s %n "
    "é ü 中文 😀 \u2028 \u200b \x00 \x07 \x1b[31mred\x1b[0m \x7f </script>"
)
SETTINGS = Settings()  # the operator's settings hold no secret (config.Secrets does)


def _render(briefing: Briefing) -> dict[str, Any]:
    job = JobToCreate(briefing.worker, 1, "t-docker-1", briefing, deadline_seconds=600)
    config = build_job_config(SETTINGS)
    return render_job(job, task_name="t", task_uid="uid-1", namespace="ns", config=config)


def _annotations(manifest: dict[str, Any]) -> dict[str, str]:
    annotations: dict[str, str] = manifest["spec"]["template"]["metadata"]["annotations"]
    return annotations


def _hostile_briefing(**extra: Any) -> Briefing:
    return Briefing(
        task_name="t",
        namespace="ns",
        worker="docker-worker",
        description=HOSTILE,
        requirements=[HOSTILE, "plain"],
        context={HOSTILE: [HOSTILE, {"nested": HOSTILE}], "n": 1.5},
        prompt=f"Task: {HOSTILE}",
        **extra,
    )


def test_the_briefing_reaches_the_pod_byte_exact() -> None:
    briefing = _hostile_briefing()
    manifest = _render(briefing)
    annotations = _annotations(manifest)
    assert list(annotations) == [c.ANNOTATION_BRIEFING]  # nothing else in the template
    text = annotations[c.ANNOTATION_BRIEFING]
    assert text == briefing.model_dump_json()  # the bytes the worker's file will hold
    assert "\n" not in text and "\x00" not in text and "\x1b" not in text  # escaped JSON
    assert Briefing.model_validate_json(text.encode()) == briefing
    decoded = json.loads(text)
    assert decoded["description"] == HOSTILE and decoded["requirements"][0] == HOSTILE
    assert decoded["context"][HOSTILE] == [HOSTILE, {"nested": HOSTILE}]
    assert "annotations" not in manifest["metadata"]  # on the pods only


def test_the_task_text_reaches_no_place_the_kubelet_interprets() -> None:
    manifest = _render(_hostile_briefing())
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    literal = [var["value"] for var in container["env"] if "value" in var]
    # $(VAR) in a literal env value is expanded by the kubelet: the text is in none.
    assert not any("$(" in value or "line one" in value for value in literal)
    assert "line one" not in json.dumps(container["command"])


def test_the_briefing_carries_no_secret() -> None:
    git = GitWorkspace(url="https://git.example/app.git", credentials_secret="git-creds")
    manifest = _render(_hostile_briefing(workspace=WorkspaceSpec(git=git)))
    text = _annotations(manifest)[c.ANNOTATION_BRIEFING]
    assert set(json.loads(text)) == set(Briefing.model_fields)  # the briefing, nothing more
    assert json.loads(text)["workspace"]["git"]["credentials_secret"] == "git-creds"  # a name
    env = manifest["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = {var["name"]: var.get("valueFrom", {}).get("secretKeyRef") for var in env}
    by_ref = {name: ref["name"] for name, ref in refs.items() if ref}
    assert by_ref["GIT_TOKEN"] == "git-creds" and by_ref["ANTHROPIC_API_KEY"] == "anthropic-api-key"


def _padded(size: int) -> Briefing:
    """A briefing whose JSON is exactly `size` bytes (UTF-8), padded with 'é'."""
    empty = Briefing(task_name="t", namespace="ns", worker="docker-worker", description="")
    room = size - len(empty.model_dump_json().encode())
    text = "é" * (room // 2) + "x" * (room % 2)
    padded = empty.model_copy(update={"description": text})
    assert len(padded.model_dump_json().encode()) == size
    return padded


def test_the_bound_counts_bytes_and_leaves_room_for_other_annotations() -> None:
    assert MAX_BRIEFING_BYTES + len(c.ANNOTATION_BRIEFING) <= ANNOTATIONS_LIMIT_BYTES - 16 * 1024
    assert build_briefing_refusal(_render(_padded(MAX_BRIEFING_BYTES))) is None
    refusal = build_briefing_refusal(_render(_padded(MAX_BRIEFING_BYTES + 1)))
    task_bytes = _json_size(_padded(MAX_BRIEFING_BYTES + 1).description) + len("[]{}")
    assert refusal == (
        f"worker pods cannot be created: the worker's briefing is {MAX_BRIEFING_BYTES + 1}"
        f" bytes, over the {MAX_BRIEFING_BYTES} a worker pod can carry (Kubernetes limits a"
        f" pod's annotations to 256 KiB): the task's description, requirements and context"
        f" take {task_bytes} bytes of it (twice: also in the prompt): shorten them"
    )


def test_results_handed_on_that_do_not_fit_are_named_as_the_cause() -> None:
    """A hostile earlier worker can report issues of any length: its own task's next
    worker fails, and the reason does not blame the task's text."""
    flood = WorkerResult(summary="s", issues=[{"message": "x" * 20_000}] * 20)
    briefing = _hostile_briefing(previous_results={"docker-worker": flood})
    refusal = build_briefing_refusal(_render(briefing))
    assert refusal is not None
    handed_on = _json_size({"docker-worker": flood.model_dump(mode="json")})
    assert refusal.endswith(f"the earlier workers' results take {handed_on} bytes of it")


def _json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def _longest(fill: str, limit: int, build: Any, top: int) -> int:
    """The most `fill` characters (up to `top`) for which build(n) stays within limit."""
    low, high = 0, top
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if _json_size(build(middle)) <= limit else (low, middle - 1)
    return low


def _largest_item(fill: str) -> str:
    """The largest queue item the bridge admits, its text all `fill`: the context at its
    limit, then the description, then requirements up to the item's."""
    context_chars = _longest(fill, MAX_CONTEXT_BYTES, lambda n: {"k": fill * n}, MAX_CONTEXT_BYTES)
    payload: dict[str, Any] = {"description": "", "requirements": [], "context": {}}
    item = {"task_id": "t-1", "payload": payload}
    payload["context"] = {"k": fill * context_chars}

    def with_description(n: int) -> dict[str, Any]:
        return {**item, "payload": {**payload, "description": fill * n}}

    payload["description"] = fill * _longest(fill, MAX_ITEM_BYTES, with_description, 8000)
    while len(payload["requirements"]) < 50:

        def with_requirement(n: int) -> dict[str, Any]:
            requirements = [*payload["requirements"], fill * n]
            return {**item, "payload": {**payload, "requirements": requirements}}

        chars = _longest(fill, MAX_ITEM_BYTES, with_requirement, 2000)
        if chars == 0:
            break
        payload["requirements"].append(fill * chars)
    return json.dumps(item, ensure_ascii=False)


@pytest.mark.parametrize("fill", ['"', "\\", "\x01", "é", "😀", "a"])
def test_every_queue_item_fits_with_room_for_earlier_results(fill: str) -> None:
    """The worst an item can do: JSON escapes (a quote is 2 bytes in the item and 4 in
    the prompt's context inside the briefing), multi-byte characters. The queue admits
    64 KiB; its briefing stays under 170 KiB, leaving the earlier stages ~70 KiB."""
    raw = _largest_item(fill)
    assert len(raw.encode()) > MAX_ITEM_BYTES - 8
    message = parse_task_item(raw.encode(), max_description_chars=8000)
    assert not isinstance(message, DeadLetter), message
    manifest = build_task_manifest(message, raw, namespace="ns", agent_id="a")
    spec = DevOpsTaskSpec.model_validate(manifest["spec"])
    earlier = WorkerResult(
        files_created=[f"deploy/k8s/manifest-{n}.yaml" for n in range(40)],
        summary=fill * 2000,
        docker_config={"image": "ghcr.io/org/app:1.0"},
    )
    briefing = build_briefing(
        spec=spec, task_name="t", task_uid="u", namespace="ns", worker="ci-worker", attempt=1,
        job_name="t-ci-1", result_configmap="t-ci-1-result", definitions=load_definitions(),
        previous_results={"docker-worker": earlier, "infra-worker": earlier}, brief=fill * 300,
    )  # fmt: skip
    job = _render(briefing)
    assert build_briefing_refusal(job) is None
    assert len(_annotations(job)[c.ANNOTATION_BRIEFING].encode()) < MAX_BRIEFING_BYTES - 40_000
    bare = briefing.model_copy(update={"previous_results": {}, "prompt": ""})
    assert len(bare.model_dump_json().encode()) < MAX_BRIEFING_BYTES - 170_000  # the fields
    assert Briefing.model_validate_json(_annotations(job)[c.ANNOTATION_BRIEFING]) == briefing


def test_a_kubectl_task_too_big_to_carry_is_refused_with_the_reason() -> None:
    """The CRD allows 50 requirements of 2,000 characters: 400 KB of 4-byte text."""
    spec = DevOpsTaskSpec(description="Containerize it", requirements=["😀" * 2000] * 50)
    briefing = build_briefing(
        spec=spec, task_name="t", task_uid="u", namespace="ns", worker="docker-worker",
        attempt=1, job_name="t-docker-1", result_configmap="r", previous_results={},
        definitions=load_definitions(),
    )  # fmt: skip
    refusal = build_briefing_refusal(_render(briefing))
    assert refusal is not None and refusal.startswith("worker pods cannot be created: ")
    assert refusal.endswith(
        "the task's description, requirements and context take 400219"
        " bytes of it (twice: also in the prompt): shorten them"
    )
