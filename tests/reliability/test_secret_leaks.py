"""No secret value leaves its Secret: a real task end to end with an Anthropic API key
(the claude engine against the fake Messages API, which checks the key) and a git token
(a git workspace whose credentials Secret carries it), then EVERYTHING is scanned: the
operator log, every pod log, every DevOpsTask, Job, Event and ConfigMap of the namespace,
every key in Redis and every message published on the result channels."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from kubernetes import client

from devops_orchestrator import constants as c
from devops_orchestrator.core.jobs import GIT_CREDENTIALS_LABEL, RUN_AS_USER
from e2e.taskutil import wait_for
from fakes.messages_api import MessagesAPIServer, presented_key
from fixtures_stack import Stack
from producer.producer import Producer, make_task

API_KEY = "sk-ant-reliability-7f3a9c2e1b-LEAKCHECK-q8w7e6r5t4"
GIT_TOKEN = "ghp_reliabilityLEAKCHECK0123456789abcdefXYZ"
SECRETS = (API_KEY, GIT_TOKEN)


@pytest.fixture
def messages_api() -> Iterator[MessagesAPIServer]:
    with MessagesAPIServer(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def git_remote(tmp_path: Path) -> Iterator[str]:
    """A bare repository with one commit on main, reachable by the local pods: they run
    as another user and see an emptyDir at /tmp, hence a world-readable /var/tmp folder."""
    shared = Path(tempfile.mkdtemp(prefix="reliability-git-", dir="/var/tmp"))
    shared.chmod(0o755)
    bare, seed = shared / "remote.git", tmp_path / "seed"
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }

    def git(*args: str, cwd: Path = tmp_path) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    git("init", "--bare", "-b", "main", str(bare))
    git("init", "-b", "main", str(seed))
    (seed / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    git("add", ".", cwd=seed)
    git("commit", "-m", "init", cwd=seed)
    git("push", str(bare), "main", cwd=seed)
    for path in [bare, *bare.rglob("*")]:  # owned by the pods' user: git trusts it
        os.chown(path, RUN_AS_USER, RUN_AS_USER)
    yield f"file://{bare}"
    shutil.rmtree(shared, ignore_errors=True)


def create_secrets(core: client.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_secret(
        namespace,
        client.V1Secret(
            metadata=client.V1ObjectMeta(name="anthropic-api-key"),
            string_data={"ANTHROPIC_API_KEY": API_KEY},
        ),
    )
    core.create_namespaced_secret(
        namespace,
        client.V1Secret(
            metadata=client.V1ObjectMeta(
                name="git-token",
                labels={GIT_CREDENTIALS_LABEL: "true"},  # opt-in
            ),
            string_data={"username": "x-access-token", "token": GIT_TOKEN},
        ),
    )


def script_claude(api: MessagesAPIServer) -> None:
    """A docker-worker that looks for secrets (env, the credentials folder) and writes."""
    api.reply_tool_uses(
        [
            (
                "Bash",
                {
                    "command": "env; echo key=$ANTHROPIC_API_KEY; "
                    "cat /var/run/secrets/devops/git/* 2>&1; echo done"
                },
            ),
        ]
    )
    api.reply_tool_use(
        "Write", {"path": "Dockerfile", "content": 'FROM node:20-alpine\nUSER node\nCMD ["node"]\n'}
    )
    api.reply_submit({"summary": "Wrote a Dockerfile"})


def redis_dump(r: redis.Redis) -> str:
    """Every key of every type, as text."""
    parts: list[str] = []
    for key in r.scan_iter(count=1000):
        kind = r.type(key)
        value: Any
        if kind == b"string":
            value = r.get(key)
        elif kind == b"hash":
            value = r.hgetall(key)
        elif kind == b"list":
            value = r.lrange(key, 0, -1)
        elif kind == b"set":
            value = r.smembers(key)
        elif kind == b"zset":
            value = r.zrange(key, 0, -1, withscores=True)
        else:
            value = kind
        parts.append(f"{key!r} {value!r}")
    return "\n".join(parts)


def cluster_dump(stack: Stack) -> dict[str, str]:
    """Everything the namespace holds that a person or a tool may read."""
    ns, api = stack.namespace, stack.api
    core, batch = client.CoreV1Api(api), client.BatchV1Api(api)
    custom = client.CustomObjectsApi(api)
    dumps: dict[str, str] = {}
    tasks = custom.list_namespaced_custom_object(
        "devops.agentnet.dev", "v1alpha1", ns, "devopstasks"
    )
    dumps["devopstasks"] = json.dumps(tasks)
    dumps["jobs"] = json.dumps(api.sanitize_for_serialization(batch.list_namespaced_job(ns)))
    dumps["events"] = json.dumps(api.sanitize_for_serialization(core.list_namespaced_event(ns)))
    dumps["configmaps"] = json.dumps(
        api.sanitize_for_serialization(core.list_namespaced_config_map(ns))
    )
    pods = core.list_namespaced_pod(ns).items
    dumps["pods"] = json.dumps(api.sanitize_for_serialization(pods))
    for pod in pods:
        for container in pod.spec.containers:
            name = f"log {pod.metadata.name}/{container.name}"
            dumps[name] = stack.cluster.pod_log(ns, pod.metadata.name, container.name)
    return dumps


def test_no_secret_value_appears_anywhere(
    stack: Stack, redis_client: redis.Redis, messages_api: MessagesAPIServer, git_remote: str
) -> None:
    core = client.CoreV1Api(stack.api)
    create_secrets(core, stack.namespace)
    operator = stack.operator(
        DEVOPS_ANTHROPIC_BASE_URL=messages_api.base_url, DEVOPS_GIT_ALLOW_FILE_URLS="true"
    )
    producer = Producer(stack.redis_server.client())
    try:
        # 1. From Redis, the claude engine: it authenticates with the key.
        script_claude(messages_api)
        redis_task = make_task(
            "Containerize the Node.js app with a Dockerfile", context={"project_type": "nodejs"}
        )
        task_id = producer.submit(redis_task)
        results = producer.wait([task_id], timeout=240)
        assert results[task_id]["status"] == "completed", (results, stack.log_tail())
        assert any(presented_key(r.headers) == API_KEY for r in messages_api.requests)
        assert messages_api.pending == 0  # the whole script ran, the Bash probe included

        # 2. A git workspace with the token in its credentials Secret (generator engine).
        stack.tasks.create(
            "git-task",
            description="Containerize the Node.js app with a Dockerfile",
            workers=["docker-worker"],
            engine="generator",
            workspace={"git": {"url": git_remote, "ref": "main", "credentialsSecret": "git-token"}},
        )
        status = stack.tasks.wait_final("git-task", timeout=240)
        assert status["phase"] == "Succeeded", stack.tasks.describe("git-task")
        bare = git_remote.removeprefix("file://")
        pushed = subprocess.run(
            ["git", "-c", "safe.directory=*", "--git-dir", bare, "for-each-ref"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "refs/heads/devops/" in pushed.stdout  # the token's Secret was mounted, used
        wait_for("the operator to settle", lambda: "git-task" in operator.log_text(), 30)
        producer.drain(timeout=1.0)
    finally:
        producer.close()
        operator.stop()

    scanned = {
        "operator log": operator.log_text(),
        "redis": redis_dump(redis.Redis.from_url(stack.redis_server.url)),
        "published": json.dumps(producer.published),
        **cluster_dump(stack),
    }
    assert any(k.startswith("log ") for k in scanned), "no pod log was found to scan"
    assert "Dockerfile" in scanned["configmaps"]  # the scan sees the real outputs
    assert c.ANNOTATION_BRIEFING in scanned["pods"]  # and the briefings the workers got
    leaks = [
        (where, secret[:12])
        for where, text in scanned.items()
        for secret in SECRETS
        if secret in text
    ]
    assert not leaks, leaks
