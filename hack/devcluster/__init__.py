"""A real local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler built from upstream) plus a node agent that runs pods as local processes.

`python -m devcluster up|down|status`; the Python API lives in `devcluster.launcher`.
"""
