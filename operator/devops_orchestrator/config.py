"""The one reader of the environment: every setting, its variable and its default."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Operator and worker configuration, read from `DEVOPS_*` variables (and the API key)."""

    model_config = SettingsConfigDict(env_prefix="DEVOPS_", extra="ignore")

    # Redis bridge; empty means "no Redis": kubectl tasks still reconcile.
    # The network configures every agent with REDIS_URL; DEVOPS_REDIS_URL wins when both are set.
    redis_url: str = Field(
        default="",
        validation_alias=AliasChoices("DEVOPS_REDIS_URL", "REDIS_URL"),
        description="Redis URL, e.g. redis://redis:6379/0",
    )
    domain: str = Field(default="devops", description="Domain of the agent network we serve")
    agent_id: str = Field(default="", description="Registry id; default devops-<hostname>")
    max_in_flight: int = Field(
        default=10, ge=1, description="Redis tasks in flight before we stop taking"
    )
    max_description_chars: int = Field(default=8000, ge=1)
    redis_block_seconds: float = Field(default=2.0, gt=0, description="BLMOVE block time when idle")
    redis_recovery_interval_seconds: float = Field(
        default=15.0, gt=0, description="Re-scan of tasks:active and of unpublished results"
    )
    heartbeat_interval_seconds: float = Field(default=10.0, gt=0, description="Registry heartbeat")

    # Where DevOpsTasks from Redis are created; the operator's own namespace by default.
    namespace: str = Field(default="default", description="Namespace for tasks taken from Redis")

    # Worker Jobs
    worker_image: str = Field(default="ghcr.io/agentnet/devops-orchestrator:0.1.0")
    worker_service_account: str = Field(default="devops-worker")
    worker_command: list[str] = Field(default=["python", "-m", "devops_orchestrator.worker"])
    worker_cpu_request: str = "100m"
    worker_cpu_limit: str = "1"
    worker_memory_request: str = "128Mi"
    worker_memory_limit: str = "512Mi"
    job_ttl_seconds: int = Field(default=3600, ge=0)
    anthropic_secret_name: str = Field(
        default="anthropic-api-key", description="Secret with key ANTHROPIC_API_KEY"
    )
    # A safety net only: Job events, deadlines and backoffs trigger passes themselves.
    recheck_interval_seconds: float = Field(
        default=60.0, gt=0, description="A running task with no pass this long is read again"
    )

    # Engine and models (workers). Pinned ids: an SDK upgrade never changes the model.
    model_sonnet: str = Field(default="claude-sonnet-5-5", description="Model id for 'sonnet'")
    model_opus: str = Field(default="claude-opus-5-5", description="Model id for 'opus'")
    model_haiku: str = Field(default="claude-haiku-5-5", description="Model id for 'haiku'")
    model_default: str = Field(
        default="sonnet", description="Model of definitions saying 'inherit' (alias or id)"
    )
    anthropic_base_url: str = Field(default="", description="Override of the Messages API endpoint")
    # Planning (operator): the Claude planner runs when an API key is configured.
    planner: str = Field(
        default="auto", pattern="^(auto|deterministic)$", description="auto: Claude with a key"
    )
    planner_model: str = Field(
        default="haiku", description="Planner model: an alias (via MODEL_<ALIAS>) or an id"
    )
    planner_timeout_seconds: float = Field(default=20.0, gt=0, description="Planning call limit")
    agents_dir: str = Field(
        default="", description="Folder of worker definitions; default: shipped ones"
    )
    claude_max_turns: int = Field(default=40, ge=1, description="Model turns per worker run")
    claude_max_tokens_total: int = Field(
        default=2_000_000, ge=1, description="Tokens per worker run (input, output, cache)"
    )
    claude_timeout_seconds: float = Field(default=1500.0, gt=0, description="Wall clock per run")
    claude_submit_reserve_seconds: float = Field(
        default=90.0, ge=0, description="Time before the deadline the result is asked for"
    )
    claude_max_output_tokens: int = Field(default=8192, ge=1, description="max_tokens per request")
    claude_output_tokens_ceiling: int = Field(
        default=32_000, ge=1, description="max_tokens grows up to this for a cut tool call"
    )
    claude_max_retries: int = Field(
        default=6, ge=0, description="Retries of a turn on 429, 529, 5xx and timeouts"
    )
    claude_read_max_tokens: int = Field(
        default=25_000, ge=1000, description="Read returns at most this (about 4 bytes each)"
    )
    claude_context_trim_tokens: int = Field(
        default=120_000, ge=1000, description="Old tool results are cleared past this prompt"
    )
    claude_keep_tool_results: int = Field(
        default=4, ge=1, description="Newest tool results never cleared"
    )
    claude_prompt_caching: bool = Field(
        default=True, description="cache_control on tools, system and the conversation"
    )
    claude_prices: str = Field(
        default="",
        description="JSON price table overrides: model id prefix -> {input, output, "
        "cache_write, cache_write_1h, cache_read} in USD per million tokens",
    )
    budget_max_tokens: int = Field(
        default=0, ge=0, description="Default task budget in tokens; 0: none"
    )
    budget_max_cost_usd: float = Field(
        default=0.0, ge=0, description="Default task budget in USD; 0: none"
    )
    bash_path: str = Field(
        default=os.defpath,
        validation_alias=AliasChoices("DEVOPS_BASH_PATH", "PATH"),
        description="PATH of the claude engine's Bash tool; default: the worker's own PATH",
    )
    workspace_dir: str = Field(default="/workspace", description="Worker's workspace folder")
    kubernetes_version: str = Field(default="1.36", description="Schemas for manifest checks")
    git_allow_file_urls: bool = Field(
        default=False, description="Allow file:// and local-path git workspace URLs"
    )
    git_credentials_refused: str = Field(
        default="", description="Set by the operator: why the task's git credentials are refused"
    )
    artifacts_max_bytes: int = Field(default=900 * 1024, ge=0, description="Artifacts cap")
    validator_timeout_seconds: float = Field(default=120.0, gt=0, description="Per validator run")
    checkov_enabled: bool = Field(
        default=True, description="Security scan of each worker's files (checkov; ~5-10 s)"
    )
    # checkov takes seconds of CPU to start: by default it runs only in a worker that wrote
    # what no validator of ours checks for security (Terraform, Kubernetes manifests).
    checkov_frameworks: str = Field(
        default="terraform,kubernetes",
        pattern=r"^\s*(all|((dockerfile|kubernetes|terraform|github_actions|gitlab_ci)\s*,?\s*)*)$",
        description="checkov frameworks scanned (comma-separated, or all)",
    )
    kubernetes_dry_run: bool = Field(
        default=True, description="kubectl apply --dry-run=server when a cluster is reachable"
    )

    # The agent network's shared workspace (a PersistentVolumeClaim in `namespace`)
    shared_workspace_claim: str = Field(
        default="", description="Claim holding the network's /workspace; empty: none"
    )
    shared_workspace_root: str = Field(
        default="/workspace", description="What the network calls the claim's root"
    )
    workspace_wait_seconds: float = Field(
        default=600.0, ge=0, description="Longest wait for a workspace another task writes in"
    )
    output_artifacts_max_bytes: int = Field(
        default=256 * 1024, ge=0, description="Cap of output.artifacts in a Redis result"
    )

    # Observability
    metrics_port: int = Field(default=8080, description="Prometheus metrics; 0 disables")
    health_port: int = Field(default=8081, description="kopf liveness endpoint; 0 disables")
    # Tool-level progress of running workers (their pod logs, followed by the operator)
    progress_enabled: bool = Field(
        default=True, description="Relay running workers' tool calls to Redis logs and Events"
    )
    progress_interval_seconds: float = Field(
        default=5.0, ge=0, description="At most one Redis progress line per worker this often"
    )
    progress_max_lines: int = Field(
        default=100, ge=0, description="Redis progress lines per task, at most"
    )
    progress_event_interval_seconds: float = Field(
        default=30.0, ge=0, description="At most one progress Event per worker this often"
    )
    progress_max_events: int = Field(
        default=5, ge=0, description="Progress Events per task, at most"
    )
    progress_max_followers: int = Field(
        default=100, ge=1, description="Worker pod logs followed at once, at most"
    )

    # Operator process (kopf)
    peering: str = Field(
        default="", description="kopf peering name for replicas; empty: standalone"
    )
    watch_namespaces: list[str] = Field(default=[], description="Namespaces to watch; empty: all")
    peering_lifetime_seconds: int = Field(
        default=6,
        ge=2,
        description="A silent replica counts as dead after this; standby takes over",
    )

    # Clean-up and bounds
    task_ttl_seconds: int = Field(
        default=3 * 86400, ge=0, description="Finished DevOpsTasks are deleted after this"
    )
    gc_interval_seconds: float = Field(default=60.0, gt=0, description="Sweep for expired tasks")
    # Settled tasks leave the watch (core.unwatch): memory stays flat with 10,000 of them.
    unwatch_settled_after_seconds: float = Field(
        default=600.0, ge=0, description="A settled task leaves the watch this long after; 0: never"
    )
    result_ttl_seconds: int = Field(
        default=7 * 86400, ge=60, description="Expiry of a published results:{id} and its logs"
    )
    dead_letter_max: int = Field(default=1000, ge=1, description="Items kept in tasks:dead")


class Secrets(BaseSettings):
    """Secrets, read unprefixed as the SDKs expect them; SecretStr keeps them out of reprs."""

    model_config = SettingsConfigDict(extra="ignore")

    anthropic_api_key: SecretStr | None = None


# --- Transport retries and timeouts ---------------------------------------------------
# Fixed figures of how each client rides out a blip; the policies built on them (what is
# retried, after how long) live in `core/policies.py`.
REDIS_CLIENT_RETRIES = 2  # redis-py's own quick retries; an outage is the callers' business
REDIS_CONNECT_TIMEOUT_SECONDS = 5.0
REDIS_WRITE_TIMEOUT_SECONDS = 5.0
REDIS_SOCKET_MARGIN_SECONDS = 10.0  # socket timeout = block time + this: idle BLMOVEs stay quiet
REDIS_PROBE_TIMEOUT_SECONDS = 2.0  # a readiness probe must answer well within its own timeout
KUBE_CONFLICT_DELAY_SECONDS = 1.0  # a 409: someone else wrote; re-observe soon
KUBE_OUTAGE_DELAY_SECONDS = 5.0  # throttling, 5xx, connection errors
# Connections the API client keeps for reuse: every thread that may call at once (the
# passes' executor, up to 32 threads, the collector's deletes, the bridge's loops). The
# client's default (5 per CPU, 10 here) made bursts open connections and throw them away
# ("Connection pool is full, discarding connection"), each a new TLS handshake.
KUBE_POOL_CONNECTIONS = 48
RECONCILE_CONFLICT_REPEATS = 3  # passes re-run at once when the status write meets a 409
BRIDGE_BACKOFF_START_SECONDS = 0.5  # a bridge loop's first wait after a failed step
BRIDGE_BACKOFF_MAX_SECONDS = 15.0


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
