"""Where a cluster keeps its files: one state directory, one fixed layout."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_STATE_DIR = Path(__file__).resolve().parents[2] / ".devcluster"
NODE_NAME = "devnode"
# Every process of a cluster (components and pods) carries this variable, so `down` can find
# stragglers (e.g. a pod's grandchildren) by scanning /proc, whatever their process group.
MARKER_ENV = "DEVCLUSTER_STATE_DIR"


def default_state_dir() -> Path:
    return Path(os.environ.get("DEVCLUSTER_STATE_DIR") or DEFAULT_STATE_DIR)


@dataclass(frozen=True)
class Ports:
    """Loopback ports chosen free at `up`, kept for the cluster's lifetime."""

    etcd_client: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kubelet: int


@dataclass(frozen=True)
class ClusterPaths:
    root: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pids(self) -> Path:
        return self.root / "pids"

    @property
    def pods(self) -> Path:
        return self.root / "pods"

    @property
    def volumes(self) -> Path:
        return self.root / "volumes"

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def ports_file(self) -> Path:
        return self.root / "ports.json"

    def component_kubeconfig(self, component: str) -> Path:
        return self.root / f"{component}.kubeconfig"

    def log(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def pid(self, component: str) -> Path:
        return self.pids / f"{component}.pid"

    def cert(self, name: str) -> Path:
        return self.pki / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.pki / f"{name}.key"

    def make_dirs(self) -> None:
        for d in (
            self.root,
            self.pki,
            self.etcd_data,
            self.logs,
            self.pids,
            self.pods,
            self.volumes,
        ):
            d.mkdir(parents=True, exist_ok=True)
        self.etcd_data.chmod(0o700)  # etcd refuses a data dir readable by others


def save_ports(paths: ClusterPaths, ports: Ports) -> None:
    paths.ports_file.write_text(json.dumps(asdict(ports)))


def load_ports(paths: ClusterPaths) -> Ports | None:
    try:
        return Ports(**json.loads(paths.ports_file.read_text()))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None
