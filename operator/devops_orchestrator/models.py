"""Pydantic models shared by every part: the DevOpsTask resource, the network's task
message, a worker's briefing and result, and the aggregated result object."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

# --------------------------------------------------------------------------------------
# Enumerations
# --------------------------------------------------------------------------------------


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Strategy(StrEnum):
    AUTO = "auto"
    PARALLEL = "parallel"
    SEQUENTIAL = "sequential"


class EngineName(StrEnum):
    AUTO = "auto"
    CLAUDE = "claude"
    GENERATOR = "generator"


class TaskPhase(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    PARTIALLY_SUCCEEDED = "PartiallySucceeded"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


class WorkerPhase(StrEnum):
    PENDING = "Pending"  # waiting for its stage
    RUNNING = "Running"
    RETRYING = "Retrying"  # an attempt failed, another is due
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"  # failed after its retries
    SKIPPED = "Skipped"  # a prerequisite failed
    CANCELLED = "Cancelled"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


# --------------------------------------------------------------------------------------
# The DevOpsTask spec (camelCase on the wire, snake_case in Python)
# --------------------------------------------------------------------------------------


class _Camel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class GitWorkspace(_Camel):
    url: str
    ref: str = "main"
    push_branch: str | None = Field(default=None, alias="pushBranch")
    credentials_secret: str | None = Field(default=None, alias="credentialsSecret")


class VolumeWorkspace(_Camel):
    claim_name: str = Field(alias="claimName")
    sub_path: str = Field(default="", alias="subPath")


class WorkspaceSpec(_Camel):
    git: GitWorkspace | None = None
    volume: VolumeWorkspace | None = None


class TaskBudget(_Camel):
    """What a task may spend on model calls, all its workers together; None: no limit."""

    max_tokens: int | None = Field(default=None, alias="maxTokens", ge=1)
    max_cost_usd: float | None = Field(default=None, alias="maxCostUSD", gt=0)


class DevOpsTaskSpec(_Camel):
    description: str
    requirements: list[str] = Field(default_factory=list)
    context: dict[str, Any] = Field(default_factory=dict)
    priority: Priority = Priority.NORMAL
    timeout_seconds: int = Field(default=1800, alias="timeoutSeconds")
    workers: list[str] = Field(default_factory=list)
    strategy: Strategy = Strategy.AUTO
    engine: EngineName = EngineName.AUTO
    workspace: WorkspaceSpec | None = None
    max_retries: int = Field(default=1, alias="maxRetries")
    task_id: str | None = Field(default=None, alias="taskId")
    cancel: bool = False
    budget: TaskBudget | None = None
    publish: bool = False  # results:{taskId} in Redis for a task not taken from there
    ttl_seconds_after_finished: int | None = Field(
        default=None, ge=0, alias="ttlSecondsAfterFinished"
    )


# --------------------------------------------------------------------------------------
# The network's task message (PROTOCOL.md)
# --------------------------------------------------------------------------------------


class TaskPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    description: str
    requirements: list[str] = Field(default_factory=list)
    context: dict[str, Any] = Field(default_factory=dict)


class TaskMetadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    priority: Priority = Priority.NORMAL
    timeout_seconds: int = 300


class TaskMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    task_id: str
    type: str = "task_assignment"
    source: str = "main-orchestrator"
    destination: str = "devops"
    timestamp: str = ""
    payload: TaskPayload
    metadata: TaskMetadata = Field(default_factory=TaskMetadata)


# --------------------------------------------------------------------------------------
# Worker results
# --------------------------------------------------------------------------------------


class Issue(BaseModel):
    model_config = ConfigDict(extra="allow")

    severity: Severity = Severity.WARNING
    message: str
    file: str | None = None
    line: int | None = None
    validator: str | None = None  # "hadolint", "actionlint", "kubernetes-schema", ...
    rule: str | None = None
    worker: str | None = None  # set by aggregation


class TokenUsage(BaseModel):
    """What a worker run spent; `input_tokens` excludes the cached parts, as the API bills."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )

    def plus(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            cost_usd=round(self.cost_usd + other.cost_usd, 6),
        )


class WorkerResult(BaseModel):
    """What one worker returns. Worker-specific fields (docker_config, build_commands,
    security_notes, ci_pipeline, deployment_info, ...) are kept as extra fields and carried
    through to the aggregated `details` untouched."""

    model_config = ConfigDict(extra="allow")

    files_created: list[str] = Field(default_factory=list)
    files_modified: list[str] = Field(default_factory=list)
    summary: str = ""
    issues: list[Issue] = Field(default_factory=list)
    engine: str | None = None
    model: str | None = None
    usage: TokenUsage | None = None
    git_branch: str | None = None
    git_commit: str | None = None
    artifacts_configmap: str | None = None
    artifacts_truncated: list[str] = Field(default_factory=list)
    budget_exceeded: str | None = None  # the budget that stopped the run: tokens or cost
    # The redacted conversation (JSONL), stored beside the result, never inside it.
    _transcript: str = PrivateAttr(default="")


class Briefing(BaseModel):
    """Everything a worker Job needs to do its part, built by the orchestrator."""

    task_name: str
    task_uid: str = ""  # owner of the ConfigMaps the worker writes
    namespace: str
    worker: str
    attempt: int = 1
    job_name: str = ""
    description: str
    requirements: list[str] = Field(default_factory=list)
    context: dict[str, Any] = Field(default_factory=dict)
    engine: EngineName = EngineName.AUTO
    workspace: WorkspaceSpec | None = None
    previous_results: dict[str, WorkerResult] = Field(default_factory=dict)
    prompt: str = ""  # the brief written for this worker (task + earlier stages)
    result_configmap: str = ""  # where the worker stores its result
    deadline: datetime | None = None  # when the task's deadline stops this worker
    budget: TaskBudget | None = None  # this worker's share of what the task may spend


# --------------------------------------------------------------------------------------
# The aggregated result object (PROTOCOL.md "The result object")
# --------------------------------------------------------------------------------------


class AggregatedResult(BaseModel):
    status: Literal["completed", "partial", "failed"]
    workers_used: list[str] = Field(default_factory=list)
    files_created: list[str] = Field(default_factory=list)
    files_modified: list[str] = Field(default_factory=list)
    summary: str = ""
    issues: list[dict[str, Any]] = Field(default_factory=list)
    deployment_info: dict[str, Any] = Field(default_factory=dict)
    details: dict[str, dict[str, Any]] = Field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Worker definitions (.claude/agents/*.md front matter)
# --------------------------------------------------------------------------------------


class IntentRule(BaseModel):
    """What a task means beyond its words, declared by the worker it brings in: the rule
    holds when every group of `when` has one of its phrases in the task and, if given,
    the context sets one of the `context` keys, and no `unless` phrase occurs."""

    model_config = ConfigDict(extra="forbid")

    why: str = Field(min_length=1)  # shown as the worker's reason
    when: list[list[str]] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    unless: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_condition(self) -> IntentRule:
        if not self.when and not self.context:
            raise ValueError("a rule needs `when` phrases or `context` keys")
        if any(not group for group in self.when):
            raise ValueError("every group of `when` needs at least one phrase")
        return self


class AgentDefinition(BaseModel):
    """One worker, as declared by its definition file. Routing and planning read
    `keywords`, `rules` and `after`; the claude engine reads `tools`, `model` and
    `system_prompt`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    # Lower-case words joined by hyphens (Claude Code's rule); it names Jobs and labels.
    name: str = Field(pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$", max_length=40)
    description: str
    tools: list[str] = Field(default_factory=list)
    disallowed_tools: list[str] = Field(default_factory=list, alias="disallowedTools")
    model: str = "sonnet"  # an alias (sonnet, opus, haiku), `inherit`, or a model id
    max_turns: int | None = Field(default=None, ge=1, alias="maxTurns")
    keywords: list[str] = Field(default_factory=list)  # routing words and phrases
    rules: list[IntentRule] = Field(default_factory=list)  # intents beyond the keywords
    after: list[str] = Field(default_factory=list)  # workers it follows when both are planned
    # Its own result fields that later stages get in their briefing (docker_config, ...).
    downstream: list[str] = Field(default_factory=list)
    system_prompt: str = ""
    path: str = ""  # the file it was loaded from, for error messages

    @field_validator("tools", "disallowed_tools", "keywords", "downstream", mode="before")
    @classmethod
    def _split_comma_string(cls, value: Any) -> Any:
        """Claude Code writes `tools: Read, Grep` as often as a YAML list."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
