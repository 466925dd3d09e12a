"""Why a pod cannot be run on this node: becomes the pod's (or container's) reason/message."""

from __future__ import annotations


class PodSetupError(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
