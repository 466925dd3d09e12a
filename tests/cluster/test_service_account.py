"""Pods get real service-account credentials: RBAC allows and forbids what it should."""

from __future__ import annotations

import json

import pytest
from clusterwait import pod_phase, wait_for
from kubernetes import client as k8s

from fixtures_cluster import Cluster

pytestmark = pytest.mark.cluster

# Runs inside the pod: in-cluster config (token mount + KUBERNETES_SERVICE_*), then the
# KUBECONFIG the agent wrote, through the built kubectl.
PROBE = r"""
import os, subprocess
from kubernetes import client, config
config.load_incluster_config()
core = client.CoreV1Api()
ns = open("/var/run/secrets/kubernetes.io/serviceaccount/namespace").read()
print("configmap:", core.read_namespaced_config_map("settings", ns).data["colour"])
try:
    core.list_namespaced_secret(ns)
    print("secrets: allowed")
except client.ApiException as exc:
    print("secrets:", exc.status)
out = subprocess.run([os.environ["KUBECTL"], "get", "configmap", "settings",
                      "-o", "jsonpath={.data.colour}"], capture_output=True, text=True)
print("kubectl configmap:", out.stdout)
out = subprocess.run([os.environ["KUBECTL"], "get", "secrets"], capture_output=True, text=True)
print("kubectl secrets:", "Forbidden" if "forbidden" in out.stderr else out.stderr)
"""


def test_pod_service_account_can_get_configmaps_but_not_list_secrets(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    core = k8s.CoreV1Api(kube)
    kubectl = cluster.bin_dir / "kubectl"
    cluster.kubectl(
        "apply",
        "-n",
        namespace,
        "-f",
        "-",
        input=f"""
apiVersion: v1
kind: ServiceAccount
metadata: {{name: reader}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: configmap-reader}}
rules:
- {{apiGroups: [""], resources: [configmaps], verbs: [get]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: reader}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmap-reader}}
subjects:
- {{kind: ServiceAccount, name: reader}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings}}
data: {{colour: teal}}
---
apiVersion: v1
kind: Pod
metadata: {{name: probe}}
spec:
  serviceAccountName: reader
  restartPolicy: Never
  containers:
  - name: main
    image: python
    command: ["python", "-c", {json.dumps(PROBE)}]
    env:
    - {{name: KUBECTL, value: "{kubectl}"}}
""",
    )
    phase = wait_for(
        "probe finished", lambda: pod_phase(core, namespace, "probe") in ("Succeeded", "Failed"), 60
    )
    assert phase
    log = cluster.kubectl("logs", "-n", namespace, "probe").stdout
    assert pod_phase(core, namespace, "probe") == "Succeeded", log
    assert log.splitlines() == [
        "configmap: teal",
        "secrets: 403",
        "kubectl configmap: teal",
        "kubectl secrets: Forbidden",
    ]


def test_automount_false_gives_no_credentials(
    cluster: Cluster, kube: k8s.ApiClient, namespace: str
) -> None:
    core = k8s.CoreV1Api(kube)
    script = (
        "import os; print(os.path.exists('/var/run/secrets/kubernetes.io/serviceaccount/token'),"
        " 'KUBECONFIG' in os.environ, os.environ['KUBERNETES_SERVICE_HOST'])"
    )
    manifest = f"""
apiVersion: v1
kind: Pod
metadata: {{name: nocreds}}
spec:
  automountServiceAccountToken: false
  restartPolicy: Never
  containers:
  - {{name: main, image: python, command: ["python", "-c", {json.dumps(script)}]}}
"""
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=manifest)
    wait_for("nocreds finished", lambda: pod_phase(core, namespace, "nocreds") == "Succeeded")
    assert cluster.pod_log(namespace, "nocreds") == "False False 127.0.0.1\n"
