"""KWOK (`sigs.k8s.io/kwok`, built by `hack/build-kwok.sh`) as a controller process
against the local API server: one simulated node, and stages that start each pod of a
Job at once and complete it after a fixed "worker" time. Thousands of worker Jobs then
run without a process each; only the control plane and the operator do real work.

Results travel in the worker's log (a result frame at its end, read by the operator):
KWOK's server answers every worker container's `pods/log` with one prepared log.

The builders are pure (`build_*`, `render_*`); `Kwok` starts and stops the process."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devops_orchestrator.core.jobs import CONTAINER_NAME

REPO = Path(__file__).resolve().parents[1]
BUILD_SCRIPT = REPO / "hack" / "build-kwok.sh"
NODE_NAME = "kwok-node-0"
# KWOK manages the nodes carrying this annotation, and only the pods bound to them.
MANAGED_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
STAGE_API = "kwok.x-k8s.io/v1alpha1"
# Room for every pod of a large run: the scheduler counts requests against these.
CAPACITY = {"cpu": "10k", "memory": "100Ti", "ephemeral-storage": "100Ti", "pods": "100k"}

_NODE_READY = """\
{{ $now := Now }}
conditions:
- type: Ready
  status: "True"
  reason: KubeletReady
  message: simulated by kwok
  lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
addresses:
- type: InternalIP
  address: {{ NodeIP | Quote }}
daemonEndpoints:
  kubeletEndpoint:
    Port: {{ NodePort }}
capacity: %(capacity)s
allocatable: %(capacity)s
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  kubeletVersion: {{ printf "kwok-%%s" Version | Quote }}
  kubeProxyVersion: ""
  containerRuntimeVersion: kwok
  kernelVersion: kwok
  osImage: kwok
  machineID: ""
  systemUUID: ""
  bootID: ""
phase: Running
"""

_POD_RUNNING = """\
{{ $now := Now }}
conditions:
- type: Initialized
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
- type: Ready
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
- type: ContainersReady
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: true
  started: true
  restartCount: 0
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
phase: Running
startTime: {{ $now | Quote }}
"""

_POD_SUCCEEDED = """\
{{ $now := Now }}
{{ $root := . }}
containerStatuses:
{{ range $index, $item := .spec.containers }}
{{ $running := index $root.status.containerStatuses $index }}
- name: {{ $item.name | Quote }}
  image: {{ $item.image | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $running.state.running.startedAt | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: Succeeded
"""


def _selector(*expressions: tuple[str, str, list[str] | None]) -> dict[str, Any]:
    out = []
    for key, operator, values in expressions:
        item: dict[str, Any] = {"key": key, "operator": operator}
        if values is not None:
            item["values"] = values
        out.append(item)
    return {"matchExpressions": out}


def _stage(
    name: str, kind: str, selector: dict[str, Any], delay_ms: int, nxt: dict[str, Any]
) -> dict[str, Any]:
    spec: dict[str, Any] = {"resourceRef": {"apiGroup": "v1", "kind": kind}, "selector": selector}
    if delay_ms > 0:
        spec["delay"] = {"durationMilliseconds": delay_ms}
    spec["next"] = nxt
    return {"apiVersion": STAGE_API, "kind": "Stage", "metadata": {"name": name}, "spec": spec}


def build_stages(worker_seconds: float) -> list[dict[str, Any]]:
    """The life of the simulated node and pods: the node turns Ready; a bound pod runs at
    once; a Job's running pod succeeds after `worker_seconds`; a deleted pod goes."""
    if worker_seconds < 0:
        raise ValueError("worker_seconds must be >= 0")
    capacity = "{" + ", ".join(f"{k}: {v}" for k, v in CAPACITY.items()) + "}"
    not_deleted = (".metadata.deletionTimestamp", "DoesNotExist", None)
    return [
        _stage(
            "bench-node-ready",
            "Node",
            _selector(
                ('.status.conditions.[] | select(.type == "Ready") | .status', "NotIn", ["True"])
            ),
            0,
            {"statusTemplate": _NODE_READY % {"capacity": capacity}},
        ),
        _stage(
            "bench-pod-run",
            "Pod",
            _selector(not_deleted, (".status.phase", "In", ["Pending"])),
            0,
            {"statusTemplate": _POD_RUNNING},
        ),
        _stage(
            "bench-pod-succeed",
            "Pod",
            _selector(
                not_deleted,
                (".status.phase", "In", ["Running"]),
                (".metadata.ownerReferences.[].kind", "In", ["Job"]),
            ),
            round(worker_seconds * 1000),
            {"statusTemplate": _POD_SUCCEEDED},
        ),
        _stage(
            "bench-pod-delete",
            "Pod",
            _selector(
                (".metadata.deletionTimestamp", "Exists", None),
                (".metadata.finalizers", "DoesNotExist", None),
            ),
            0,
            {"delete": True},
        ),
    ]


def build_cluster_logs(logs_file: Path) -> dict[str, Any]:
    """Every worker container's log is `logs_file` (KWOK's server answers `pods/log`)."""
    return {
        "apiVersion": STAGE_API,
        "kind": "ClusterLogs",
        "metadata": {"name": "bench-worker-logs"},
        "spec": {"logs": [{"containers": [CONTAINER_NAME], "logsFile": str(logs_file)}]},
    }


def render_config(worker_seconds: float, logs_file: Path) -> str:
    """KWOK's `--config` file: the stages and the worker log, as a multi-document YAML."""
    docs = [*build_stages(worker_seconds), build_cluster_logs(logs_file)]
    return yaml.safe_dump_all(docs, sort_keys=False)


def build_node(name: str = NODE_NAME) -> dict[str, Any]:
    """The simulated node: no taint, so the worker Jobs' pods land on it as they are."""
    key, value = MANAGED_ANNOTATION
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {key: value},
            "labels": {"type": "kwok", "kubernetes.io/hostname": name},
        },
        "spec": {},
    }


@dataclass(frozen=True)
class Server:
    """KWOK's kubelet-like server, where the API server fetches pod logs: its port and a
    serving certificate the API server trusts (signed by the cluster CA, for 127.0.0.1)."""

    port: int
    cert: Path
    key: Path


def build_argv(binary: Path, kubeconfig: Path, config: Path, server: Server) -> list[str]:
    key, value = MANAGED_ANNOTATION
    return [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--config={config}",
        f"--manage-nodes-with-annotation-selector={key}={value}",
        "--node-lease-duration-seconds=40",
        "--node-ip=127.0.0.1",
        f"--node-port={server.port}",
        f"--server-address=127.0.0.1:{server.port}",
        f"--tls-cert-file={server.cert}",
        f"--tls-private-key-file={server.key}",
    ]


def kwok_binary() -> Path:
    """Builds KWOK on first use (cached by version), returns its path."""
    subprocess.run(["bash", str(BUILD_SCRIPT)], check=True, stdout=subprocess.DEVNULL)
    out = subprocess.run(
        ["bash", str(BUILD_SCRIPT), "--print-bin"], check=True, capture_output=True, text=True
    ).stdout
    return Path(out.strip()) / "kwok"


class Kwok:
    """The KWOK controller as a child process; its log beside the benchmark's state."""

    def __init__(self, work_dir: Path) -> None:
        self.dir = work_dir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("kwok is not running")
        return self.proc.pid

    def start(self, kubeconfig: Path, worker_seconds: float, server: Server, log: str) -> None:
        """`log`: what every simulated worker container printed (its result frame last)."""
        logs_file = self.dir / "worker.log"
        logs_file.write_text(log)
        config = self.dir / "kwok.yaml"
        config.write_text(render_config(worker_seconds, logs_file))
        argv = build_argv(kwok_binary(), kubeconfig, config, server)
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        with (self.dir / "kwok.log").open("ab") as out:
            self.proc = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
