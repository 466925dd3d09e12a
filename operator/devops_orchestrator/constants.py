"""Names fixed by the API, the cluster conventions and the agent network's Redis protocol."""

from __future__ import annotations

# --- The DevOpsTask API -------------------------------------------------------------
GROUP = "devops.agentnet.dev"
VERSION = "v1alpha1"
PLURAL = "devopstasks"
KIND = "DevOpsTask"
SHORT_NAME = "dt"
CRD_NAME = f"{PLURAL}.{GROUP}"
API_VERSION = f"{GROUP}/{VERSION}"

# --- Labels and annotations on the objects we own -----------------------------------
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "devops-orchestrator"
LABEL_TASK = f"{GROUP}/task"
LABEL_WORKER = f"{GROUP}/worker"
LABEL_ATTEMPT = f"{GROUP}/attempt"
LABEL_COMPONENT = f"{GROUP}/component"  # "worker", "result", "artifacts"
ANNOTATION_RETRY = f"{GROUP}/retry"
ANNOTATION_TASK_MESSAGE = f"{GROUP}/task-message"  # the original Redis string, verbatim
ANNOTATION_TASK_ID = f"{GROUP}/task-id"  # the Redis task id of a kubectl-created task
ANNOTATION_TAKEN_BY = f"{GROUP}/taken-by"  # agent id of the bridge that took the task
ANNOTATION_REDIS_PUBLISHED = f"{GROUP}/redis-published"  # "true" once the result is out
ANNOTATION_BRIEFING = f"{GROUP}/briefing"  # a worker pod's briefing (core.briefing_file)
LABEL_SOURCE = f"{GROUP}/source"  # "redis" on tasks the bridge created
LABEL_REDIS_PUBLISHED = f"{GROUP}/redis-published"  # "true": sweeps select the others
LABEL_PUBLISH = f"{GROUP}/publish"  # "true" on kubectl tasks that asked to publish
LABEL_SETTLED = f"{GROUP}/settled"  # "true": out of the operator's watch (core.unwatch)
FINALIZER = f"{GROUP}/finalizer"

# --- What a worker stores (written by the worker Job, read by the operator) ----------
RESULT_CONFIGMAP_SUFFIX = "-result"  # `<job-name>-result`
RESULT_DATA_KEY = "result.json"  # the WorkerResult
ERROR_DATA_KEY = "error"  # why the attempt failed, in the worker's words
TRANSCRIPT_DATA_KEY = "transcript.jsonl"  # the claude engine's redacted conversation
USAGE_DATA_KEY = "usage.json"  # a failed attempt's TokenUsage (a result carries its own)
ARTIFACTS_CONFIGMAP_SUFFIX = "-artifacts"  # `<job-name>-artifacts`
ARTIFACTS_INDEX_KEY = "files.json"  # {data key: path in the workspace}

# --- The agent network's Redis protocol (../shared/PROTOCOL.md) ---------------------
DOMAIN = "devops"


def pending_key(domain: str = DOMAIN) -> str:
    return f"tasks:pending:{domain}"


def active_key(domain: str = DOMAIN) -> str:
    return f"tasks:active:{domain}"


def dead_key(domain: str = DOMAIN) -> str:
    """Our dead-letter list for malformed items (not in the protocol; documented in README)."""
    return f"tasks:dead:{domain}"


def notifications_channel(domain: str = DOMAIN) -> str:
    return f"notifications:{domain}"


def result_key(task_id: str) -> str:
    """Both the HASH and the pub/sub channel of a task's result."""
    return f"results:{task_id}"


def result_logs_key(task_id: str) -> str:
    return f"results:{task_id}:logs"


AGENTS_ALL = "agents:all"
AGENTS_DOMAINS = "agents:domains"
AGENTS_WORKERS = "agents:workers"


def agents_domain_key(domain: str = DOMAIN) -> str:
    return f"agents:domains:{domain}"


def agent_info_key(agent_id: str) -> str:
    return f"agents:info:{agent_id}"


def agent_heartbeat_key(agent_id: str) -> str:
    return f"agents:heartbeat:{agent_id}"


def bridge_logged_key(task_id: str) -> str:
    """Our SET of milestone ids already logged for a task (not in the protocol)."""
    return f"devops:bridge:logged:{task_id}"


def bridge_published_key(task_id: str) -> str:
    """Our marker that a task's final result was published (not in the protocol)."""
    return f"devops:bridge:published:{task_id}"


def progress_count_key(task_id: str) -> str:
    """Our count of a task's progress lines in its log list (not in the protocol)."""
    return f"devops:progress:count:{task_id}"


def bridge_taken_key(task_id: str) -> str:
    """Our marker of which item (its digest) took a task id first (not in the protocol)."""
    return f"devops:bridge:taken:{task_id}"


HEARTBEAT_TTL_SECONDS = 30
HEARTBEAT_INTERVAL_SECONDS = 10

STATUS_PENDING = "pending"
STATUS_IN_PROGRESS = "in_progress"
STATUS_COMPLETED = "completed"
STATUS_FAILED = "failed"
