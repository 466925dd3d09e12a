"""A pod's volumes as local directories (later bind-mounted at their mountPaths)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devcluster.fieldpath import metadata_field_value
from devcluster.pod_env import Fetch, config_data, resource_value
from devcluster.pod_setup_error import PodSetupError

TokenRequester = Callable[[str, int, list[str]], str]  # (serviceAccount, seconds, audiences)
SUPPORTED = (
    "emptyDir",
    "configMap",
    "secret",
    "projected",
    "downwardAPI",
    "persistentVolumeClaim",
    "hostPath",
)


class MissingReferenceError(PodSetupError):
    """A referenced object does not exist (yet): worth waiting a little for."""


@dataclass
class VolumeContext:
    pod: dict[str, Any]
    directory: Path
    pvc_root: Path
    secrets: Fetch
    configmaps: Fetch
    pvcs: Fetch
    persistent_volume: Callable[[str], dict[str, Any] | None]
    request_token: TokenRequester
    owner: tuple[int, int] | None = None  # (uid, gid) that must be able to use the volumes


@dataclass
class Volumes:
    paths: dict[str, Path] = field(default_factory=dict)
    service_account_token: str | None = None  # from a projected serviceAccountToken source


def _chown(path: Path, owner: tuple[int, int] | None) -> None:
    if owner is None:
        return
    os.chown(path, *owner)
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            for name in dirs + files:
                with contextlib.suppress(OSError):
                    os.chown(os.path.join(root, name), *owner, follow_symlinks=False)


def _write(directory: Path, relative: str, data: bytes, mode: int) -> None:
    # The API server refuses these paths; a node agent that trusted it would write
    # anywhere the path leads (an absolute path replaces `directory` when joined).
    if not relative or Path(relative).is_absolute() or ".." in Path(relative).parts:
        raise PodSetupError("InvalidVolume", f"path {relative!r} escapes the volume")
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.chmod(mode)


def _fetch_keys(
    kind: str, fetch: Fetch, namespace: str, ref: dict[str, Any], name_key: str
) -> dict[str, bytes] | None:
    name = ref[name_key]
    obj = fetch(namespace, name)
    if obj is None:
        if ref.get("optional"):
            return None
        raise MissingReferenceError(
            "CreateContainerConfigError", f'{kind} "{name}" not found in {namespace}'
        )
    return config_data(obj, secret=kind == "secret")


def _project_keys(target: Path, data: dict[str, bytes], ref: dict[str, Any], mode: int) -> None:
    items = ref.get("items")
    if not items:
        for key, value in data.items():
            _write(target, key, value, mode)
        return
    for item in items:
        if item["key"] not in data:
            if ref.get("optional"):
                continue
            raise MissingReferenceError(
                "CreateContainerConfigError", f"key {item['key']!r} not found"
            )
        _write(target, item["path"], data[item["key"]], item.get("mode", mode))


def _downward_value(ctx: VolumeContext, item: dict[str, Any]) -> str:
    """One downwardAPI item's content: a fieldRef to the pod's own metadata, or a
    resourceFieldRef to a named container's resources (the kubelet's two kinds)."""
    if "fieldRef" in item and "resourceFieldRef" not in item:
        return metadata_field_value(ctx.pod, item["fieldRef"]["fieldPath"])
    if "resourceFieldRef" in item and "fieldRef" not in item:
        ref = item["resourceFieldRef"]
        containers = ctx.pod["spec"].get("containers") or []
        container = next((c for c in containers if c["name"] == ref.get("containerName")), None)
        if container is None:
            raise PodSetupError(
                "InvalidVolume", f"resourceFieldRef: no container {ref.get('containerName')!r}"
            )
        return resource_value(container, ref)
    raise PodSetupError(
        "InvalidVolume", f"downwardAPI item {item.get('path')!r}: one of fieldRef, resourceFieldRef"
    )


def _downward(ctx: VolumeContext, target: Path, items: list[dict[str, Any]], mode: int) -> None:
    for item in items:
        value = _downward_value(ctx, item)
        _write(target, item["path"], value.encode(), item.get("mode", mode))


def _projected(ctx: VolumeContext, target: Path, spec: dict[str, Any], out: Volumes) -> None:
    namespace = ctx.pod["metadata"]["namespace"]
    mode = spec.get("defaultMode", 0o644)
    for source in spec.get("sources") or []:
        if "secret" in source:
            data = _fetch_keys("secret", ctx.secrets, namespace, source["secret"], "name")
            if data is not None:
                _project_keys(target, data, source["secret"], mode)
        elif "configMap" in source:
            data = _fetch_keys("configmap", ctx.configmaps, namespace, source["configMap"], "name")
            if data is not None:
                _project_keys(target, data, source["configMap"], mode)
        elif "downwardAPI" in source:
            _downward(ctx, target, source["downwardAPI"].get("items") or [], mode)
        elif "serviceAccountToken" in source:
            sat = source["serviceAccountToken"]
            audiences = [sat["audience"]] if sat.get("audience") else []
            token = ctx.request_token(
                ctx.pod["spec"].get("serviceAccountName") or "default",
                int(sat.get("expirationSeconds", 3607)),
                audiences,
            )
            _write(target, sat["path"], token.encode(), mode)
            if not audiences:
                out.service_account_token = token
        else:
            raise PodSetupError(
                "UnsupportedVolume",
                f"projected source {sorted(source)} is not supported by the devcluster node agent",
            )


def _claim_dir(ctx: VolumeContext, claim: str) -> Path:
    namespace = ctx.pod["metadata"]["namespace"]
    pvc = ctx.pvcs(namespace, claim)
    if pvc is None:
        raise MissingReferenceError(
            "CreateContainerConfigError", f'persistentvolumeclaim "{claim}" not found'
        )
    volume_name = (pvc.get("spec") or {}).get("volumeName")
    if volume_name:
        pv = ctx.persistent_volume(volume_name)
        host_path: str | None = ((pv or {}).get("spec") or {}).get("hostPath", {}).get("path")
        if host_path:
            Path(host_path).mkdir(parents=True, exist_ok=True)
            return Path(host_path)
    target: Path = ctx.pvc_root / namespace / claim
    target.mkdir(parents=True, exist_ok=True)
    return target


def _host_path(spec: dict[str, Any]) -> Path:
    path, kind = Path(spec["path"]), spec.get("type", "")
    if kind == "DirectoryOrCreate":
        path.mkdir(parents=True, exist_ok=True)
    elif kind == "FileOrCreate":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    elif kind == "Directory" and not path.is_dir():
        raise PodSetupError("InvalidHostPath", f"hostPath {path} is not a directory")
    elif kind == "File" and not path.is_file():
        raise PodSetupError("InvalidHostPath", f"hostPath {path} is not a file")
    return path


def materialize_volumes(ctx: VolumeContext) -> Volumes:
    out = Volumes()
    namespace = ctx.pod["metadata"]["namespace"]
    base = ctx.directory / "volumes"
    for volume in ctx.pod["spec"].get("volumes") or []:
        name = volume["name"]
        kind = next((k for k in SUPPORTED if k in volume), None)
        if kind is None:
            other = sorted(set(volume) - {"name"})
            raise PodSetupError(
                "UnsupportedVolume",
                f"volume {name!r}: type {other} is not supported by the devcluster node agent",
            )
        if kind == "persistentVolumeClaim":
            out.paths[name] = _claim_dir(ctx, volume[kind]["claimName"])
            continue
        if kind == "hostPath":
            out.paths[name] = _host_path(volume[kind])
            continue
        target = base / name
        target.mkdir(parents=True, exist_ok=True)
        spec = volume[kind] or {}
        if kind == "emptyDir":
            target.chmod(0o777)  # as the kubelet does: any user of the pod may write
        elif kind == "configMap":
            data = _fetch_keys("configmap", ctx.configmaps, namespace, spec, "name")
            _project_keys(target, data or {}, spec, spec.get("defaultMode", 0o644))
        elif kind == "secret":
            data = _fetch_keys("secret", ctx.secrets, namespace, spec, "secretName")
            _project_keys(target, data or {}, spec, spec.get("defaultMode", 0o644))
        elif kind == "projected":
            _projected(ctx, target, spec, out)
        elif kind == "downwardAPI":
            _downward(ctx, target, spec.get("items") or [], spec.get("defaultMode", 0o644))
        _chown(target, ctx.owner)
        out.paths[name] = target
    return out
