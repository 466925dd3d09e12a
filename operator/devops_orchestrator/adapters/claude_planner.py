"""The Claude planner: one small Messages API call with a forced `submit_plan` tool,
validated against the known workers. Any error, timeout, refusal or unusable reply falls
back to the deterministic planner, and the decision says so (`note`). The only module of
the operator that talks to the Messages API."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from devops_orchestrator.config import Settings
from devops_orchestrator.core.model_planner import (
    PLAN_TOOL,
    PlanReplyError,
    build_plan_request,
    parse_plan_reply,
)
from devops_orchestrator.core.routing import RoutingDecision, route
from devops_orchestrator.models import AgentDefinition, DevOpsTaskSpec, TokenUsage
from devops_orchestrator.worker.claude.pricing import parse_price_table, price_for, price_reported

if TYPE_CHECKING:
    import anthropic

log = logging.getLogger(__name__)

MAX_PLAN_TOKENS = 1024  # a plan of a few workers with one-line reasons
ALIASES = ("sonnet", "opus", "haiku")
# When the alias's setting is empty (an SDK-resolved default), the planner pins its own.
PINNED = {"haiku": "claude-haiku-4-5", "sonnet": "claude-sonnet-4-5", "opus": "claude-opus-4-5"}
Planner = Callable[[DevOpsTaskSpec, Sequence[AgentDefinition]], RoutingDecision]


def resolve_planner_model(settings: Settings) -> str:
    """`DEVOPS_PLANNER_MODEL`: an alias maps to `DEVOPS_MODEL_<ALIAS>`, an id is kept."""
    name = settings.planner_model.strip()
    if name.lower() not in ALIASES:
        return name
    configured = str(getattr(settings, f"model_{name.lower()}", "") or "")
    return configured or PINNED[name.lower()]


def build_planner(settings: Settings, api_key: str | None) -> Planner | None:
    """The reconciler's planner: Claude when a key is configured and the setting allows,
    else None (the deterministic planner decides inside the pure decision)."""
    if not api_key or settings.planner != "auto":
        return None
    log.info("planning with %s (fallback: deterministic)", resolve_planner_model(settings))

    def planner(spec: DevOpsTaskSpec, definitions: Sequence[AgentDefinition]) -> RoutingDecision:
        return plan_task(spec, definitions, settings, api_key)

    return planner


def plan_task(
    spec: DevOpsTaskSpec,
    definitions: Sequence[AgentDefinition],
    settings: Settings,
    api_key: str | None,
) -> RoutingDecision:
    """Claude's plan when a key is configured (and `spec.workers` does not decide),
    else the deterministic one."""
    if spec.workers or not api_key or settings.planner != "auto":
        return route(spec, definitions)
    try:
        return ask_claude(spec, definitions, settings, api_key)
    except PlanningError as failure:
        log.warning("claude planner fell back to the deterministic one: %s", failure.reason)
        fallback = route(spec, definitions)
        note = f"the claude planner failed ({failure.reason}); deterministic plan used"
        model = resolve_planner_model(settings)
        return replace(fallback, note=note, model=model, usage=failure.usage)


class PlanningError(Exception):
    def __init__(self, reason: str, usage: TokenUsage | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage  # a garbage reply still cost its tokens


def ask_claude(
    spec: DevOpsTaskSpec,
    definitions: Sequence[AgentDefinition],
    settings: Settings,
    api_key: str,
) -> RoutingDecision:
    """One call; raises PlanningError with a reason that never carries the key."""
    # Imported only by an operator that plans with Claude: the SDK and its types hold
    # about 45 MiB of an operator's memory that most installations never use.
    import anthropic
    from anthropic.types import MessageParam, ToolChoiceToolParam, ToolParam

    request = build_plan_request(spec, definitions)
    model = resolve_planner_model(settings)
    messages: list[MessageParam] = [{"role": "user", "content": request.user}]
    tool = ToolParam(
        name=PLAN_TOOL,
        description=str(request.tool["description"]),
        input_schema=request.tool["input_schema"],
    )
    client = anthropic.Anthropic(
        api_key=api_key,
        base_url=settings.anthropic_base_url or None,
        timeout=settings.planner_timeout_seconds,
        max_retries=1,
    )
    try:
        with client:
            message = client.messages.create(
                model=model,
                max_tokens=MAX_PLAN_TOKENS,
                system=request.system,
                messages=messages,
                tools=[tool],
                tool_choice=ToolChoiceToolParam(type="tool", name=PLAN_TOOL),
            )
    except anthropic.APITimeoutError:
        raise PlanningError(f"no answer within {settings.planner_timeout_seconds:g} s") from None
    except anthropic.APIStatusError as exc:
        raise PlanningError(f"the API answered {exc.status_code}") from None
    except anthropic.APIError as exc:
        raise PlanningError(f"the API call failed: {type(exc).__name__}") from None
    usage = price_usage(message.usage, model, settings)
    blocks = [b for b in message.content if b.type == "tool_use" and b.name == PLAN_TOOL]
    if message.stop_reason != "tool_use" or not blocks:
        raise PlanningError(f"no plan in the reply (stop reason {message.stop_reason})", usage)
    try:
        return parse_plan_reply(blocks[0].input, definitions, model=model, usage=usage)
    except PlanReplyError as exc:
        raise PlanningError(f"unusable plan: {exc}", usage) from None


def price_usage(reported: anthropic.types.Usage, model: str, settings: Settings) -> TokenUsage:
    """The call's tokens and USD cost, priced as a worker's (DEVOPS_CLAUDE_PRICES)."""
    try:
        overrides = parse_price_table(settings.claude_prices)
    except ValueError as exc:
        log.warning("%s; the planner's cost uses the built-in prices", exc)
        overrides = {}
    return price_reported(reported, price_for(model, overrides))
