"""Pod status as the kubelet reports it, built from the agent's view of its containers (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HOST_IP = "127.0.0.1"
POD_IP = "127.0.0.1"


@dataclass
class ContainerState:
    name: str
    image: str
    state: str = "waiting"  # waiting | running | terminated
    reason: str = "ContainerCreating"
    message: str = ""
    exit_code: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    restart_count: int = 0
    last_state: dict[str, Any] = field(default_factory=dict)

    def to_waiting(self, reason: str, message: str = "") -> None:
        self.state, self.reason, self.message = "waiting", reason, message

    def to_running(self, now: str) -> None:
        self.state, self.reason, self.message = "running", "", ""
        self.started_at, self.exit_code, self.finished_at = now, None, None

    def to_terminated(self, exit_code: int, now: str, reason: str = "", message: str = "") -> None:
        self.state = "terminated"
        self.exit_code = exit_code
        self.reason = reason or ("Completed" if exit_code == 0 else "Error")
        self.message = message
        self.finished_at = now

    def restart(self) -> None:
        """Keep the terminated state as lastState, count the restart."""
        self.last_state = {"terminated": self._terminated()}
        self.restart_count += 1
        self.to_waiting("ContainerCreating")

    def _terminated(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "exitCode": self.exit_code if self.exit_code is not None else 0,
            "reason": self.reason,
            "containerID": "",
            "finishedAt": self.finished_at,
        }
        if self.started_at:
            out["startedAt"] = self.started_at
        if self.message:
            out["message"] = self.message
        return out

    @property
    def done_ok(self) -> bool:
        return self.state == "terminated" and self.exit_code == 0


def build_container_status(c: ContainerState, pod_uid: str) -> dict[str, Any]:
    state: dict[str, Any]
    if c.state == "running":
        state = {"running": {"startedAt": c.started_at}}
    elif c.state == "terminated":
        state = {"terminated": c._terminated()}
        state["terminated"]["containerID"] = f"devcluster://{pod_uid}/{c.name}"
    else:
        state = {"waiting": {"reason": c.reason, **({"message": c.message} if c.message else {})}}
    running = c.state == "running"
    return {
        "name": c.name,
        "image": c.image,
        "imageID": "",
        "containerID": f"devcluster://{pod_uid}/{c.name}" if c.state != "waiting" else "",
        "ready": running,
        "started": running,
        "restartCount": c.restart_count,
        "state": state,
        "lastState": c.last_state,
    }


def _condition(
    kind: str, ok: bool, now: str, previous: dict[str, dict[str, Any]], reason: str = ""
) -> dict[str, Any]:
    status = "True" if ok else "False"
    old = previous.get(kind)
    since = old["lastTransitionTime"] if old and old.get("status") == status else now
    out: dict[str, Any] = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": since,
    }
    if reason and not ok:
        out["reason"] = reason
    return out


def build_pod_status(
    *,
    phase: str,
    pod_uid: str,
    init: list[ContainerState],
    main: list[ContainerState],
    start_time: str,
    now: str,
    previous_conditions: list[dict[str, Any]] | None = None,
    reason: str = "",
    message: str = "",
) -> dict[str, Any]:
    previous = {c["type"]: c for c in previous_conditions or []}
    initialized = all(c.done_ok for c in init)
    all_running = bool(main) and all(c.state == "running" for c in main)
    not_ready = "PodCompleted" if phase in ("Succeeded", "Failed") else "ContainersNotReady"
    status: dict[str, Any] = {
        "phase": phase,
        "hostIP": HOST_IP,
        "hostIPs": [{"ip": HOST_IP}],
        "podIP": POD_IP,
        "podIPs": [{"ip": POD_IP}],
        "startTime": start_time,
        "conditions": [
            _condition("PodReadyToStartContainers", True, now, previous),
            _condition("Initialized", initialized, now, previous, "ContainersNotInitialized"),
            _condition("Ready", all_running, now, previous, not_ready),
            _condition("ContainersReady", all_running, now, previous, not_ready),
            _condition("PodScheduled", True, now, previous),
        ],
        "containerStatuses": [build_container_status(c, pod_uid) for c in main],
        "reason": reason or None,
        "message": message or None,
    }
    if init:
        status["initContainerStatuses"] = [build_container_status(c, pod_uid) for c in init]
    return status


def final_phase(main: list[ContainerState]) -> str:
    return "Succeeded" if all(c.done_ok for c in main) else "Failed"
