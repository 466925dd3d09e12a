"""Start, stop and inspect a local cluster living in one state directory."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from devcluster import pki, processes, readiness
from devcluster.binaries import bin_dir as default_bin_dir
from devcluster.binaries import missing_binaries
from devcluster.components import COMPONENTS, argv_for
from devcluster.kubeconfig import build_kubeconfig, cert_user, write_kubeconfig
from devcluster.readiness import NotReadyError, client_context, wait_until
from devcluster.redis_server import stop_redis
from devcluster.state import (
    MARKER_ENV,
    NODE_NAME,
    ClusterPaths,
    Ports,
    default_state_dir,
    load_ports,
    save_ports,
)

log = logging.getLogger("devcluster.launcher")
HACK_DIR = Path(__file__).resolve().parents[1]
START_TIMEOUT = float(os.environ.get("DEVCLUSTER_START_TIMEOUT", "120"))
LOG_TAIL_LINES = 40
# kube-apiserver holds watches open for its whole graceful shutdown: not worth waiting for.
STOP_TIMEOUT = {"etcd": 10.0, "nodeagent": 10.0}
STOP_TIMEOUT_DEFAULT = 3.0
FIRST_WAVE = ("etcd", "kube-apiserver", "nodeagent")


@dataclass(frozen=True)
class ClusterInfo:
    state_dir: Path
    kubeconfig: Path
    server: str
    bin_dir: Path
    ports: Ports
    started_in: float  # seconds; 0.0 when it was already running


def _paths(state_dir: Path | None) -> ClusterPaths:
    return ClusterPaths((state_dir or default_state_dir()).resolve())


def _component_env(paths: ClusterPaths) -> dict[str, str]:
    env = dict(os.environ)
    env[MARKER_ENV] = str(paths.root)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(HACK_DIR), env.get("PYTHONPATH")) if p)
    env.pop("KUBECONFIG", None)
    return env


def _choose_ports(paths: ClusterPaths) -> Ports:
    """Fresh free ports; a restarted cluster keeps etcd's ports (its member URL is stored)."""
    old = load_ports(paths)
    etcd_client = etcd_peer = 0
    if old and (paths.etcd_data / "member").exists():
        etcd_client, etcd_peer = old.etcd_client, old.etcd_peer
    ports = Ports(
        etcd_client=etcd_client or processes.free_port(),
        etcd_peer=etcd_peer or processes.free_port(),
        apiserver=processes.free_port(),
        controller_manager=processes.free_port(),
        scheduler=processes.free_port(),
        kubelet=processes.free_port(),
    )
    save_ports(paths, ports)
    return ports


def _write_kubeconfigs(paths: ClusterPaths, server: str) -> None:
    ca = paths.cert("ca")
    for name, cert in (
        ("admin", "admin"),
        ("controller-manager", "controller-manager"),
        ("scheduler", "scheduler"),
        ("nodeagent", "admin"),
    ):
        config = build_kubeconfig(server, ca, cert_user(paths.cert(cert), paths.key(cert)))
        target = paths.kubeconfig if name == "admin" else paths.component_kubeconfig(name)
        write_kubeconfig(target, config)


def _alive(paths: ClusterPaths, component: str) -> int | None:
    return processes.read_pid(paths.pid(component))


def _first_dead(paths: ClusterPaths, components: tuple[str, ...] = COMPONENTS) -> str | None:
    return next((c for c in components if _alive(paths, c) is None), None)


def log_tail(paths: ClusterPaths, component: str, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = paths.log(component).read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _admin_get(paths: ClusterPaths, ports: Ports, path: str) -> tuple[int, str]:
    ctx = client_context(paths.cert("ca"), paths.cert("admin"), paths.key("admin"))
    return readiness.get(ports.apiserver, path, ctx)


def _node_ready(paths: ClusterPaths, ports: Ports) -> bool:
    try:
        status, body = _admin_get(paths, ports, f"/api/v1/nodes/{NODE_NAME}")
    except OSError:
        return False
    if status != 200:
        return False
    conditions = json.loads(body).get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _default_service_account(paths: ClusterPaths, ports: Ports) -> bool:
    try:
        status, _ = _admin_get(paths, ports, "/api/v1/namespaces/default/serviceaccounts/default")
    except OSError:
        return False
    return status == 200


def _wait_ready(paths: ClusterPaths, ports: Ports, components: tuple[str, ...]) -> None:
    ca_ctx = client_context(paths.cert("ca"), paths.cert("admin"), paths.key("admin"))
    insecure = client_context(None)

    def dead() -> str | None:
        return _first_dead(paths, components)

    order = [c for c in COMPONENTS if c in components]
    if "nodeagent" in order and "kube-apiserver" in order:  # the node needs the apiserver
        order.remove("nodeagent")
        order.append("nodeagent")

    checks = {
        "etcd": lambda: readiness.etcd_healthy(ports.etcd_client),
        "kube-apiserver": lambda: readiness.answers_ok(ports.apiserver, "/readyz", ca_ctx),
        "kube-controller-manager": lambda: readiness.answers_ok(
            ports.controller_manager, "/healthz", insecure
        ),
        "kube-scheduler": lambda: readiness.answers_ok(ports.scheduler, "/healthz", insecure),
        "nodeagent": lambda: _node_ready(paths, ports),
    }
    begin = time.monotonic()
    deadline = begin + START_TIMEOUT
    for component in order:
        wait_until(component, checks[component], max(deadline - time.monotonic(), 1), dead)
        log.info("%s ready (+%.1fs)", component, time.monotonic() - begin)
    if "kube-controller-manager" in components:
        wait_until(
            "the default service account",
            lambda: _default_service_account(paths, ports),
            max(deadline - time.monotonic(), 1),
            dead,
        )
        log.info("default service account ready (+%.1fs)", time.monotonic() - begin)


def _spawn(component: str, bins: Path, paths: ClusterPaths, ports: Ports) -> None:
    processes.spawn(
        argv_for(component, bins, paths, ports),
        paths.log(component),
        paths.pid(component),
        _component_env(paths),
    )


def info(state_dir: Path | None = None, bins: Path | None = None) -> ClusterInfo | None:
    paths = _paths(state_dir)
    ports = load_ports(paths)
    if ports is None:
        return None
    return ClusterInfo(
        paths.root,
        paths.kubeconfig,
        f"https://127.0.0.1:{ports.apiserver}",
        bins or default_bin_dir(),
        ports,
        0.0,
    )


def is_up(state_dir: Path | None = None) -> bool:
    paths = _paths(state_dir)
    ports = load_ports(paths)
    if ports is None or _first_dead(paths) is not None:
        return False
    ctx = client_context(paths.cert("ca"), paths.cert("admin"), paths.key("admin"))
    return readiness.answers_ok(ports.apiserver, "/readyz", ctx)


def up(state_dir: Path | None = None, bins: Path | None = None) -> ClusterInfo:
    """Start the cluster in the background and wait until it is usable; idempotent."""
    paths = _paths(state_dir)
    bins = bins or default_bin_dir()
    if is_up(paths.root):
        found = info(paths.root, bins)
        assert found is not None
        return found
    missing = missing_binaries(bins)
    if missing:
        raise NotReadyError(
            f"missing binaries in {bins}: {', '.join(missing)} (run `make controlplane`)"
        )
    down(paths.root)  # a half-running cluster: start over (keeps data and PKI)
    started = time.monotonic()
    paths.make_dirs()
    pki.ensure_pki(paths)
    ports = _choose_ports(paths)
    server = f"https://127.0.0.1:{ports.apiserver}"
    _write_kubeconfigs(paths, server)
    try:
        # The controllers' delegated authn needs RBAC bootstrapped: start them second.
        for wave in (FIRST_WAVE, tuple(c for c in COMPONENTS if c not in FIRST_WAVE)):
            for component in wave:
                paths.log(component).unlink(missing_ok=True)
                _spawn(component, bins, paths, ports)
            _wait_ready(paths, ports, wave)
    except NotReadyError as exc:
        failing = _failing_component(str(exc))
        tail = log_tail(paths, failing)
        down(paths.root)
        raise NotReadyError(f"{exc}\n--- last lines of {paths.log(failing)} ---\n{tail}") from exc
    return ClusterInfo(
        paths.root, paths.kubeconfig, server, bins, ports, time.monotonic() - started
    )


def _failing_component(message: str) -> str:
    """'X exited while waiting for Y' blames X; 'timed out ... waiting for Y' blames Y."""
    dead = next((c for c in COMPONENTS if message.startswith(c)), None)
    waited = next((c for c in COMPONENTS if message.endswith(f"waiting for {c}")), None)
    return dead or waited or "kube-controller-manager"


def restart_apiserver(
    state_dir: Path | None = None, bins: Path | None = None, down_seconds: float = 0.0
) -> None:
    """Stop kube-apiserver and start it again on the same port, keeping etcd."""
    paths = _paths(state_dir)
    ports = load_ports(paths)
    if ports is None:
        raise NotReadyError(f"no cluster in {paths.root}")
    pid = _alive(paths, "kube-apiserver")
    if pid is not None:
        processes.stop_group(pid, STOP_TIMEOUT_DEFAULT)
    time.sleep(down_seconds)
    _spawn("kube-apiserver", bins or default_bin_dir(), paths, ports)
    _wait_ready(paths, ports, ("kube-apiserver",))


def down(state_dir: Path | None = None) -> list[int]:
    """Stop every process of the cluster (components, then any straggler); returns the
    pids that had to be killed by the final sweep."""
    paths = _paths(state_dir)
    for component in reversed(COMPONENTS):
        pid = _alive(paths, component)
        if pid is not None:
            processes.stop_group(pid, STOP_TIMEOUT.get(component, STOP_TIMEOUT_DEFAULT))
        paths.pid(component).unlink(missing_ok=True)
    # By its pid file: redis-server rewrites its process title over its environment,
    # so the marker sweep below cannot see it.
    stop_redis(paths)
    stragglers = processes.pids_with_env(MARKER_ENV, str(paths.root))
    processes.kill_all(stragglers)
    return stragglers


def status(state_dir: Path | None = None) -> dict[str, int | None]:
    paths = _paths(state_dir)
    return {c: _alive(paths, c) for c in COMPONENTS}


def destroy(state_dir: Path) -> None:
    """down, then remove the state directory (test clusters)."""
    down(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)
