"""What the node agent gives a pod: volumes at absolute paths, env sources, users,
restart policies, deadlines, and clear failures for what it cannot run."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from clusterwait import as_dict, wait_for
from kubernetes import client as k8s

from fixtures_cluster import Cluster

pytestmark = pytest.mark.cluster

TERMINAL = ("Succeeded", "Failed")


def run_pod(
    cluster: Cluster,
    kube: k8s.ApiClient,
    namespace: str,
    name: str,
    manifest: str,
    timeout: float = 60,
) -> dict[str, Any]:
    """Apply manifests, wait until pod `name` is terminal, return it as a plain dict."""
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=manifest)
    core = k8s.CoreV1Api(kube)

    def finished() -> dict[str, Any] | None:
        pod = as_dict(core.read_namespaced_pod(name, namespace))
        return pod if pod["status"].get("phase") in TERMINAL else None

    return wait_for(f"pod {name} finished", finished, timeout)


def test_volumes_env_and_user(cluster: Cluster, kube: k8s.ApiClient, namespace: str) -> None:
    script = """
import os, pathlib
print("user", os.getuid(), os.getgid())
print("python", os.path.realpath(__import__("shutil").which("python")))
print("cwd", os.getcwd())
print("config", open("/etc/app/config/greeting").read())
print("secret", open("/etc/app/secret/password").read())
print("env", os.environ["FROM_SECRET"], os.environ["FROM_CM"], os.environ["POD"],
      os.environ["NS"], os.environ["LABEL"], os.environ["CM_greeting"], os.environ["EXPANDED"])
pathlib.Path("/scratch/out.txt").write_text("written")
print("scratch", open("/scratch/out.txt").read(), oct(os.stat("/scratch").st_mode & 0o777))
try:
    open("/etc/app/secret/new", "w")
except OSError as exc:
    print("secret-ro", exc.errno)
print("host", __import__("socket").gethostname())
"""
    pod = run_pod(
        cluster,
        kube,
        namespace,
        "volumes",
        f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: app}}
data: {{greeting: hello}}
---
apiVersion: v1
kind: Secret
metadata: {{name: app}}
stringData: {{password: s3cret}}
---
apiVersion: v1
kind: Pod
metadata: {{name: volumes, labels: {{team: devops}}}}
spec:
  restartPolicy: Never
  securityContext: {{runAsUser: 1000, runAsGroup: 3000}}
  volumes:
  - {{name: config, configMap: {{name: app}}}}
  - {{name: secret, secret: {{secretName: app}}}}
  - {{name: scratch, emptyDir: {{}}}}
  containers:
  - name: main
    image: python
    workingDir: /scratch/work
    command: ["python", "-c", {json.dumps(script)}]
    env:
    - {{name: FROM_SECRET, valueFrom: {{secretKeyRef: {{name: app, key: password}}}}}}
    - {{name: FROM_CM, valueFrom: {{configMapKeyRef: {{name: app, key: greeting}}}}}}
    - {{name: POD, valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}}}
    - {{name: NS, valueFrom: {{fieldRef: {{fieldPath: metadata.namespace}}}}}}
    - {{name: LABEL, valueFrom: {{fieldRef: {{fieldPath: "metadata.labels['team']"}}}}}}
    - {{name: EXPANDED, value: "$(POD)-x"}}
    envFrom:
    - {{prefix: CM_, configMapRef: {{name: app}}}}
    volumeMounts:
    - {{name: config, mountPath: /etc/app/config}}
    - {{name: secret, mountPath: /etc/app/secret, readOnly: true}}
    - {{name: scratch, mountPath: /scratch}}
""",
    )
    log = cluster.pod_log(namespace, "volumes")
    assert pod["status"]["phase"] == "Succeeded", log
    assert log.splitlines() == [
        "user 1000 3000",
        f"python {Path(sys.executable).resolve()}",
        "cwd /scratch/work",
        "config hello",
        "secret s3cret",
        f"env s3cret hello volumes {namespace} devops hello volumes-x",
        "scratch written 0o777",
        "secret-ro 30",  # EROFS
        "host volumes",
    ]


def test_a_downward_api_volume_holds_an_annotation_byte_for_byte(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    """How a worker gets its briefing: the pod's annotation, through the API server and
    the node agent, into a read-only file, exact and uninterpreted."""
    value = json.dumps({"text": 'a\nb "q" $(HOME) {{x}} \\ é 😀 \u2028 \u0000'}, ensure_ascii=False)
    script = """
import hashlib, os
path = "/var/run/info/briefing.json"
print(hashlib.sha256(open(path, "rb").read()).hexdigest(), oct(os.stat(path).st_mode & 0o777))
"""
    field = {"fieldPath": "metadata.annotations['devops.agentnet.dev/briefing']"}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "downward", "annotations": {"devops.agentnet.dev/briefing": value}},
        "spec": {
            "restartPolicy": "Never",
            "securityContext": {"runAsUser": 10001, "fsGroup": 10001},
            "volumes": [
                {
                    "name": "info",
                    "downwardAPI": {
                        "items": [{"path": "briefing.json", "fieldRef": field}],
                        "defaultMode": 0o444,
                    },
                }
            ],
            "containers": [
                {
                    "name": "main",
                    "image": "python",
                    "command": ["python", "-c", script],
                    "volumeMounts": [
                        {"name": "info", "mountPath": "/var/run/info", "readOnly": True}
                    ],
                }
            ],
        },
    }
    done = run_pod(cluster, kube, namespace, "downward", json.dumps(pod))
    log = cluster.pod_log(namespace, "downward")
    assert done["status"]["phase"] == "Succeeded", log
    assert log.split() == [hashlib.sha256(value.encode()).hexdigest(), "0o444"]


def test_on_failure_restarts_until_success(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    script = (
        "import os, sys; seen = os.path.exists('/state/once'); open('/state/once', 'w');"
        " print('attempt', 2 if seen else 1); sys.exit(0 if seen else 1)"
    )
    pod = run_pod(
        cluster,
        kube,
        namespace,
        "retry",
        f"""
apiVersion: v1
kind: Pod
metadata: {{name: retry}}
spec:
  restartPolicy: OnFailure
  volumes: [{{name: state, emptyDir: {{}}}}]
  initContainers:
  - {{name: init, image: busybox, command: [sh, -c, "echo init > /state/init"],
      volumeMounts: [{{name: state, mountPath: /state}}]}}
  containers:
  - name: main
    image: python
    command: ["python", "-c", {json.dumps(script)}]
    volumeMounts: [{{name: state, mountPath: /state}}]
""",
    )
    status = pod["status"]
    assert status["phase"] == "Succeeded"
    [main] = status["containerStatuses"]
    assert main["restartCount"] == 1
    assert main["lastState"]["terminated"]["exitCode"] == 1
    assert main["state"]["terminated"]["exitCode"] == 0
    assert status["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert cluster.pod_log(namespace, "retry") == "attempt 2\n"
    assert cluster.kubectl("logs", "-n", namespace, "retry", "--previous").stdout == "attempt 1\n"


def test_active_deadline_fails_the_pod(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    pod = run_pod(
        cluster,
        kube,
        namespace,
        "slow",
        """
apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  restartPolicy: Never
  activeDeadlineSeconds: 2
  containers:
  - {name: main, image: busybox, command: ["sleep", "60"]}
""",
    )
    assert pod["status"]["phase"] == "Failed"
    assert pod["status"]["reason"] == "DeadlineExceeded"


@pytest.mark.parametrize(
    ("name", "spec", "reason", "message"),
    [
        (
            "nocmd",
            'containers: [{name: main, image: x, command: ["no-such-binary-xyz"]}]',
            "StartError",
            'exec: "no-such-binary-xyz": executable file not found in $PATH',
        ),
        (
            "noentry",
            "containers: [{name: main, image: python}]",
            "StartError",
            "cannot run image entrypoints",
        ),
        (
            "nfs",
            "volumes: [{name: v, nfs: {server: x, path: /}}]\n  containers: "
            '[{name: main, image: x, command: ["true"]}]',
            "UnsupportedVolume",
            "type ['nfs'] is not supported",
        ),
    ],
)
def test_pods_that_cannot_run_fail_with_a_reason(
    cluster: Cluster,
    kube: k8s.ApiClient,
    namespace: str,
    name: str,
    spec: str,
    reason: str,
    message: str,
) -> None:
    pod = run_pod(
        cluster,
        kube,
        namespace,
        name,
        f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: Never
  {spec}
""",
    )
    status = pod["status"]
    assert (status["phase"], status["reason"]) == ("Failed", reason)
    assert message in status["message"]
    terminated = status["containerStatuses"][0]["state"]["terminated"]
    assert terminated["reason"] == reason


def test_persistent_volume_claim_keeps_data_between_pods(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    claim = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""

    def pod(name: str, command: str) -> str:
        return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: Never
  volumes: [{{name: data, persistentVolumeClaim: {{claimName: data}}}}]
  containers:
  - name: main
    image: busybox
    command: [sh, -c, {json.dumps(command)}]
    volumeMounts: [{{name: data, mountPath: /data}}]
"""

    writer = run_pod(
        cluster, kube, namespace, "writer", claim + "---" + pod("writer", "echo kept > /data/file")
    )
    assert writer["status"]["phase"] == "Succeeded"
    reader = run_pod(cluster, kube, namespace, "reader", pod("reader", "cat /data/file"))
    assert reader["status"]["phase"] == "Succeeded"
    assert cluster.pod_log(namespace, "reader") == "kept\n"
    pvc = as_dict(k8s.CoreV1Api(kube).read_namespaced_persistent_volume_claim("data", namespace))
    assert pvc["status"]["phase"] == "Bound"
