"""The claude engine: a Messages API conversation with sandboxed tools that ends in a
JSON `WorkerResult`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import anthropic
from anthropic.types import ContentBlockParam, Message, ToolResultBlockParam

from devops_orchestrator.config import Secrets, Settings, get_settings
from devops_orchestrator.models import (
    AgentDefinition,
    Briefing,
    Issue,
    Severity,
    WorkerResult,
)
from devops_orchestrator.worker.claude import prompts
from devops_orchestrator.worker.claude.context import ToolContext, ToolLimits
from devops_orchestrator.worker.claude.conversation import Budget, Conversation
from devops_orchestrator.worker.claude.files import FileTracker
from devops_orchestrator.worker.claude.models import resolve_model
from devops_orchestrator.worker.claude.redact import redact
from devops_orchestrator.worker.claude.result import ResultError, parse_result
from devops_orchestrator.worker.claude.sandbox import Sandbox
from devops_orchestrator.worker.claude.toolbox import Toolbox
from devops_orchestrator.worker.engine import EngineError

log = logging.getLogger(__name__)


def _text_of(message: Message) -> str:
    return "\n".join(block.text for block in message.content if block.type == "text")


def _describe_api_error(exc: anthropic.APIError) -> str:
    if isinstance(exc, anthropic.AuthenticationError):
        return "the Messages API refused the API key (401); check the Secret"
    if isinstance(exc, anthropic.APIStatusError):
        return f"Messages API error {exc.status_code}: {exc.message}"
    if isinstance(exc, anthropic.APITimeoutError):
        return "the Messages API did not answer in time"
    return f"cannot reach the Messages API: {exc.message}"


class ClaudeEngine:
    """`Engine` over the `anthropic` SDK; see the package docstring for the contract."""

    def __init__(
        self,
        name: str = "claude",
        *,
        settings: Settings | None = None,
        secrets: Secrets | None = None,
        limits: ToolLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        hidden: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.settings = settings or get_settings()
        self.secrets = secrets if secrets is not None else Secrets()
        self.limits = limits or ToolLimits()
        self.clock = clock
        self.hidden = hidden  # other secrets the worker holds (git): redacted like the key

    def _client(self, key: str) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            api_key=key,
            base_url=self.settings.anthropic_base_url or None,  # None: ANTHROPIC_BASE_URL
            max_retries=self.settings.claude_max_retries,
        )

    def _budget(self) -> Budget:
        s = self.settings
        return Budget(
            max_turns=s.claude_max_turns,
            max_tokens_total=s.claude_max_tokens_total,
            timeout_seconds=s.claude_timeout_seconds,
            max_output_tokens=s.claude_max_output_tokens,
        )

    def run(self, briefing: Briefing, definition: AgentDefinition, workspace: Path) -> WorkerResult:
        secret = self.secrets.anthropic_api_key
        key = secret.get_secret_value() if secret is not None else ""
        if not key:
            raise EngineError("the claude engine needs ANTHROPIC_API_KEY (none is set)")
        try:
            return self._run(briefing, definition, workspace, key)
        except anthropic.APIError as exc:
            raise EngineError(redact(_describe_api_error(exc), [key])) from None
        except EngineError as exc:
            raise EngineError(redact(str(exc), [key])) from None

    def _run(
        self, briefing: Briefing, definition: AgentDefinition, workspace: Path, key: str
    ) -> WorkerResult:
        try:
            model = resolve_model(definition.model, self.settings)
            sandbox = Sandbox(workspace)
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
        with self._client(key) as client:
            conversation = Conversation(
                client=client,
                model=model,
                system=prompts.build_system(definition, toolbox.names),
                tools=toolbox.params,
                budget=self._budget(),
                clock=self.clock,
            )
            # No tool call may outlast the run's wall clock.
            ctx.time_left = lambda: (
                conversation.budget.timeout_seconds - (self.clock() - conversation.started)
            )
            conversation.say(prompts.build_first_message(briefing))
            answer = self._converse(conversation, toolbox)
            result = self._final_result(conversation, answer)
        return self._complete(result, conversation, ctx, model, key)

    def _converse(self, conversation: Conversation, toolbox: Toolbox) -> Message:
        """Send and run tools until the model ends its turn (or a budget forces it to)."""
        while True:
            response = conversation.send()
            uses = [block for block in response.content if block.type == "tool_use"]
            if not uses:
                break
            results: list[ContentBlockParam] = []
            for use in uses:
                outcome = toolbox.run(use.name, use.input)
                log.info("tool %s%s", use.name, " (error)" if outcome.is_error else "")
                block: ToolResultBlockParam = {
                    "type": "tool_result",
                    "tool_use_id": use.id,
                    "content": outcome.content,
                    "is_error": outcome.is_error,
                }
                results.append(block)
            limit = conversation.exhausted()
            if limit is None:
                conversation.say(results)
                continue
            log.warning("%s budget used up; asking for the result", limit)
            toolbox.ctx.issues.append(
                Issue(
                    severity=Severity.WARNING,
                    message=f"stopped at the {limit} limit; the work may be unfinished",
                    validator="claude-engine",
                )
            )
            notice = prompts.LIMIT_MESSAGE.format(limit=limit)
            conversation.say([*results, {"type": "text", "text": notice}])
            return conversation.send(tools_allowed=False)
        if response.stop_reason == "refusal":
            raise EngineError("the model refused the task")
        return response

    def _final_result(self, conversation: Conversation, answer: Message) -> WorkerResult:
        """The parsed answer; an unusable one gets exactly one repair turn."""
        try:
            return parse_result(_text_of(answer))
        except ResultError as first:
            log.warning("final answer unusable (%s); one repair turn", first)
            conversation.say(prompts.build_repair_message(str(first)))
        repaired = conversation.send(tools_allowed=False)
        try:
            return parse_result(_text_of(repaired))
        except ResultError as second:
            raise EngineError(f"no valid JSON result after the repair turn: {second}") from None

    def _complete(
        self,
        result: WorkerResult,
        conversation: Conversation,
        ctx: ToolContext,
        model: str,
        key: str,
    ) -> WorkerResult:
        created, modified = ctx.tracker.changes([*result.files_created, *result.files_modified])
        completed = result.model_copy(
            update={
                "files_created": created,
                "files_modified": modified,
                "issues": [*result.issues, *ctx.issues],
                "engine": "claude",
                "model": model,
                "usage": conversation.usage,
            }
        )
        dumped = completed.model_dump_json()
        if key in dumped:
            completed = WorkerResult.model_validate_json(redact(dumped, [key]))
        return completed
