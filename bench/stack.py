"""The system under measurement: a fresh devcluster, a redis-server and the operator as
a subprocess, all on loopback, all stopped at the end.

State lives under /var/tmp, not /tmp: pods are local processes that see an emptyDir at
/tmp, which would hide a cluster state directory kept there."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import redis
from kubernetes import client as k8s
from kubernetes.config import new_client_from_config

from devcluster import launcher
from devcluster.binaries import bin_dir

REPO = Path(__file__).resolve().parents[1]
CRD = REPO / "crds" / "devopstask.yaml"
WORKER_MANIFESTS = REPO / "manifests" / "worker"
BENCH_WORKER = Path(__file__).resolve().with_name("worker.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(what: str, probe: Any, timeout: float, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Stack:
    def __init__(self, work_dir: Path | None = None) -> None:
        self.dir = work_dir or Path(tempfile.mkdtemp(prefix="bench-", dir="/var/tmp"))
        self.state_dir = self.dir / "cluster"
        self.namespace = "bench"
        self.redis_port = free_port()
        self.redis_proc: subprocess.Popen[bytes] | None = None
        self.operator_proc: subprocess.Popen[bytes] | None = None
        self.operator_log = self.dir / "operator.log"
        self.health_port = free_port()
        self.kubeconfig = Path()
        # The operator's own identity (`bench.identity`), once made; else it runs as admin.
        self.operator_kubeconfig: Path | None = None
        self.bins = Path()
        self.api: k8s.ApiClient | None = None
        self.operator_env: dict[str, str] = {}

    # --- life cycle -------------------------------------------------------------------

    def start_cluster(self) -> float:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        info = launcher.up(self.state_dir, bin_dir())
        self.kubeconfig, self.bins = info.kubeconfig, info.bin_dir
        self.api = new_client_from_config(config_file=str(self.kubeconfig))  # type: ignore[no-untyped-call]
        self.kubectl("apply", "-f", str(CRD))
        wait_until("the CRD", self._crd_established, 60)
        self.kubectl("create", "namespace", self.namespace)
        wait_until("the default service account", self._default_sa, 60)
        self.kubectl("apply", "-k", str(WORKER_MANIFESTS), "-n", self.namespace)
        return info.started_in

    def start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.redis_proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until("redis", self._redis_up, 10, 0.05)

    def start_operator(
        self,
        max_in_flight: int,
        kubeconfig: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        """The operator on `self.namespace`, as `kubeconfig`, else as its own identity when
        made, else as admin."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("DEVOPS_") and k not in ("ANTHROPIC_API_KEY", "KUBECONFIG")
        }
        env.update(
            {
                "KUBECONFIG": str(kubeconfig or self.operator_kubeconfig or self.kubeconfig),
                "PYTHONUNBUFFERED": "1",
                "DEVOPS_HEALTH_PORT": str(self.health_port),
                "DEVOPS_METRICS_PORT": "0",
                "DEVOPS_REDIS_URL": self.redis_url,
                "DEVOPS_NAMESPACE": self.namespace,
                "DEVOPS_WATCH_NAMESPACES": json.dumps([self.namespace]),
                "DEVOPS_AGENT_ID": "devops-bench",
                "DEVOPS_MAX_IN_FLIGHT": str(max_in_flight),
                "DEVOPS_WORKER_COMMAND": json.dumps([sys.executable, str(BENCH_WORKER)]),
                **(extra_env or {}),
            }
        )
        self.operator_env = env
        with self.operator_log.open("ab") as log:
            self.operator_proc = subprocess.Popen(
                [sys.executable, "-m", "devops_orchestrator"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until("the operator's health endpoint", self._operator_ready, 90)

    def stop_operator(self) -> None:
        proc = self.operator_proc
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)

    def close(self, keep: bool = False) -> None:
        self.stop_operator()
        if self.redis_proc is not None:
            self.redis_proc.kill()
            self.redis_proc.wait(timeout=10)
        if self.api is not None:
            self.api.close()  # type: ignore[no-untyped-call]
        launcher.down(self.state_dir)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- access -----------------------------------------------------------------------

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def redis(self) -> redis.Redis:
        return redis.Redis(port=self.redis_port, decode_responses=True)

    @property
    def operator_pid(self) -> int:
        if self.operator_proc is None:
            raise RuntimeError("the operator is not running")
        return self.operator_proc.pid

    def kube(self) -> k8s.ApiClient:
        if self.api is None:
            raise RuntimeError("the cluster is not started")
        return self.api

    def kubectl(self, *args: str) -> str:
        done = subprocess.run(
            [str(self.bins / "kubectl"), f"--kubeconfig={self.kubeconfig}", *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.stdout

    def new_name(self, prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    # --- probes -----------------------------------------------------------------------

    def _crd_established(self) -> bool:
        crd = k8s.ApiextensionsV1Api(self.kube()).read_custom_resource_definition(
            "devopstasks.devops.agentnet.dev"
        )
        return any(
            c.type == "Established" and c.status == "True"
            for c in (crd.status.conditions if crd.status else None) or []
        )

    def _default_sa(self) -> bool:
        try:
            k8s.CoreV1Api(self.kube()).read_namespaced_service_account("default", self.namespace)
        except k8s.ApiException:
            return False
        return True

    def _redis_up(self) -> bool:
        try:
            return bool(redis.Redis(port=self.redis_port, socket_timeout=0.5).ping())
        except redis.ConnectionError:
            return False

    def _operator_ready(self) -> bool:
        if self.operator_proc is not None and self.operator_proc.poll() is not None:
            tail = self.operator_log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the operator exited at start-up:\n{tail}")
        try:
            url = f"http://127.0.0.1:{self.health_port}/healthz"
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False
