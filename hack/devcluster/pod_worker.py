"""One thread per pod bound to the node: set up volumes and environment, run the init
containers then the containers as local processes, report status, honour restartPolicy,
activeDeadlineSeconds and deletion."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devcluster import podfiles
from devcluster.container import ContainerProcess
from devcluster.kubeconfig import build_kubeconfig, token_user, write_kubeconfig
from devcluster.node import rfc3339
from devcluster.pod_env import build_base_env, resolve_env, venv_first
from devcluster.pod_setup_error import PodSetupError
from devcluster.pod_status import ContainerState, build_pod_status, final_phase
from devcluster.pod_volumes import (
    MissingReferenceError,
    VolumeContext,
    Volumes,
    materialize_volumes,
)
from devcluster.rest import ApiError, KubeRest
from devcluster.state import ClusterPaths
from devcluster.subpath import resolve_sub_path

REPO_ROOT = Path(__file__).resolve().parents[2]  # hack/devcluster/ -> the repo

log = logging.getLogger("devcluster.pod")

RUNTIME_MOUNT = "/var/run/devcluster"  # the pod's kubeconfig (service-account token)
POLL = 0.2
MAX_BACKOFF = 10.0


@dataclass(frozen=True)
class AgentContext:
    api: KubeRest
    paths: ClusterPaths
    node: str
    server: str
    api_port: int
    ca_file: Path
    venv_bin: str
    marker: dict[str, str]
    setup_wait: float = 15.0  # how long a missing Secret/ConfigMap/PVC is waited for


def _epoch(timestamp: str) -> float:
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def should_restart(policy: str, exit_code: int) -> bool:
    return policy == "Always" or (policy == "OnFailure" and exit_code != 0)


class PodWorker(threading.Thread):
    def __init__(
        self, ctx: AgentContext, pod: dict[str, Any], on_exit: Callable[[str], None]
    ) -> None:
        meta, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
        super().__init__(name=f"pod-{meta['namespace']}/{meta['name']}", daemon=True)
        self.ctx, self.pod, self.on_exit = ctx, pod, on_exit
        self.uid, self.ns, self.pod_name = meta["uid"], meta["namespace"], meta["name"]
        self.policy: str = spec.get("restartPolicy", "Always")
        self.directory = podfiles.pod_dir(ctx.paths, self.ns, self.pod_name)
        self.init = [
            ContainerState(c["name"], c.get("image", "")) for c in spec.get("initContainers") or []
        ]
        self.main = [ContainerState(c["name"], c.get("image", "")) for c in spec["containers"]]
        self.procs: dict[str, ContainerProcess] = {}
        self.restart_at: dict[str, float] = {}
        self.specs: dict[str, dict[str, Any]] = {}
        self.start_time: str = status.get("startTime") or rfc3339()
        self.conditions: list[dict[str, Any]] = status.get("conditions") or []
        self.adopted = status.get("phase") == "Running"
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.deleting = bool(meta.get("deletionTimestamp"))
        self.gone = False
        self.shutting_down = False

    # --- signals from the agent's watch loop -------------------------------------------
    def update(self, pod: dict[str, Any]) -> None:
        with self.lock:
            self.pod = pod
            if pod["metadata"].get("deletionTimestamp"):
                self.deleting = True
        self.wake.set()

    def mark_gone(self) -> None:
        self.gone = self.deleting = True
        self.wake.set()

    def shutdown(self) -> None:
        self.shutting_down = True
        self.wake.set()

    def is_running(self, container: str) -> bool:
        proc = self.procs.get(container)
        return proc is not None and proc.poll() is None

    # --- lifecycle ------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._prepare_dir()
            if self.adopted and self.policy == "Never":
                self._fail("NodeAgentRestarted", "the node agent restarted while the pod ran")
                return
            self._report("Pending")
            if self._setup() and self._run_init():
                self._run_main()
        except Exception as exc:  # never let one pod take the agent down
            log.exception("pod %s/%s: agent error", self.ns, self.pod_name)
            self._kill_all(0)
            self._fail("NodeAgentError", f"{type(exc).__name__}: {exc}")
        finally:
            self._kill_all(0)
            self.on_exit(self.uid)

    def _prepare_dir(self) -> None:
        uid_file = self.directory / "uid"
        if uid_file.exists() and uid_file.read_text() != self.uid:
            shutil.rmtree(self.directory, ignore_errors=True)  # an older pod of that name
        (self.directory / "run").mkdir(parents=True, exist_ok=True)
        uid_file.write_text(self.uid)
        podfiles.write_containers(self.directory, [c.name for c in self.main])

    def _setup(self) -> bool:
        deadline = time.monotonic() + self.ctx.setup_wait
        while True:
            try:
                self.specs = self._build_specs()
                return True
            except MissingReferenceError as exc:
                if time.monotonic() > deadline:
                    self._fail(exc.reason, exc.message)
                    return False
                for c in self.init + self.main:
                    c.to_waiting(exc.reason, exc.message)
                self._report("Pending")
            except PodSetupError as exc:
                self._fail(exc.reason, exc.message)
                return False
            if self._wait(1.0):
                return False

    def _run_init(self) -> bool:
        for c in self.init:
            while True:
                self._start(c)
                self._report("Pending")
                while (code := self.procs[c.name].poll()) is None:
                    if self._wait(POLL) or self._deadline_exceeded():
                        return False
                c.to_terminated(code, rfc3339())
                if code == 0:
                    break
                if self.policy == "Never":
                    self._report("Failed")
                    return False
                c.restart()
                if self._wait(self._backoff(c)):
                    return False
        return True

    def _run_main(self) -> None:
        for c in self.main:
            self._start(c)
        self._report("Running")
        while True:
            if self._wait(POLL) or self._deadline_exceeded():
                return
            changed = False
            now = time.monotonic()
            for c in self.main:
                proc = self.procs.get(c.name)
                if c.state == "running" and proc is not None:
                    code = proc.poll()
                    if code is not None:
                        c.to_terminated(code, rfc3339())
                        changed = True
                        if should_restart(self.policy, code):
                            self.restart_at[c.name] = now + self._backoff(c)
                if c.name in self.restart_at and now >= self.restart_at[c.name]:
                    del self.restart_at[c.name]
                    c.restart()
                    self._start(c)
                    changed = True
            if all(c.state == "terminated" for c in self.main) and not self.restart_at:
                self._report(final_phase(self.main))
                return
            if changed:
                self._report("Running")

    def _wait(self, seconds: float) -> bool:
        """Sleep until woken; True when the pod is going away (and that has been handled)."""
        self.wake.wait(seconds)
        self.wake.clear()
        if self.shutting_down:
            return True
        if self.deleting:
            self._terminate_for_deletion()
            return True
        return False

    def _deadline_exceeded(self) -> bool:
        deadline = self.pod["spec"].get("activeDeadlineSeconds")
        if deadline is None or time.time() < _epoch(self.start_time) + float(deadline):
            return False
        self._kill_all(self._grace())
        message = "Pod was active on the node longer than the specified deadline"
        self._report("Failed", "DeadlineExceeded", message)
        return True

    @staticmethod
    def _backoff(c: ContainerState) -> float:
        return float(min(MAX_BACKOFF, 2 ** min(c.restart_count, 4)))

    def _grace(self) -> float:
        meta = self.pod["metadata"]
        grace = meta.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = self.pod["spec"].get("terminationGracePeriodSeconds", 30)
        return float(grace)

    def _terminate_for_deletion(self) -> None:
        if self.gone:
            self._kill_all(0)
            return
        self._kill_all(self._grace())
        for c in self.init + self.main:
            if c.state != "terminated":
                c.to_terminated(
                    137,
                    rfc3339(),
                    "ContainerStatusUnknown",
                    "the pod was deleted before the container started",
                )
        self._report(final_phase(self.main))
        try:  # grace 0 completes the deletion: nothing stays Terminating
            self.ctx.api.delete(
                f"/api/v1/namespaces/{self.ns}/pods/{self.pod_name}",
                {"gracePeriodSeconds": 0, "preconditions": {"uid": self.uid}},
            )
        except (ApiError, OSError) as exc:
            log.warning("pod %s/%s: final delete failed: %s", self.ns, self.pod_name, exc)

    # --- processes ------------------------------------------------------------------
    def _start(self, c: ContainerState) -> None:
        spec = self.specs[c.name]
        log_file = podfiles.log_file(self.directory, c.name, c.restart_count)
        log_file.unlink(missing_ok=True)
        self.procs[c.name] = ContainerProcess.start(
            spec, self.directory / "run" / f"{c.name}.json", log_file, self.ctx.marker
        )
        c.to_running(rfc3339())
        log.info(
            "pod %s/%s: started %s (pid %d, attempt %d)",
            self.ns,
            self.pod_name,
            c.name,
            self.procs[c.name].pid,
            c.restart_count,
        )

    def _kill_all(self, grace: float) -> None:
        running = {name: p for name, p in self.procs.items() if p.poll() is None}
        for p in running.values():
            p._signal(15)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(p.poll() is None for p in running.values()):
            time.sleep(0.05)
        for name, p in running.items():
            code = p.stop(0)
            for c in self.init + self.main:
                if c.name == name and c.state == "running":
                    c.to_terminated(code, rfc3339())

    # --- status ---------------------------------------------------------------------
    def _fail(self, reason: str, message: str) -> None:
        for c in self.init + self.main:
            if c.state != "terminated":
                c.to_terminated(128, rfc3339(), reason, message)
        self._report("Failed", reason, message)

    def _report(self, phase: str, reason: str = "", message: str = "") -> None:
        if self.gone or self.shutting_down:
            return
        status = build_pod_status(
            phase=phase,
            pod_uid=self.uid,
            init=self.init,
            main=self.main,
            start_time=self.start_time,
            now=rfc3339(),
            previous_conditions=self.conditions,
            reason=reason,
            message=message,
        )
        self.conditions = status["conditions"]
        path = f"/api/v1/namespaces/{self.ns}/pods/{self.pod_name}/status"
        deadline = time.monotonic() + 60  # ride out an apiserver restart
        while True:
            try:
                self.ctx.api.patch(path, {"status": status})
                return
            except ApiError as exc:
                if exc.status == 404:
                    self.gone = True
                    return
                if exc.status < 500 and exc.status != 429:
                    log.warning(
                        "pod %s/%s: status update rejected: %s", self.ns, self.pod_name, exc
                    )
                    return
                err: Exception = exc
            except OSError as exc:
                err = exc
            if time.monotonic() > deadline or self.shutting_down:
                log.warning("pod %s/%s: status update failed: %s", self.ns, self.pod_name, err)
                return
            time.sleep(0.5)

    # --- setup ----------------------------------------------------------------------
    def _fetch(self, resource: str) -> Callable[[str, str], dict[str, Any] | None]:
        def fetch(namespace: str, name: str) -> dict[str, Any] | None:
            found: dict[str, Any] | None = self.ctx.api.get(
                f"/api/v1/namespaces/{namespace}/{resource}/{name}"
            )
            if found is None and resource == "configmaps" and name == "kube-root-ca.crt":
                # Published by the controller-manager a moment after a namespace appears.
                found = {"data": {"ca.crt": self.ctx.ca_file.read_text()}}
            return found

        return fetch

    def _request_token(self, service_account: str, seconds: int, audiences: list[str]) -> str:
        body: dict[str, Any] = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {
                "expirationSeconds": max(seconds, 600),
                "boundObjectRef": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "name": self.pod_name,
                    "uid": self.uid,
                },
            },
        }
        if audiences:
            body["spec"]["audiences"] = audiences
        path = f"/api/v1/namespaces/{self.ns}/serviceaccounts/{service_account}/token"
        try:
            answer = self.ctx.api.create(path, body)
        except ApiError as exc:
            if exc.status == 404:
                raise MissingReferenceError(
                    "CreateContainerConfigError", f'serviceaccount "{service_account}" not found'
                ) from exc
            raise
        token: str = answer["status"]["token"]
        return token

    def _owner(self) -> tuple[int, int] | None:
        sc = self.pod["spec"].get("securityContext") or {}
        uids = [sc.get("runAsUser")] + [
            (c.get("securityContext") or {}).get("runAsUser")
            for c in self.pod["spec"]["containers"]
        ]
        uid = next((u for u in uids if u not in (None, 0)), None)
        if uid is None:
            return None
        return int(uid), int(sc.get("fsGroup", sc.get("runAsGroup", 0)))

    def _build_specs(self) -> dict[str, dict[str, Any]]:
        ctx, pod = self.ctx, self.pod
        owner = self._owner()
        volumes = materialize_volumes(
            VolumeContext(
                pod=pod,
                directory=self.directory,
                pvc_root=ctx.paths.volumes / "pvc",
                secrets=self._fetch("secrets"),
                configmaps=self._fetch("configmaps"),
                pvcs=self._fetch("persistentvolumeclaims"),
                persistent_volume=lambda name: ctx.api.get(f"/api/v1/persistentvolumes/{name}"),
                request_token=self._request_token,
                owner=owner,
            )
        )
        runtime = self._write_runtime(volumes, owner)
        containers = (pod["spec"].get("initContainers") or []) + pod["spec"]["containers"]
        return {c["name"]: self._container_spec(c, volumes, runtime) for c in containers}

    def _write_runtime(self, volumes: Volumes, owner: tuple[int, int] | None) -> Path | None:
        """A kubeconfig with the pod's service-account token (KUBECONFIG in the pod)."""
        if volumes.service_account_token is None:
            return None
        runtime = self.directory / "runtime"
        runtime.mkdir(exist_ok=True)
        config = build_kubeconfig(
            self.ctx.server, self.ctx.ca_file, token_user(volumes.service_account_token)
        )
        write_kubeconfig(runtime / "kubeconfig", config)
        if owner is not None:
            os.chown(runtime / "kubeconfig", *owner)
        return runtime

    def _container_spec(
        self, c: dict[str, Any], volumes: Volumes, runtime: Path | None
    ) -> dict[str, Any]:
        pod = self.pod
        argv = list(c.get("command") or []) + list(c.get("args") or [])
        if not argv:
            raise PodSetupError(
                "StartError",
                f"container {c['name']!r} has no command: the "
                "devcluster node agent cannot run image entrypoints",
            )
        base = build_base_env(pod, self.ctx.venv_bin, self.ctx.api_port)
        env = resolve_env(pod, c, base, self._fetch("secrets"), self._fetch("configmaps"))
        env = venv_first(env, self.ctx.venv_bin)
        env.update(self.ctx.marker)
        pod_sc = pod["spec"].get("securityContext") or {}
        sc = c.get("securityContext") or {}
        uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
        gid = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
        groups = [
            g
            for g in [pod_sc.get("fsGroup"), *(pod_sc.get("supplementalGroups") or [])]
            if g is not None
        ]
        if uid not in (None, 0):
            env.setdefault("HOME", "/")
            if env.get("HOME") == "/root":
                env["HOME"] = "/"
        mounts = []
        for vm in c.get("volumeMounts") or []:
            if vm["name"] not in volumes.paths:
                raise PodSetupError(
                    "CreateContainerConfigError",
                    f"volumeMount {vm['name']!r}: no such volume in the pod",
                )
            source = volumes.paths[vm["name"]]
            if vm.get("subPath"):
                source = resolve_sub_path(source, vm["subPath"], vm["name"])
            mounts.append(
                {
                    "source": str(source),
                    "target": vm["mountPath"],
                    "readOnly": bool(vm.get("readOnly")),
                }
            )
        if runtime is not None:
            mounts.append({"source": str(runtime), "target": RUNTIME_MOUNT, "readOnly": True})
            env.setdefault("KUBECONFIG", f"{RUNTIME_MOUNT}/kubeconfig")
        if "/" not in argv[0] and shutil.which(argv[0], path=env["PATH"]) is None:
            raise PodSetupError(
                "StartError", f'exec: "{argv[0]}": executable file not found in $PATH'
            )
        return {
            "argv": argv,
            "env": env,
            "cwd": c.get("workingDir"),
            "mounts": mounts,
            "hostname": self.pod_name,
            # Our interpreter and the project's sources (an editable install) must stay
            # usable: for runAsUser pods (they may live under a 0700 /root) and under
            # volumes mounted over one of their ancestors (an emptyDir at /tmp, say).
            "reachable": [
                os.path.realpath(sys.base_prefix),
                os.path.realpath(sys.prefix),
                str(REPO_ROOT),
            ],
            "uid": uid,
            "gid": gid,
            "groups": groups,
        }
