"""A container's environment as the kubelet builds it: env, envFrom, valueFrom, $(VAR)."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable
from typing import Any

from devcluster.fieldpath import metadata_field_value
from devcluster.pod_setup_error import PodSetupError
from devcluster.pod_status import HOST_IP, POD_IP

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# (namespace, name) -> object dict or None when missing
Fetch = Callable[[str, str], dict[str, Any] | None]

_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")


def expand(value: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion: known names are replaced, $$ escapes, the rest stays."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _VAR.sub(sub, value)


def config_data(obj: dict[str, Any], secret: bool) -> dict[str, bytes]:
    """Keys of a ConfigMap (data + binaryData) or Secret (data, base64) as bytes."""
    out: dict[str, bytes] = {}
    if secret:
        for key, value in (obj.get("data") or {}).items():
            out[key] = base64.b64decode(value)
        for key, value in (obj.get("stringData") or {}).items():
            out[key] = value.encode()
    else:
        for key, value in (obj.get("data") or {}).items():
            out[key] = value.encode()
        for key, value in (obj.get("binaryData") or {}).items():
            out[key] = base64.b64decode(value)
    return out


def field_value(pod: dict[str, Any], path: str) -> str:
    """An env fieldRef: the pod's metadata (devcluster.fieldpath) or one of the values
    only the kubelet knows at run time."""
    spec = pod["spec"]
    runtime = {
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": HOST_IP,
        "status.hostIPs": HOST_IP,
        "status.podIP": POD_IP,
        "status.podIPs": POD_IP,
    }
    if path in runtime:
        return str(runtime[path])
    return metadata_field_value(pod, path)


_SUFFIX = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "m": 10**-3,
}


def quantity(text: str) -> float:
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(text))
    if not m:
        raise PodSetupError("CreateContainerConfigError", f"bad quantity {text!r}")
    return float(m.group(1)) * _SUFFIX.get(m.group(2), 1)


def resource_value(container: dict[str, Any], ref: dict[str, Any]) -> str:
    kind, _, name = ref["resource"].partition(".")
    resources = container.get("resources") or {}
    raw = (resources.get(kind) or {}).get(name)
    if raw is None:  # unset limits default to node allocatable in the kubelet
        raw = {"cpu": "32", "memory": "64Gi", "ephemeral-storage": "100Gi"}.get(name, "0")
    divisor = quantity(ref.get("divisor") or "1")
    return str(math.ceil(quantity(raw) / divisor))


def _ref_value(kind: str, ref: dict[str, Any], namespace: str, fetch: Fetch) -> str | None:
    obj = fetch(namespace, ref["name"])
    optional = bool(ref.get("optional"))
    if obj is None:
        if optional:
            return None
        raise PodSetupError("CreateContainerConfigError", f'{kind} "{ref["name"]}" not found')
    data = config_data(obj, secret=kind == "secret")
    if ref["key"] not in data:
        if optional:
            return None
        raise PodSetupError(
            "CreateContainerConfigError",
            f"couldn't find key {ref['key']} in {kind} {namespace}/{ref['name']}",
        )
    return data[ref["key"]].decode(errors="replace")


def resolve_env(
    pod: dict[str, Any],
    container: dict[str, Any],
    base: dict[str, str],
    secrets: Fetch,
    configmaps: Fetch,
) -> dict[str, str]:
    namespace = pod["metadata"]["namespace"]
    env = dict(base)
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for kind, fetch in (("configMapRef", configmaps), ("secretRef", secrets)):
            ref = source.get(kind)
            if ref is None:
                continue
            obj = fetch(namespace, ref["name"])
            if obj is None:
                if ref.get("optional"):
                    continue
                raise PodSetupError(
                    "CreateContainerConfigError", f'{kind[:-3]} "{ref["name"]}" not found'
                )
            for key, raw in config_data(obj, secret=kind == "secretRef").items():
                env[prefix + key] = raw.decode(errors="replace")
    for var in container.get("env") or []:
        value_from = var.get("valueFrom")
        value: str | None
        if value_from is None:
            value = expand(var.get("value", ""), env)
        elif "fieldRef" in value_from:
            value = field_value(pod, value_from["fieldRef"]["fieldPath"])
        elif "resourceFieldRef" in value_from:
            value = resource_value(container, value_from["resourceFieldRef"])
        elif "secretKeyRef" in value_from:
            value = _ref_value("secret", value_from["secretKeyRef"], namespace, secrets)
        elif "configMapKeyRef" in value_from:
            value = _ref_value("configmap", value_from["configMapKeyRef"], namespace, configmaps)
        else:
            raise PodSetupError("CreateContainerConfigError", f"unsupported valueFrom in {var}")
        if value is not None:
            env[var["name"]] = value
    return env


def venv_first(env: dict[str, str], venv_bin: str) -> dict[str, str]:
    """Our venv's bin leads PATH even when the pod sets its own PATH."""
    path = env.get("PATH", DEFAULT_PATH)
    if not path.startswith(venv_bin + ":"):
        env["PATH"] = f"{venv_bin}:{path}"
    return env


def build_base_env(pod: dict[str, Any], venv_bin: str, api_port: int) -> dict[str, str]:
    """What the kubelet puts in every container, plus our venv first on PATH."""
    return {
        "PATH": f"{venv_bin}:{DEFAULT_PATH}",
        "HOSTNAME": pod["metadata"]["name"],
        "HOME": "/root",
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(api_port),
        "KUBERNETES_SERVICE_PORT_HTTPS": str(api_port),
        "KUBERNETES_PORT": f"tcp://127.0.0.1:{api_port}",
        "KUBERNETES_PORT_443_TCP": f"tcp://127.0.0.1:{api_port}",
        "KUBERNETES_PORT_443_TCP_PROTO": "tcp",
        "KUBERNETES_PORT_443_TCP_ADDR": "127.0.0.1",
        "KUBERNETES_PORT_443_TCP_PORT": str(api_port),
    }
