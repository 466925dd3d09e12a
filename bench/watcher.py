"""When things happened, as the API server tells it: a watch thread per kind records the
monotonic time a DevOpsTask was first seen, a Job first seen, and a Job first seen
Complete; `on_new_job` (if given) is called once per new Job, on the watch thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kubernetes import client as k8s
from kubernetes import watch

GROUP, VERSION, PLURAL = "devops.agentnet.dev", "v1alpha1", "devopstasks"


class Watcher:
    def __init__(
        self,
        api: k8s.ApiClient,
        namespace: str,
        on_new_job: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.api = api
        self.namespace = namespace
        self.on_new_job = on_new_job
        self.tasks_seen: dict[str, float] = {}
        self.jobs_seen: dict[str, float] = {}
        self.jobs_complete: dict[str, float] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watches: list[watch.Watch] = []

    def start(self) -> None:
        custom, batch = k8s.CustomObjectsApi(self.api), k8s.BatchV1Api(self.api)

        def list_tasks(**kw: Any) -> Any:
            return custom.list_namespaced_custom_object(
                GROUP, VERSION, self.namespace, PLURAL, **kw
            )

        def list_jobs(**kw: Any) -> Any:
            return batch.list_namespaced_job(self.namespace, **kw)

        for target, on_event in ((list_tasks, self._on_task), (list_jobs, self._on_job)):
            thread = threading.Thread(target=self._loop, args=(target, on_event), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for w in self._watches:
            w.stop()  # type: ignore[no-untyped-call]

    def _loop(
        self, list_fn: Callable[..., Any], on_event: Callable[[dict[str, Any]], None]
    ) -> None:
        while not self._stop.is_set():
            w = watch.Watch()  # type: ignore[no-untyped-call]
            self._watches.append(w)
            try:
                for event in w.stream(list_fn, timeout_seconds=120):  # type: ignore[no-untyped-call]
                    obj = event["object"]
                    body = (
                        obj if isinstance(obj, dict) else self.api.sanitize_for_serialization(obj)  # type: ignore[no-untyped-call]
                    )
                    on_event(body)
                    if self._stop.is_set():
                        break
            except Exception:  # the API server restarting or a 410: start over
                time.sleep(0.5)

    def _on_task(self, body: dict[str, Any]) -> None:
        self.tasks_seen.setdefault(body["metadata"]["name"], time.monotonic())

    def _on_job(self, body: dict[str, Any]) -> None:
        name = body["metadata"]["name"]
        if name not in self.jobs_seen:
            self.jobs_seen[name] = time.monotonic()
            if self.on_new_job is not None:
                self.on_new_job(body)
        conditions = (body.get("status") or {}).get("conditions") or []
        if any(c.get("type") == "Complete" and c.get("status") == "True" for c in conditions):
            self.jobs_complete.setdefault(body["metadata"]["name"], time.monotonic())

    def wait_job(self, name: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while name not in self.jobs_complete:
            if time.monotonic() > deadline:
                raise TimeoutError(f"Job {name} not Complete in {timeout}s")
            time.sleep(0.01)
        return self.jobs_complete[name]
