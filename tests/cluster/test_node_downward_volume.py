"""The node agent's downwardAPI volumes, as the kubelet renders them: an annotation's
value byte for byte, whole maps in Go's quoting, modes, and a clear refusal of what a
kubelet refuses (fields that are not the pod's own metadata, paths out of the volume)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devcluster.pod_setup_error import PodSetupError
from devcluster.pod_volumes import VolumeContext, materialize_volumes

BRIEFING_KEY = "devops.agentnet.dev/briefing"
MEMORY = {"containerName": "worker", "resource": "limits.memory"}
HOSTILE = '{"description":"a\\nb \\"q\\" $(HOME) {{x}} é 😀 \\u0000"}\n\t\u2028 trailing '


def _pod(volumes: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    metadata = {"name": "w-1", "namespace": "team-a", "uid": "uid-7", **meta}
    container = {"name": "worker", "resources": {"limits": {"memory": "512Mi"}}}
    return {"metadata": metadata, "spec": {"volumes": volumes, "containers": [container]}}


def _materialize(pod: dict[str, Any], tmp_path: Path) -> Path:
    def nothing(namespace: str, name: str) -> None:
        return None

    ctx = VolumeContext(
        pod=pod,
        directory=tmp_path,
        pvc_root=tmp_path / "pvc",
        secrets=nothing,
        configmaps=nothing,
        pvcs=nothing,
        persistent_volume=lambda name: None,
        request_token=lambda account, seconds, audiences: "token",
    )
    return materialize_volumes(ctx).paths["info"]


def _downward(*items: dict[str, Any], **source: Any) -> list[dict[str, Any]]:
    return [{"name": "info", "downwardAPI": {"items": list(items), **source}}]


def _field(path: str, field: str, **item: Any) -> dict[str, Any]:
    return {"path": path, "fieldRef": {"fieldPath": field}, **item}


def test_an_annotation_becomes_the_file_byte_for_byte(tmp_path: Path) -> None:
    item = _field("briefing.json", f"metadata.annotations['{BRIEFING_KEY}']")
    pod = _pod(_downward(item, defaultMode=0o444), annotations={BRIEFING_KEY: HOSTILE})
    volume = _materialize(pod, tmp_path)
    assert (volume / "briefing.json").read_bytes() == HOSTILE.encode("utf-8")
    assert (volume / "briefing.json").stat().st_mode & 0o777 == 0o444


def test_metadata_fields_maps_and_modes(tmp_path: Path) -> None:
    labels = {"team": "devops", "quote": 'say "hi"\n', "zero": "\x00é"}
    items = [
        _field("name", "metadata.name"),
        _field("ns/namespace", "metadata.namespace", mode=0o400),
        _field("uid", "metadata.uid"),
        _field("team", "metadata.labels['team']"),
        _field("missing", "metadata.annotations['absent.example/key']"),
        _field("labels", "metadata.labels"),
        {"path": "memory", "resourceFieldRef": {**MEMORY, "divisor": "1Mi"}},
    ]
    volume = _materialize(_pod(_downward(*items), labels=labels), tmp_path)
    files = ("name", "ns/namespace", "uid", "team", "missing", "memory")
    read = {path: (volume / path).read_text() for path in files}
    assert read == {
        "name": "w-1", "ns/namespace": "team-a", "uid": "uid-7", "team": "devops",
        "missing": "", "memory": "512",
    }  # fmt: skip
    # Go's %q per value, sorted, no newline at the end (fieldpath.FormatMap)
    expected = 'quote="say \\"hi\\"\\n"\nteam="devops"\nzero="\\x00é"'
    assert (volume / "labels").read_text() == expected
    assert (volume / "ns" / "namespace").stat().st_mode & 0o777 == 0o400
    assert (volume / "name").stat().st_mode & 0o777 == 0o644  # the kubelet's default


def test_a_projected_downward_source_is_the_same(tmp_path: Path) -> None:
    item = _field("briefing.json", f"metadata.annotations['{BRIEFING_KEY}']")
    source = {"sources": [{"downwardAPI": {"items": [item]}}], "defaultMode": 0o440}
    pod = _pod([{"name": "info", "projected": source}], annotations={BRIEFING_KEY: HOSTILE})
    volume = _materialize(pod, tmp_path)
    assert (volume / "briefing.json").read_bytes() == HOSTILE.encode()
    assert (volume / "briefing.json").stat().st_mode & 0o777 == 0o440


@pytest.mark.parametrize(
    ("item", "reason", "message"),
    [
        (_field("node", "spec.nodeName"), "CreateContainerConfigError", "unsupported fieldPath"),
        (_field("ip", "status.podIP"), "CreateContainerConfigError", "unsupported fieldPath"),
        (_field("x", "metadata.name['x']"), "CreateContainerConfigError", "does not support"),
        (_field("x", "metadata.labels['bad key!']"), "CreateContainerConfigError", "invalid key"),
        ({"path": "x"}, "InvalidVolume", "one of fieldRef, resourceFieldRef"),
        (_field("/etc/passwd", "metadata.name"), "InvalidVolume", "escapes the volume"),
        (_field("../up", "metadata.name"), "InvalidVolume", "escapes the volume"),
        (
            {"path": "m", "resourceFieldRef": {"containerName": "other", "resource": "limits.cpu"}},
            "InvalidVolume",
            "no container 'other'",
        ),
    ],
)
def test_what_a_kubelet_refuses_fails_the_pod(
    tmp_path: Path, item: dict[str, Any], reason: str, message: str
) -> None:
    with pytest.raises(PodSetupError) as caught:
        _materialize(_pod(_downward(item)), tmp_path)
    assert caught.value.reason == reason and message in caught.value.message
