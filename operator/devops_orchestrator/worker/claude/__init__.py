"""The claude engine: the `anthropic` Messages API with tool use over a sandboxed
workspace.

- tools (Read, Write, Edit, Glob, Grep, Bash, validate), only those the definition
  lists, confined to the workspace (refusals are tool errors and `sandbox` issues);
- the result arrives through the `submit_result` tool, never as free text;
- every stop reason keeps the history valid; budgets (turns, tokens, cost, the task's
  deadline) force the result before they are passed; overload and timeouts are retried
  inside the engine with the conversation kept;
- requests stream and are cached (`cache_control`); usage and USD cost come with the
  result; one log line per turn and tool call; the redacted transcript is kept;
- the API key goes to the SDK only: never into tool environments, logs or results.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devops_orchestrator.worker.claude.engine import ClaudeEngine

__all__ = ["ClaudeEngine"]


def __getattr__(name: str) -> Any:
    # On first use: the operator imports `pricing` from this package, and the engine
    # would bring the SDK (about 45 MiB) into an operator that may never call it.
    if name == "ClaudeEngine":
        from devops_orchestrator.worker.claude.engine import ClaudeEngine

        return ClaudeEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
