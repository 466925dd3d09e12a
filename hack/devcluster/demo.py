"""`python -m devcluster demo` (`make demo`): from a fresh clone to finished tasks.

Starts (or reuses) the local cluster and a Redis, installs the CRDs and the operator
from the manifests (overlays/local, plus the Redis URL and free ports of this machine),
seeds the sample app into two PersistentVolumes (the task's own, and the agent network's
shared `/workspace`), then submits a task both ways: a DevOpsTask with kubectl, and a
Redis task with `devopsctl submit --wait` whose `context.workspace` names the app on the
network's workspace, where its files appear. Everything it starts stops with
`make cluster-down`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devcluster import launcher, processes
from devcluster.readiness import NotReadyError
from devcluster.redis_server import RedisStartError, ensure_redis
from devcluster.state import ClusterPaths, default_state_dir
from devops_orchestrator.core.status import is_final
from devops_orchestrator.core.task_mapping import build_task_name

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "manifests"
LOCAL_OVERLAY = MANIFESTS / "overlays" / "local"
SAMPLE_APP = REPO / "examples" / "sample-app"
DEMO_TASK = REPO / "examples" / "demo-task.yaml"
NAMESPACE = "devops-orchestrator"
DEPLOYMENT = "devops-orchestrator"
CLAIM = "sample-app-workspace"
NETWORK_CLAIM = "agent-network-workspace"  # what the agent network mounts as /workspace
NETWORK_ROOT = "/workspace"
NETWORK_PROJECT = "sample-app"  # the Redis task works on /workspace/sample-app
WORKER_UID = 10001  # the workers' runAsUser: the workspace must be theirs
CRDS = ("devopstasks.devops.agentnet.dev", "clusterkopfpeerings.kopf.dev", "kopfpeerings.kopf.dev")
TASK_TIMEOUT = float(os.environ.get("DEMO_TASK_TIMEOUT", "900"))
REDIS_DESCRIPTION = "Containerize the sample Express application and add a CI pipeline"
REDIS_REQUIREMENTS = ("Multi-stage build", "Non-root user", "GitHub Actions CI running npm test")
# No project_type: the workers find the stack in the project on the shared workspace.
REDIS_CONTEXT = {"workspace": f"{NETWORK_ROOT}/{NETWORK_PROJECT}", "framework": "express"}
STEPS = 7


class DemoError(RuntimeError):
    """A step failed; the message says which and how to look closer."""


@dataclass(frozen=True)
class Kubectl:
    binary: Path
    kubeconfig: Path

    def __call__(
        self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        run = subprocess.run(
            [str(self.binary), f"--kubeconfig={self.kubeconfig}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and run.returncode != 0:
            raise DemoError(f"kubectl {' '.join(args)} failed:\n{run.stderr.strip()}")
        return run

    def json(self, *args: str) -> dict[str, Any] | None:
        run = self("get", *args, "-o", "json", check=False)
        if run.returncode != 0:
            if "NotFound" in run.stderr or "not found" in run.stderr:
                return None
            raise DemoError(f"kubectl get {' '.join(args)} failed:\n{run.stderr.strip()}")
        found: dict[str, Any] = json.loads(run.stdout)
        return found


def say(step: int, text: str) -> None:
    print(f"\n==> [{step}/{STEPS}] {text}", flush=True)


def note(text: str) -> None:
    print(f"    {text}", flush=True)


# --- Redis on the host's loopback ------------------------------------------------------


# --- The operator from the manifests ---------------------------------------------------


def write_local_overlay(
    directory: Path,
    *,
    redis_url: str,
    metrics_port: int,
    health_port: int,
    base: Path = LOCAL_OVERLAY,
) -> Path:
    """A kustomization on top of overlays/local with this machine's Redis URL and free
    ports (pods share the host's network here). Returns its directory."""
    directory.mkdir(parents=True, exist_ok=True)
    relative = os.path.relpath(base, directory)
    ports = [
        {
            "op": "replace",
            "path": f"/spec/template/spec/containers/0/ports/{i}/containerPort",
            "value": port,
        }
        for i, port in enumerate((metrics_port, health_port))
    ]
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [relative],
        "secretGenerator": [
            {
                "name": "devops-orchestrator-redis",
                "behavior": "merge",
                "literals": [f"DEVOPS_REDIS_URL={redis_url}"],
            }
        ],
        "configMapGenerator": [
            {
                "name": "devops-orchestrator-config",
                "behavior": "merge",
                "literals": [
                    f"DEVOPS_SHARED_WORKSPACE_CLAIM={NETWORK_CLAIM}",
                    f"DEVOPS_SHARED_WORKSPACE_ROOT={NETWORK_ROOT}",
                    f"DEVOPS_METRICS_PORT={metrics_port}",
                    f"DEVOPS_HEALTH_PORT={health_port}",
                ],
            }
        ],
        "patches": [
            {"target": {"kind": "Deployment", "name": DEPLOYMENT}, "patch": yaml.safe_dump(ports)}
        ],
    }
    (directory / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    return directory


def _wait(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise DemoError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


def _namespace_usable(kubectl: Kubectl) -> bool:
    ns = kubectl.json("namespace", NAMESPACE)
    return ns is None or ns.get("status", {}).get("phase") != "Terminating"


def install_operator(kubectl: Kubectl, overlay: Path, timeout: float = 240) -> None:
    """CRDs first (custom objects need them established), then the whole overlay, then
    wait until the Deployment has rolled out."""
    kubectl("apply", "-k", str(MANIFESTS / "crd"))
    kubectl(
        "wait", "--for=condition=Established", "--timeout=60s", *(f"crd/{name}" for name in CRDS)
    )
    _wait(
        f"namespace {NAMESPACE} to finish terminating", lambda: _namespace_usable(kubectl), timeout
    )
    kubectl("apply", "-k", str(overlay))
    kubectl(
        "rollout",
        "status",
        f"deployment/{DEPLOYMENT}",
        "-n",
        NAMESPACE,
        f"--timeout={int(timeout)}s",
        timeout=timeout + 30,
    )


# --- The workspace: the sample app on a PersistentVolume --------------------------------


def seed_workspace(target: Path, source: Path = SAMPLE_APP, *, clear: Path | None = None) -> None:
    """A fresh copy of the sample app, owned by the workers' uid (or open to it);
    `clear` (default: `target`) is emptied first and handed to the workers too."""
    clear = clear or target
    shutil.rmtree(clear, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("node_modules"))
    for root, dirs, files in os.walk(clear):
        for name in [".", *dirs, *files]:
            path = os.path.join(root, name)
            try:
                os.chown(path, WORKER_UID, WORKER_UID)
            except PermissionError:  # not root: let any uid write instead
                os.chmod(path, 0o777 if os.path.isdir(path) else 0o666)


def build_workspace_volume(path: Path, namespace: str, claim: str) -> list[dict[str, Any]]:
    """A hostPath PersistentVolume pre-bound to a claim (the node agent mounts the host
    folder into the workers: pods are local processes here)."""
    pv_name = f"{claim}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
    storage = {"storage": "1Gi"}
    return [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": pv_name},
            "spec": {
                "capacity": storage,
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": "",
                "hostPath": {"path": str(path), "type": "Directory"},
                "claimRef": {"namespace": namespace, "name": claim},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim, "namespace": namespace},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "",
                "volumeName": pv_name,
                "resources": {"requests": storage},
            },
        },
    ]


def ensure_workspace_volume(
    kubectl: Kubectl,
    path: Path,
    namespace: str = NAMESPACE,
    claim: str = CLAIM,
    timeout: float = 60,
) -> None:
    manifests = build_workspace_volume(path, namespace, claim)
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(manifests))

    def bound() -> bool:
        pvc = kubectl.json("pvc", claim, "-n", namespace)
        return pvc is not None and pvc.get("status", {}).get("phase") == "Bound"

    _wait(f"claim {claim} to be bound", bound, timeout)


# --- Tasks -----------------------------------------------------------------------------


def set_api_key_secret(kubectl: Kubectl, namespace: str = NAMESPACE) -> str:
    """The engine the workers will use: Claude when ANTHROPIC_API_KEY is set (stored in
    the Secret the workers read), else the deterministic generator."""
    key = os.environ.get("ANTHROPIC_API_KEY", "")
    if not key:
        kubectl("delete", "secret", "anthropic-api-key", "-n", namespace, "--ignore-not-found")
        return "generator"
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": "anthropic-api-key", "namespace": namespace},
        "stringData": {"ANTHROPIC_API_KEY": key},
    }
    kubectl("apply", "-f", "-", stdin=json.dumps(secret))  # stdin: never in argv
    return "claude"


def submit_manifest(kubectl: Kubectl, path: Path, namespace: str = NAMESPACE) -> str:
    """`kubectl apply -f path` after removing an earlier run's task of the same name."""
    name: str = yaml.safe_load(path.read_text())["metadata"]["name"]
    kubectl(
        "delete",
        "devopstask",
        name,
        "-n",
        namespace,
        "--ignore-not-found",
        "--wait=true",
        timeout=120,
    )
    kubectl("apply", "-n", namespace, "-f", str(path))
    return name


def wait_for_task(
    kubectl: Kubectl,
    name: str,
    namespace: str = NAMESPACE,
    timeout: float = TASK_TIMEOUT,
    on_change: Callable[[str], None] = note,
) -> dict[str, Any]:
    """Poll the task until its phase is final; report each new phase/progress."""
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        task = kubectl.json("devopstask", name, "-n", namespace) or {}
        status = task.get("status") or {}
        line = (
            f"{name}: {status.get('phase', 'Pending')} {status.get('progress', '')} "
            f"{status.get('message', '')}".strip()
        )
        if line != last:
            on_change(line)
            last = line
        if is_final(status):
            return task
        if time.monotonic() > deadline:
            raise DemoError(f"task {name} not finished after {timeout:.0f}s: {line}")
        time.sleep(1)


@dataclass(frozen=True)
class Devopsctl:
    """The project's CLI, as a user runs it (the venv's `devopsctl` entry point)."""

    redis_url: str
    kubeconfig: Path

    def argv(self, *args: str) -> list[str]:
        binary = Path(sys.executable).parent / "devopsctl"
        return [
            str(binary),
            "--redis-url",
            self.redis_url,
            "--kubeconfig",
            str(self.kubeconfig),
            *args,
        ]

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args), capture_output=True, text=True, timeout=timeout, check=False
        )


@dataclass(frozen=True)
class RedisRun:
    task_id: str
    returncode: int
    output: list[str]


def submit_over_redis(ctl: Devopsctl, echo: Callable[[str], None] = note) -> RedisRun:
    """`devopsctl submit ... --wait`, its output streamed through `echo` as it comes."""
    args = [
        "submit",
        REDIS_DESCRIPTION,
        "--wait",
        "--timeout",
        str(int(TASK_TIMEOUT)),
        "--context",
        json.dumps(REDIS_CONTEXT),
    ]
    for requirement in REDIS_REQUIREMENTS:
        args += ["--requirement", requirement]
    echo("$ devopsctl submit " + " ".join(f"'{a}'" if " " in a else a for a in args[1:]))
    task_id, output = "", []
    with subprocess.Popen(
        ctl.argv(*args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            output.append(line)
            echo(line)
            if line.startswith("submitted ") and not task_id:
                task_id = line.split()[1]
        returncode = proc.wait(timeout=TASK_TIMEOUT + 60)
    return RedisRun(task_id, returncode, output)


def summarize_result(task: dict[str, Any]) -> list[str]:
    """The aggregated result (status.result) in a few lines."""
    result = (task.get("status") or {}).get("result") or {}
    lines = [
        f"status:        {result.get('status', '?')}",
        f"workers used:  {', '.join(result.get('workers_used', []))}",
        f"summary:       {result.get('summary', '')}",
    ]
    files = result.get("files_created", []) + result.get("files_modified", [])
    lines.append(f"files ({len(files)}):")
    lines += [f"  - {f}" for f in files]
    issues = result.get("issues", [])
    if issues:
        lines.append(f"issues ({len(issues)}):")
        lines += [f"  - [{i.get('severity', '?')}] {i.get('message', i)}" for i in issues[:10]]
    return lines


# --- The demo --------------------------------------------------------------------------


def run_demo(state_dir: Path | None = None) -> int:
    root = (state_dir or default_state_dir()).resolve()
    paths = ClusterPaths(root)
    try:
        return _run(paths)
    except (DemoError, RedisStartError, NotReadyError, subprocess.TimeoutExpired) as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        print(
            f"logs: {paths.logs}/ (control plane, node agent, redis); pods: "
            f"kubectl logs -n {NAMESPACE} deploy/{DEPLOYMENT}\n"
            "stop everything with: make cluster-down",
            file=sys.stderr,
        )
        return 1


def _run(paths: ClusterPaths) -> int:
    say(
        1,
        "Starting the local control plane (etcd, kube-apiserver, controller-manager, "
        "scheduler, node agent)",
    )
    info = launcher.up(paths.root)
    kubectl = Kubectl(info.bin_dir / "kubectl", info.kubeconfig)
    how = f"started in {info.started_in:.0f}s" if info.started_in else "already running"
    note(f"{how}: {info.server}")
    note(f"export KUBECONFIG={info.kubeconfig}; kubectl is {kubectl.binary}")

    say(2, "Starting Redis (the agent network's task queue) on a free loopback port")
    redis_url = f"redis://127.0.0.1:{ensure_redis(paths)}/0"
    note(redis_url)

    say(3, "Installing the CRDs and the operator: kubectl apply -k manifests/overlays/local")
    overlay = write_local_overlay(
        paths.root / "demo" / "overlay",
        redis_url=redis_url,
        metrics_port=processes.free_port(),
        health_port=processes.free_port(),
    )
    note(f"(through {overlay}, which adds this machine's Redis URL and free ports)")
    install_operator(kubectl, overlay)
    note(
        f"deployment/{DEPLOYMENT} is up in namespace {NAMESPACE} "
        "(its pod runs as a local process: `python -m devops_orchestrator`)"
    )

    say(4, "Preparing the workspace: the sample Express app on a PersistentVolume")
    workspace = paths.root / "demo" / "workspace"
    seed_workspace(workspace)
    shutil.rmtree(paths.root / "demo" / "artifacts", ignore_errors=True)  # an earlier run's
    ensure_workspace_volume(kubectl, workspace)
    engine = set_api_key_secret(kubectl)
    note(f"{workspace} <- examples/sample-app, claim {CLAIM}")
    network = paths.root / "demo" / "network"
    seed_workspace(network / NETWORK_PROJECT, clear=network)
    ensure_workspace_volume(kubectl, network, claim=NETWORK_CLAIM)
    note(
        f"{network} <- the agent network's {NETWORK_ROOT} (claim {NETWORK_CLAIM}), "
        f"with the app at {NETWORK_ROOT}/{NETWORK_PROJECT}"
    )
    note(
        "engine: "
        + (
            "Claude (ANTHROPIC_API_KEY is set)"
            if engine == "claude"
            else "the deterministic generator (set ANTHROPIC_API_KEY to use Claude)"
        )
    )

    say(5, f"Submitting a DevOpsTask: kubectl apply -n {NAMESPACE} -f examples/demo-task.yaml")
    name = submit_manifest(kubectl, DEMO_TASK)

    say(6, "Submitting a task over Redis, as the agent network does: devopsctl submit --wait")
    ctl = Devopsctl(redis_url, info.kubeconfig)
    redis_run = submit_over_redis(ctl)
    note(f"waiting for {name} (submitted with kubectl) ...")
    task = wait_for_task(kubectl, name)

    say(7, "Results")
    print(kubectl("get", "devopstasks", "-n", NAMESPACE).stdout.rstrip())
    print(
        f"\nAggregated result of {name} "
        f"(kubectl get dt {name} -n {NAMESPACE} -o jsonpath='{{.status.result}}'):"
    )
    for line in summarize_result(task):
        note(line)
    print(f"\nGenerated files of {name}: in its workspace {workspace}/")
    print(
        f"Generated files of the Redis task: on the network's workspace, "
        f"{REDIS_CONTEXT['workspace']} = {network / NETWORK_PROJECT}/"
    )
    names = [name] + ([build_task_name(redis_run.task_id)] if redis_run.task_id else [])
    for task_name in names:
        target = paths.root / "demo" / "artifacts" / task_name
        exported = ctl("artifacts", task_name, "-n", NAMESPACE, "-o", str(target))
        outcome = "" if exported.returncode == 0 else f"  (failed: {exported.stderr.strip()})"
        note(f"devopsctl artifacts {task_name} -n {NAMESPACE} -o {target}{outcome}")
    print(f"\nOperator logs: kubectl logs -n {NAMESPACE} deploy/{DEPLOYMENT}")
    print("Stop everything (cluster, operator, workers, Redis): make cluster-down")
    ok = task["status"]["phase"] == "Succeeded" and redis_run.returncode == 0
    print("\ndemo " + ("succeeded" if ok else "finished with problems (see above)"))
    return 0 if ok else 1
