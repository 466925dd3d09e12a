"""A hostPath volume provisioner, so PersistentVolumeClaims bind (the scheduler will not
place a pod whose claim is unbound): a default StorageClass `standard`, and for each pending
claim a PV pre-bound to it, backed by a directory in the state dir."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import Any

from devcluster.rest import ApiError, KubeRest

log = logging.getLogger("devcluster.provisioner")

PROVISIONER = "devcluster.agentnet.dev/hostpath"
STORAGE_CLASS = "standard"
EVERY = 1.0


def build_storage_class() -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": STORAGE_CLASS,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
    }


def build_volume(pvc: dict[str, Any], root: Path) -> dict[str, Any]:
    meta, spec = pvc["metadata"], pvc["spec"]
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": f"pvc-{meta['uid']}",
            "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER},
        },
        "spec": {
            "capacity": {"storage": storage},
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": spec.get("storageClassName") or "",
            "volumeMode": spec.get("volumeMode") or "Filesystem",
            "hostPath": {
                "path": str(root / meta["namespace"] / meta["name"]),
                "type": "DirectoryOrCreate",
            },
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "namespace": meta["namespace"],
                "name": meta["name"],
                "uid": meta["uid"],
            },
        },
    }


def wants_volume(pvc: dict[str, Any]) -> bool:
    spec, status = pvc["spec"], pvc.get("status") or {}
    if spec.get("volumeName") or status.get("phase") not in (None, "Pending"):
        return False
    if spec.get("selector") or spec.get("dataSource"):
        return False
    return spec.get("storageClassName") in (None, "", STORAGE_CLASS)


class Provisioner:
    def __init__(self, api: KubeRest, root: Path) -> None:
        self.api = api
        self.root = root
        self.stopped = threading.Event()

    def sync(self) -> None:
        """Bind pending claims; delete the volumes of deleted claims."""
        listing = self.api.request("GET", "/api/v1/persistentvolumeclaims")
        for pvc in listing["items"]:
            if wants_volume(pvc):
                try:
                    self.api.create("/api/v1/persistentvolumes", build_volume(pvc, self.root))
                    log.info(
                        "provisioned %s/%s", pvc["metadata"]["namespace"], pvc["metadata"]["name"]
                    )
                except ApiError as exc:
                    if exc.status != 409:
                        raise

        volumes = self.api.request("GET", "/api/v1/persistentvolumes")
        for pv in volumes["items"]:
            annotations = pv["metadata"].get("annotations") or {}
            released = (pv.get("status") or {}).get("phase") == "Released"
            if released and annotations.get("pv.kubernetes.io/provisioned-by") == PROVISIONER:
                self.api.delete(f"/api/v1/persistentvolumes/{pv['metadata']['name']}")
                shutil.rmtree(pv["spec"]["hostPath"]["path"], ignore_errors=True)

    def run(self) -> None:
        while True:
            try:
                self.api.create("/apis/storage.k8s.io/v1/storageclasses", build_storage_class())
                break
            except ApiError as exc:
                if exc.status == 409:
                    break
                log.warning("storage class: %s", exc)
            except OSError as exc:
                log.warning("storage class: %s", exc)
            if self.stopped.wait(EVERY):
                return
        while not self.stopped.wait(EVERY):
            try:
                self.sync()
            except (ApiError, OSError) as exc:
                log.warning("provisioning failed: %s", exc)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="provisioner", daemon=True)
        thread.start()
        return thread
