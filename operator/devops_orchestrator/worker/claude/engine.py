"""The claude engine: a Messages API conversation with sandboxed tools that ends when the
model calls `submit_result`.

Every stop reason keeps the history valid: no empty assistant message is sent, a tool
call cut off by `max_tokens` is never run (max_tokens grows, or the model is told), a
paused turn is sent back to continue, a refusal fails the worker with the model's reason,
a full context window clears old tool results and goes on. A turn without a result is
answered "continue or submit"; at the turn, token, cost or time limit `tool_choice`
forces `submit_result`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anthropic
from anthropic.types import Message, ToolChoiceParam

from devops_orchestrator.config import Secrets, Settings, get_settings
from devops_orchestrator.models import (
    AgentDefinition,
    Briefing,
    Issue,
    Severity,
    WorkerResult,
)
from devops_orchestrator.worker.claude import history, prompts
from devops_orchestrator.worker.claude.context import ToolContext, ToolLimits
from devops_orchestrator.worker.claude.conversation import (
    ContextOverflowError,
    Conversation,
    Limits,
)
from devops_orchestrator.worker.claude.files import FileTracker
from devops_orchestrator.worker.claude.history import Block
from devops_orchestrator.worker.claude.models import resolve_model
from devops_orchestrator.worker.claude.pricing import parse_price_table, price_for
from devops_orchestrator.worker.claude.redact import redact
from devops_orchestrator.worker.claude.result import (
    SUBMIT_TOOL,
    ResultError,
    build_submit_tool,
    parse_submission,
)
from devops_orchestrator.worker.claude.sandbox import Sandbox
from devops_orchestrator.worker.claude.toolbox import Toolbox
from devops_orchestrator.worker.claude.transcript import Transcript
from devops_orchestrator.worker.engine import EngineError

log = logging.getLogger(__name__)

MAX_NUDGES = 3  # turns in a row without a tool call before the result is forced
MAX_FORCED_TURNS = 3  # forced turns (a refused submission gets fixed) before giving up
FORCE_SUBMIT: ToolChoiceParam = {"type": "tool", "name": SUBMIT_TOOL}


def _describe_api_error(exc: anthropic.APIError) -> str:
    if isinstance(exc, anthropic.AuthenticationError):
        return "the Messages API refused the API key (401); check the Secret"
    if isinstance(exc, anthropic.APIStatusError):
        detail = exc.api_message or (exc.body if isinstance(exc.body, str) else "")
        return f"Messages API error {exc.status_code}: {str(detail)[:300] or exc.type}"
    if isinstance(exc, anthropic.APITimeoutError):
        return "the Messages API did not answer in time"
    return f"cannot reach the Messages API: {exc.message}"


def _refusal_reason(message: Message) -> str:
    details = message.stop_details
    explanation = getattr(details, "explanation", None) if details is not None else None
    text = " ".join(b.text.strip() for b in message.content if b.type == "text").strip()
    category = getattr(details, "category", None) if details is not None else None
    return explanation or text or (f"category {category}" if category else "no reason given")


@dataclass
class _Loop:
    """What the loop remembers between turns."""

    forced: str | None = None  # the limit that forced the result
    forced_turns: int = 0
    nudges: int = 0


@dataclass(frozen=True)
class _Setup:
    model: str
    ctx: ToolContext
    toolbox: Toolbox


class ClaudeEngine:
    """`Engine` over the `anthropic` SDK; see the module docstring for the contract."""

    def __init__(
        self,
        name: str = "claude",
        *,
        settings: Settings | None = None,
        secrets: Secrets | None = None,
        limits: ToolLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        hidden: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.settings = settings or get_settings()
        self.secrets = secrets if secrets is not None else Secrets()
        self.limits = limits or ToolLimits(read_max_bytes=self.settings.claude_read_max_tokens * 4)
        self.clock = clock
        self.sleep = sleep
        self.hidden = hidden  # other secrets the worker holds (git): redacted like the key

    def _client(self, key: str) -> anthropic.Anthropic:
        # Retries are the engine's own: they keep the conversation and respect the deadline.
        return anthropic.Anthropic(
            api_key=key, base_url=self.settings.anthropic_base_url or None, max_retries=0
        )

    def _seconds(self, briefing: Briefing) -> float:
        """The run's time: the configured wall clock, cut by the task's deadline."""
        seconds = self.settings.claude_timeout_seconds
        if briefing.deadline is not None:
            deadline = briefing.deadline
            if deadline.tzinfo is None:
                deadline = deadline.replace(tzinfo=UTC)
            seconds = min(seconds, (deadline - datetime.now(UTC)).total_seconds())
        return seconds

    def _limits(self, briefing: Briefing, definition: AgentDefinition, seconds: float) -> Limits:
        s = self.settings
        budget = briefing.budget
        max_tokens = s.claude_max_tokens_total
        if budget is not None and budget.max_tokens is not None:
            max_tokens = min(max_tokens, budget.max_tokens)
        return Limits(
            max_turns=min(s.claude_max_turns, definition.max_turns or s.claude_max_turns),
            max_tokens_total=max_tokens,
            max_cost_usd=budget.max_cost_usd if budget is not None else None,
            deadline=self.clock() + seconds,
            submit_reserve_seconds=min(s.claude_submit_reserve_seconds, max(seconds, 0) * 0.2),
            max_output_tokens=s.claude_max_output_tokens,
            output_tokens_ceiling=max(s.claude_output_tokens_ceiling, s.claude_max_output_tokens),
            max_retries=s.claude_max_retries,
        )

    def run(self, briefing: Briefing, definition: AgentDefinition, workspace: Path) -> WorkerResult:
        secret = self.secrets.anthropic_api_key
        key = secret.get_secret_value() if secret is not None else ""
        if not key:
            raise EngineError("the claude engine needs ANTHROPIC_API_KEY (none is set)")
        setup = self._prepare(definition, workspace, key)
        seconds = self._seconds(briefing)
        if seconds <= 0:
            raise EngineError("the task's deadline has passed before the run started")
        with self._client(key) as client:
            conversation = Conversation(
                client=client,
                model=setup.model,
                system=prompts.build_system(definition, setup.toolbox.names),
                tools=[*setup.toolbox.params, build_submit_tool(definition)],
                limits=self._limits(briefing, definition, seconds),
                price=price_for(setup.model, parse_price_table(self.settings.claude_prices)),
                transcript=Transcript(secrets=setup.ctx.secrets),
                clock=self.clock,
                sleep=self.sleep,
                caching=self.settings.claude_prompt_caching,
            )
            # No tool call may outlast the time before the submit turn.
            setup.ctx.time_left = conversation.tool_seconds
            first = prompts.build_first_message(briefing) + prompts.deadline_note(seconds)
            conversation.user_text(first)
            try:
                result, forced = self._converse(conversation, setup.toolbox)
            except anthropic.APIError as exc:
                raise self._failure(_describe_api_error(exc), conversation, setup) from None
            except EngineError as exc:
                raise self._failure(str(exc), conversation, setup) from None
        budgeted = forced in ("tokens", "cost") and briefing.budget is not None
        return self._complete(result, conversation, setup, forced if budgeted else None)

    def _prepare(self, definition: AgentDefinition, workspace: Path, key: str) -> _Setup:
        try:
            model = resolve_model(definition.model, self.settings)
            sandbox = Sandbox(workspace)
            parse_price_table(self.settings.claude_prices)
        except (ValueError, OSError) as exc:
            raise EngineError(str(exc)) from exc
        ctx = ToolContext(
            sandbox=sandbox,
            tracker=FileTracker.snapshot(sandbox, self.limits.walk_max_files),
            limits=self.limits,
            bash_path=self.settings.bash_path,
            secrets=(key, *self.hidden),
        )
        toolbox = Toolbox(ctx, definition.tools)
        if toolbox.unknown:
            log.warning("%s: tools we do not provide: %s", definition.name, toolbox.unknown)
        log.info("%s: claude engine on %s, tools %s", definition.name, model, toolbox.names)
        return _Setup(model, ctx, toolbox)

    def _failure(self, message: str, conversation: Conversation, setup: _Setup) -> EngineError:
        message = redact(message, setup.ctx.secrets)
        conversation.note("failed", reason=message)
        return EngineError(
            message,
            usage=conversation.usage,
            transcript=conversation.transcript.render(),
        )

    # -- the loop ------------------------------------------------------------------------

    def _converse(
        self, conversation: Conversation, toolbox: Toolbox
    ) -> tuple[WorkerResult, str | None]:
        """The submitted result, and the limit that forced it (None: submitted freely)."""
        loop = _Loop()
        while True:
            self._trim_if_large(conversation)
            if loop.forced is None and (limit := conversation.limit_reached()):
                self._force(conversation, toolbox, loop, limit)
            if loop.forced is not None:
                loop.forced_turns += 1
                if loop.forced_turns > MAX_FORCED_TURNS:
                    raise EngineError(
                        f"stopped at the {loop.forced} limit; the model never submitted a "
                        "valid result"
                    )
            try:
                message = conversation.send(FORCE_SUBMIT if loop.forced else None)
            except ContextOverflowError as exc:
                self._make_room(conversation, str(exc))
                continue
            result = self._answer(conversation, toolbox, message, loop)
            if result is not None:
                return result, loop.forced

    def _force(self, conversation: Conversation, toolbox: Toolbox, loop: _Loop, limit: str) -> None:
        loop.forced = limit
        conversation.note("submit_forced", limit=limit)
        toolbox.ctx.issues.append(
            Issue(
                severity=Severity.WARNING,
                message=f"stopped at the {limit} limit; the work may be unfinished",
                validator="claude-engine",
            )
        )
        conversation.user_text(prompts.LIMIT_MESSAGE.format(limit=limit))

    def _answer(
        self, conversation: Conversation, toolbox: Toolbox, message: Message, loop: _Loop
    ) -> WorkerResult | None:
        """Act on one answer by its stop reason; the result once it is submitted."""
        stop = message.stop_reason
        blocks = history.blocks_of(message.content)
        if stop == "refusal":
            raise EngineError(f"the model refused: {_refusal_reason(message)}")
        if stop == "model_context_window_exceeded":
            self._make_room(conversation, "the model's context window is full")
            return None  # the cut answer is dropped; the request goes again, smaller
        if stop == "max_tokens" and blocks and blocks[-1]["type"] == "tool_use":
            self._cut_tool_call(conversation, blocks)
            return None
        conversation.assistant(blocks)
        if stop == "pause_turn":
            history.final_assistant_ready(conversation.messages)
            return None  # sent back as it is: the model continues its turn
        uses = [b for b in blocks if b["type"] == "tool_use"]
        if uses:
            loop.nudges = 0
            return self._run_tools(conversation, toolbox, uses)
        loop.nudges += 1
        if loop.nudges > MAX_NUDGES and loop.forced is None:
            self._force(conversation, toolbox, loop, "no-progress")
            return None
        cut = stop == "max_tokens"
        conversation.user_text(prompts.CUT_TEXT if cut else prompts.CONTINUE_OR_SUBMIT)
        return None

    def _cut_tool_call(self, conversation: Conversation, blocks: list[Block]) -> None:
        """A tool call cut off by max_tokens is never run: ask again with more room, or
        (at the ceiling) tell the model to split the work."""
        tool = str(blocks[-1].get("name"))
        ceiling = conversation.limits.output_tokens_ceiling
        if conversation.max_tokens < ceiling:
            conversation.max_tokens = min(conversation.max_tokens * 2, ceiling)
            conversation.note("tool_call_cut", tool=tool, max_tokens=conversation.max_tokens)
            return
        conversation.note("tool_call_cut", tool=tool, max_tokens="ceiling")
        conversation.assistant([b for b in blocks if b["type"] == "text"])
        conversation.user_text(prompts.CUT_TOOL_CALL.format(tool=tool))

    def _run_tools(
        self, conversation: Conversation, toolbox: Toolbox, uses: list[Block]
    ) -> WorkerResult | None:
        results: list[Block] = []
        submitted: WorkerResult | None = None
        for use in uses:
            if use["name"] == SUBMIT_TOOL:
                try:
                    submitted = parse_submission(use["input"])
                    content, is_error = "result accepted", False
                except ResultError as exc:
                    content = f"result refused: {exc}. Call submit_result again, corrected."
                    is_error = True
            else:
                outcome = toolbox.run(use["name"], use["input"])
                content, is_error = outcome.content, outcome.is_error
            results.append(
                {
                    "type": "tool_result",
                    "tool_use_id": use["id"],
                    "content": content,
                    "is_error": is_error,
                }
            )
        conversation.user(results)
        return submitted

    def _trim_if_large(self, conversation: Conversation) -> None:
        """Old tool results go once the prompt is large: one batch, so the cache breaks
        rarely."""
        if conversation.last_input_tokens <= self.settings.claude_context_trim_tokens:
            return
        keep = self.settings.claude_keep_tool_results
        cleared = history.clear_old_tool_results(conversation.messages, keep)
        if cleared:
            conversation.note("context_trimmed", cleared=cleared, reason="large prompt")
            conversation.last_input_tokens = 0

    def _make_room(self, conversation: Conversation, reason: str) -> None:
        cleared = history.clear_old_tool_results(conversation.messages, keep=1)
        if not cleared:
            raise EngineError(f"the conversation no longer fits the model ({reason})")
        conversation.note("context_trimmed", cleared=cleared, reason=reason)

    # -- the result ----------------------------------------------------------------------

    def _complete(
        self,
        result: WorkerResult,
        conversation: Conversation,
        setup: _Setup,
        exceeded: str | None,
    ) -> WorkerResult:
        claimed = [*result.files_created, *result.files_modified]
        created, modified = setup.ctx.tracker.changes(claimed)
        completed = result.model_copy(
            update={
                "files_created": created,
                "files_modified": modified,
                "issues": [*result.issues, *setup.ctx.issues],
                "engine": "claude",
                "model": setup.model,
                "usage": conversation.usage,
                "budget_exceeded": exceeded,
            }
        )
        dumped = completed.model_dump_json()
        redacted = redact(dumped, setup.ctx.secrets)
        if redacted != dumped:
            completed = WorkerResult.model_validate_json(redacted)
        completed._transcript = conversation.transcript.render()
        return completed
