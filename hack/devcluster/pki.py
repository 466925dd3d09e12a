"""The cluster's PKI, made with the openssl CLI: a CA, serving and client certificates
(ECDSA P-256: fast to generate) and the service-account signing key pair."""

from __future__ import annotations

import secrets
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from devcluster.state import NODE_NAME, ClusterPaths

DAYS = "3650"


@dataclass(frozen=True)
class CertSpec:
    name: str
    common_name: str
    organization: str = ""
    server: bool = False
    client: bool = False
    sans: tuple[str, ...] = field(default=())


CERTS = (
    CertSpec(
        "apiserver",
        "kube-apiserver",
        server=True,
        sans=(
            "IP:127.0.0.1",
            "IP:10.96.0.1",
            "DNS:localhost",
            "DNS:kubernetes",
            "DNS:kubernetes.default",
            "DNS:kubernetes.default.svc",
            "DNS:kubernetes.default.svc.cluster.local",
        ),
    ),
    CertSpec("admin", "devcluster-admin", "system:masters", client=True),
    CertSpec("controller-manager", "system:kube-controller-manager", client=True),
    CertSpec("scheduler", "system:kube-scheduler", client=True),
    CertSpec(
        "apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters", client=True
    ),
    # The node agent's kubelet API (`kubectl logs`): apiserver verifies it against the CA.
    CertSpec(
        "kubelet",
        f"system:node:{NODE_NAME}",
        "system:nodes",
        server=True,
        client=True,
        sans=("IP:127.0.0.1", "DNS:localhost", f"DNS:{NODE_NAME}"),
    ),
)


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _ec_key(path: Path) -> None:
    _openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path)
    )
    path.chmod(0o600)


def _make_ca(paths: ClusterPaths) -> None:
    key, crt = paths.key("ca"), paths.cert("ca")
    _ec_key(key)
    _openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        str(key),
        "-out",
        str(crt),
        "-days",
        DAYS,
        "-subj",
        "/CN=devcluster-ca",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    )


def _subject(spec: CertSpec) -> str:
    return (f"/O={spec.organization}" if spec.organization else "") + f"/CN={spec.common_name}"


def _make_leaf(paths: ClusterPaths, spec: CertSpec) -> None:
    key, crt = paths.key(spec.name), paths.cert(spec.name)
    _ec_key(key)
    usages = [u for u, on in (("serverAuth", spec.server), ("clientAuth", spec.client)) if on]
    ext = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        f"extendedKeyUsage={','.join(usages)}",
    ]
    if spec.sans:
        ext.append(f"subjectAltName={','.join(spec.sans)}")
    with tempfile.NamedTemporaryFile("w", suffix=".ext", dir=paths.pki) as extfile:
        extfile.write("\n".join(ext) + "\n")
        extfile.flush()
        csr = subprocess.run(
            ["openssl", "req", "-new", "-key", str(key), "-subj", _subject(spec)],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            [
                "openssl",
                "x509",
                "-req",
                "-CA",
                str(paths.cert("ca")),
                "-CAkey",
                str(paths.key("ca")),
                "-set_serial",
                str(secrets.randbits(62) + 1),
                "-days",
                DAYS,
                "-extfile",
                extfile.name,
                "-out",
                str(crt),
            ],
            input=csr,
            check=True,
            capture_output=True,
        )


def _make_service_account_keys(paths: ClusterPaths) -> None:
    _ec_key(paths.key("sa"))
    _openssl("pkey", "-in", str(paths.key("sa")), "-pubout", "-out", str(paths.pki / "sa.pub"))


def ensure_pki(paths: ClusterPaths) -> None:
    """Create whatever is missing; an existing PKI is kept (restarts reuse etcd's data)."""
    paths.pki.mkdir(parents=True, exist_ok=True)
    if not paths.cert("ca").exists():
        _make_ca(paths)
    for spec in CERTS:
        if not paths.cert(spec.name).exists():
            _make_leaf(paths, spec)
    if not (paths.pki / "sa.pub").exists():
        _make_service_account_keys(paths)
