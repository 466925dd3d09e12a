"""The node agent: a Ready Node whose pods run as local processes (no kubelet, no container
runtime). `python -m devcluster.nodeagent --state-dir DIR --server URL ...`, started by the
launcher. See pod_worker.py for what happens to each pod."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from types import FrameType
from typing import Any

from devcluster.container import kill_leftover_groups
from devcluster.kubelet_api import KubeletServer
from devcluster.node import NodeHeartbeat
from devcluster.pod_worker import AgentContext, PodWorker
from devcluster.provisioner import Provisioner
from devcluster.rest import ApiError, KubeRest
from devcluster.state import MARKER_ENV, ClusterPaths

log = logging.getLogger("devcluster.nodeagent")
WATCH_SECONDS = 60
TERMINAL = ("Succeeded", "Failed")


class Agent:
    """Keeps one PodWorker per live pod bound to the node, fed by a list+watch loop."""

    def __init__(self, ctx: AgentContext) -> None:
        self.ctx = ctx
        self.workers: dict[str, PodWorker] = {}
        self.finished: set[str] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def _pods_path(self) -> str:
        return "/api/v1/pods"

    def _selector(self) -> dict[str, str | int | bool]:
        return {"fieldSelector": f"spec.nodeName={self.ctx.node}"}

    def on_worker_exit(self, uid: str) -> None:
        with self.lock:
            self.workers.pop(uid, None)
            self.finished.add(uid)

    def is_running(self, namespace: str, pod: str, container: str) -> bool:
        with self.lock:
            workers = list(self.workers.values())
        return any(
            w.ns == namespace and w.pod_name == pod and w.is_running(container) for w in workers
        )

    def sync(self, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        uid = meta["uid"]
        phase = (pod.get("status") or {}).get("phase")
        with self.lock:
            worker = self.workers.get(uid)
            if worker is not None:
                worker.update(pod)
                return
            done = uid in self.finished or phase in TERMINAL
            if not done and not self.stopping.is_set():
                worker = PodWorker(self.ctx, pod, self.on_worker_exit)
                self.workers[uid] = worker
                worker.start()
                return
        if meta.get("deletionTimestamp") and done:
            # Nothing runs for it here: let the deletion complete.
            self.ctx.api.delete(
                f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}",
                {"gracePeriodSeconds": 0, "preconditions": {"uid": uid}},
            )

    def forget(self, pod: dict[str, Any]) -> None:
        with self.lock:
            worker = self.workers.get(pod["metadata"]["uid"])
        if worker is not None:
            worker.mark_gone()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                listing = self.ctx.api.request("GET", self._pods_path(), query=self._selector())
                for pod in listing["items"]:
                    self.sync(pod)
                self._watch(listing["metadata"]["resourceVersion"])
            except (ApiError, OSError, ValueError, KeyError) as exc:
                if not self.stopping.is_set():
                    log.warning("pod list/watch failed (retrying): %s", exc)
                    self.stopping.wait(1.0)

    def _watch(self, resource_version: str) -> None:
        query = {
            **self._selector(),
            "resourceVersion": resource_version,
            "timeoutSeconds": WATCH_SECONDS,
            "allowWatchBookmarks": True,
        }
        while not self.stopping.is_set():
            for event in self.ctx.api.watch(self._pods_path(), query):
                kind, obj = event["type"], event["object"]
                if kind == "ERROR":
                    return  # e.g. 410 Gone: relist
                if kind != "BOOKMARK":
                    if kind == "DELETED":
                        self.forget(obj)
                    else:
                        self.sync(obj)
                query["resourceVersion"] = obj["metadata"]["resourceVersion"]
                if self.stopping.is_set():
                    return
            # The server closed the watch (timeout): relist to catch anything missed.
            return

    def shutdown(self) -> None:
        """Stop every container (SIGTERM, then SIGKILL) and the loops; pods stay as they are."""
        self.stopping.set()
        with self.lock:
            workers = list(self.workers.values())
        for w in workers:
            w.shutdown()
        for w in workers:
            w._kill_all(2.0)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="devcluster.nodeagent")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--node-name", default="devnode")
    parser.add_argument("--kubelet-port", type=int, required=True)
    parser.add_argument("--server", required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    paths = ClusterPaths(args.state_dir.resolve())
    # Admin credentials: the Node authorizer's graph lags pod binding, which would make
    # a real node identity race its own pods' Secrets and tokens.
    api = KubeRest(args.server, paths.cert("ca"), paths.cert("admin"), paths.key("admin"))
    killed = kill_leftover_groups(paths.pods, f"{MARKER_ENV}={paths.root}")
    if killed:
        log.info("killed containers left by a previous agent: %s", killed)
    ctx = AgentContext(
        api=api,
        paths=paths,
        node=args.node_name,
        server=args.server,
        api_port=urllib.parse.urlparse(args.server).port or 443,
        ca_file=paths.cert("ca"),
        venv_bin=str(Path(sys.executable).parent),
        marker={MARKER_ENV: str(paths.root)},
    )
    agent = Agent(ctx)
    KubeletServer(args.kubelet_port, paths, agent.is_running).start()

    def on_term(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping containers", signum)
        agent.shutdown()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    heartbeat = NodeHeartbeat(api, args.node_name, args.kubelet_port)
    while True:
        try:
            heartbeat.register()
            break
        except (ApiError, OSError) as exc:
            log.info("waiting for the apiserver: %s", exc)
            time.sleep(0.2)
    heartbeat.start()
    Provisioner(api, paths.volumes / "pv").start()
    agent.run()


if __name__ == "__main__":
    main()
