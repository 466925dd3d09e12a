"""What the real Messages API refuses, as one pure function over the request body.

The rules and the wording of the messages follow the API's documented behaviour and the
errors it is known to return (`messages.3: tool_use ids were found without tool_result
blocks immediately after: ...`). `check_request` answers the first problem found as an
`ApiProblem` (HTTP status, error type, message), or None for a valid request.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from typing import Any

import jsonschema
from anthropic.types import Model

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
TOOL_USE_ID = re.compile(r"^[a-zA-Z0-9_-]+$")
MAX_CACHE_BREAKPOINTS = 4
TOP_LEVEL_FIELDS = frozenset(
    {
        "model",
        "max_tokens",
        "messages",
        "system",
        "tools",
        "tool_choice",
        "stop_sequences",
        "stream",
        "temperature",
        "top_p",
        "top_k",
        "metadata",
        "service_tier",
        "thinking",
    }
)
USER_BLOCKS = frozenset({"text", "image", "document", "tool_result", "search_result"})
ASSISTANT_BLOCKS = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})


@dataclass(frozen=True)
class ModelInfo:
    max_output_tokens: int
    context_window: int


@dataclass(frozen=True)
class ApiProblem:
    status: int
    error_type: str
    message: str


def _sdk_model_ids() -> list[str]:
    ids: list[str] = []
    for arg in typing.get_args(Model):
        ids += [value for value in typing.get_args(arg) if isinstance(value, str)]
    return ids


def known_models(context_window: int) -> dict[str, ModelInfo]:
    """Every model id the installed SDK lists; Opus 4.0/4.1 allow 32k output, others 64k."""
    models: dict[str, ModelInfo] = {}
    for model_id in _sdk_model_ids():
        small = model_id.startswith(("claude-opus-4-0", "claude-opus-4-1", "claude-opus-4-2025"))
        models[model_id] = ModelInfo(32_000 if small else 64_000, context_window)
    return models


def _invalid(message: str) -> ApiProblem:
    return ApiProblem(400, "invalid_request_error", message)


def _cache_controls(body: dict[str, Any]) -> list[Any]:
    """Every block's `cache_control`, in the order the API processes them: tools, system,
    messages."""
    blocks: list[Any] = list(body.get("tools") or [])
    system = body.get("system")
    if isinstance(system, list):
        blocks += system
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            blocks += content
    return [b["cache_control"] for b in blocks if isinstance(b, dict) and b.get("cache_control")]


def _check_cache_breakpoints(body: dict[str, Any]) -> ApiProblem | None:
    """At most 4 breakpoints, and no 1-hour one after a 5-minute one."""
    controls = _cache_controls(body)
    if len(controls) > MAX_CACHE_BREAKPOINTS:
        return _invalid(
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {len(controls)}."
        )
    ttls = [c.get("ttl", "5m") for c in controls if isinstance(c, dict)]
    if "5m" in ttls and "1h" in ttls[ttls.index("5m") :]:
        return _invalid(
            "A ttl='1h' cache_control block must not come after a ttl='5m' cache_control "
            "block. Note that blocks are processed in the following order: `tools`, "
            "`system`, `messages`."
        )
    return None


THINKING_TYPES = ("enabled", "disabled", "adaptive", "between_tools")
MIN_THINKING_BUDGET = 1024


def _check_thinking(body: dict[str, Any]) -> ApiProblem | None:
    thinking = body["thinking"]
    if not isinstance(thinking, dict) or thinking.get("type") not in THINKING_TYPES:
        return _invalid(f"thinking.type: Input tag is not one of {', '.join(THINKING_TYPES)}")
    if thinking["type"] == "disabled":
        return None
    if thinking["type"] == "enabled":
        budget = thinking.get("budget_tokens")
        if isinstance(budget, bool) or not isinstance(budget, int):
            return _invalid("thinking.enabled.budget_tokens: Field required")
        if budget < MIN_THINKING_BUDGET:
            return _invalid(
                "thinking.enabled.budget_tokens: Input should be greater than or equal to "
                f"{MIN_THINKING_BUDGET}"
            )
        if budget >= body["max_tokens"]:
            return _invalid("`max_tokens` must be greater than `thinking.budget_tokens`")
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        return _invalid("Thinking may not be enabled when tool_choice forces tool use.")
    return None


def _check_cache_control(where: str, block: dict[str, Any]) -> ApiProblem | None:
    control = block.get("cache_control")
    if control is None:
        return None
    if not isinstance(control, dict) or control.get("type") != "ephemeral":
        return _invalid(f"{where}.cache_control.type: Input should be 'ephemeral'")
    if control.get("ttl", "5m") not in ("5m", "1h"):
        return _invalid(f"{where}.cache_control.ttl: Input should be '5m' or '1h'")
    if block.get("type") == "text" and not block.get("text"):
        return _invalid(f"{where}: cache_control cannot be set for empty text blocks")
    return None


def _check_text(where: str, block: dict[str, Any]) -> ApiProblem | None:
    text = block.get("text")
    if not isinstance(text, str):
        return _invalid(f"{where}.text: Field required")
    if not text:
        return _invalid("messages: text content blocks must be non-empty")
    if not text.strip():
        return _invalid("messages: text content blocks must contain non-whitespace text")
    return None


def _check_tool_result(where: str, block: dict[str, Any]) -> ApiProblem | None:
    content = block.get("content", "")
    if isinstance(content, list):
        for index, inner in enumerate(content):
            if not isinstance(inner, dict) or inner.get("type") not in ("text", "image"):
                return _invalid(f"{where}.content.{index}: Input tag is not one of text, image")
            if inner["type"] == "text" and (problem := _check_text(f"{where}.content", inner)):
                return problem
    elif not isinstance(content, str):
        return _invalid(f"{where}.content: Input should be a valid string or list")
    if "is_error" in block and not isinstance(block["is_error"], bool):
        return _invalid(f"{where}.is_error: Input should be a valid boolean")
    return None


def _check_block(where: str, role: str, block: Any, seen_ids: set[str]) -> ApiProblem | None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return _invalid(f"{where}.type: Field required")
    kind = block["type"]
    allowed = USER_BLOCKS if role == "user" else ASSISTANT_BLOCKS
    if kind not in allowed:
        return _invalid(f"{where}: '{kind}' blocks are not allowed in {role} messages")
    if problem := _check_cache_control(where, block):
        return problem
    if kind == "text":
        return _check_text(where, block)
    if kind == "tool_use":
        tool_id = block.get("id")
        if not isinstance(tool_id, str) or not TOOL_USE_ID.match(tool_id):
            return _invalid(f"{where}.id: String should match pattern '^[a-zA-Z0-9_-]+$'")
        if tool_id in seen_ids:
            return _invalid(f"{where}: `tool_use` ids must be unique: {tool_id}")
        seen_ids.add(tool_id)
        if not isinstance(block.get("name"), str) or not TOOL_NAME.match(block["name"]):
            return _invalid(f"{where}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'")
        if not isinstance(block.get("input"), dict):
            return _invalid(f"{where}.input: Input should be a valid dictionary")
    if kind == "tool_result":
        return _check_tool_result(where, block)
    return None


def _blocks(content: Any) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content) if isinstance(content, list) else []


def _check_tool_pairing(index: int, message: dict[str, Any], previous: Any) -> ApiProblem | None:
    """A user message after tool_use blocks starts with exactly their tool_results."""
    uses = (
        [b["id"] for b in _blocks(previous.get("content")) if b.get("type") == "tool_use"]
        if isinstance(previous, dict) and previous.get("role") == "assistant"
        else []
    )
    blocks = _blocks(message.get("content"))
    results = [b for b in blocks if b.get("type") == "tool_result"]
    for position, block in enumerate(blocks):
        if block.get("type") == "tool_result" and block.get("tool_use_id") not in uses:
            return _invalid(
                f"messages.{index}.content.{position}: unexpected `tool_use_id` found in "
                f"`tool_result` blocks: {block.get('tool_use_id')}. Each `tool_result` block "
                "must have a corresponding `tool_use` block in the previous message."
            )
    if not uses:
        return None
    answered = {b.get("tool_use_id") for b in results}
    missing = [u for u in uses if u not in answered]
    if missing or message.get("role") != "user":
        return _invalid(
            f"messages.{index}: `tool_use` ids were found without `tool_result` blocks "
            f"immediately after: {', '.join(missing or uses)}. Each `tool_use` block must "
            "have a corresponding `tool_result` block in the next message."
        )
    leading = blocks[: len(uses)]
    if any(b.get("type") != "tool_result" for b in leading) or len(results) != len(uses):
        return _invalid(
            f"messages.{index}: Did not find {len(uses)} tool_result block(s) at the beginning "
            "of this message. Messages following tool_use blocks must begin with a matching "
            "number of tool_result blocks."
        )
    return None


def _check_messages(messages: Any) -> ApiProblem | None:
    if not isinstance(messages, list) or not messages:
        return _invalid("messages: at least one message is required")
    seen_ids: set[str] = set()
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return _invalid(f"messages.{index}.role: Input should be 'user' or 'assistant'")
        if index == 0 and message["role"] != "user":
            return _invalid('messages: first message must use the "user" role')
        content = message.get("content")
        final_assistant = index == len(messages) - 1 and message["role"] == "assistant"
        if not isinstance(content, str | list):
            return _invalid(f"messages.{index}.content: Input should be a valid string or list")
        if not content and not final_assistant:
            return _invalid(
                f"messages.{index}: all messages must have non-empty content except for the "
                "optional final assistant message"
            )
        for position, block in enumerate(_blocks(content) if content else []):
            where = f"messages.{index}.content.{position}"
            if problem := _check_block(where, message["role"], block, seen_ids):
                return problem
        previous = messages[index - 1] if index else None
        if problem := _check_tool_pairing(index, message, previous):
            return problem
        if final_assistant and content:
            last = _blocks(content)[-1]
            if last.get("type") == "text" and last["text"] != last["text"].rstrip():
                return _invalid("final assistant content cannot end with trailing whitespace")
    last = messages[-1]
    dangling = {"role": "user", "content": []}
    if last.get("role") == "assistant" and (
        problem := _check_tool_pairing(len(messages), dangling, last)
    ):
        return problem
    return None


def _check_tools(tools: Any) -> ApiProblem | None:
    if not isinstance(tools, list):
        return _invalid("tools: Input should be a valid list")
    names: set[str] = set()
    for index, tool in enumerate(tools):
        where = f"tools.{index}"
        if not isinstance(tool, dict):
            return _invalid(f"{where}: Input should be a valid dictionary")
        name = tool.get("name")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            return _invalid(
                f"{where}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
            )
        if name in names:
            return _invalid("tools: Tool names must be unique.")
        names.add(name)
        if "description" in tool and not isinstance(tool["description"], str):
            return _invalid(f"{where}.custom.description: Input should be a valid string")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            return _invalid(f"{where}.custom.input_schema.type: Input should be 'object'")
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            return _invalid(f"{where}.custom.input_schema: JSON schema is invalid: {exc.message}")
        if problem := _check_cache_control(where, tool):
            return problem
    return None


def _check_tool_choice(choice: Any, tools: Any) -> ApiProblem | None:
    if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
        return _invalid("tool_choice.type: Input tag is not one of auto, any, tool, none")
    if not tools and choice["type"] != "none":
        return _invalid("tool_choice: tool_choice may only be specified while providing tools.")
    if choice["type"] == "tool":
        names = [t.get("name") for t in tools or [] if isinstance(t, dict)]
        if choice.get("name") not in names:
            return _invalid(f"tool_choice.name: Tool '{choice.get('name')}' not found in tools")
    return None


def _check_system(system: Any) -> ApiProblem | None:
    if isinstance(system, str):
        return None
    if not isinstance(system, list):
        return _invalid("system: Input should be a valid string or list")
    for index, block in enumerate(system):
        where = f"system.{index}"
        if not isinstance(block, dict) or block.get("type") != "text":
            return _invalid(f"{where}.type: Input should be 'text'")
        if problem := _check_cache_control(where, block) or _check_text(where, block):
            return problem
    return None


def _check_max_tokens(body: dict[str, Any], info: ModelInfo) -> ApiProblem | None:
    value = body["max_tokens"]
    if isinstance(value, bool) or not isinstance(value, int):
        return _invalid("max_tokens: Input should be a valid integer")
    if value < 1:
        return _invalid("max_tokens: Input should be greater than or equal to 1")
    if value > info.max_output_tokens:
        return _invalid(
            f"max_tokens: {value} > {info.max_output_tokens}, which is the maximum allowed "
            f"number of output tokens for {body['model']}"
        )
    return None


def _check_sampling(body: dict[str, Any]) -> ApiProblem | None:
    temperature = body.get("temperature")
    if temperature is not None and not (
        isinstance(temperature, int | float) and 0 <= temperature <= 1
    ):
        return _invalid("temperature: Input should be less than or equal to 1")
    stops = body.get("stop_sequences")
    if stops is not None and (
        not isinstance(stops, list) or any(not isinstance(s, str) or not s.strip() for s in stops)
    ):
        return _invalid("stop_sequences: each stop sequence must contain non-whitespace")
    return None


def check_request(body: Any, models: dict[str, ModelInfo]) -> ApiProblem | None:
    """The first thing the real API would refuse about this request body, or None."""
    if not isinstance(body, dict):
        return _invalid("body: Input should be a valid dictionary")
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return _invalid(f"{name}: Field required")
    extra = sorted(set(body) - TOP_LEVEL_FIELDS)
    if extra:
        return _invalid(f"{extra[0]}: Extra inputs are not permitted")
    info = models.get(body["model"]) if isinstance(body["model"], str) else None
    if info is None:
        return ApiProblem(404, "not_found_error", f"model: {body['model']}")
    checks = (
        lambda: _check_max_tokens(body, info),
        lambda: _check_system(body["system"]) if "system" in body else None,
        lambda: _check_tools(body["tools"]) if "tools" in body else None,
        lambda: (
            _check_tool_choice(body["tool_choice"], body.get("tools"))
            if "tool_choice" in body
            else None
        ),
        lambda: _check_thinking(body) if "thinking" in body else None,
        lambda: _check_messages(body["messages"]),
        lambda: _check_sampling(body),
        lambda: _check_cache_breakpoints(body),
    )
    for check in checks:
        if problem := check():
            return problem
    return None
