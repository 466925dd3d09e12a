"""The claude engine: the `anthropic` Messages API with tool use over a sandboxed
workspace.

- tools (Read, Write, Edit, Glob, Grep, Bash, validate), only those the definition
  lists, confined to the workspace (refusals are tool errors and `sandbox` issues);
- budgets: turns, total tokens, wall clock (`DEVOPS_CLAUDE_*`); SDK retries with backoff
  on 429, 529 and 5xx;
- the final answer is a JSON `WorkerResult`, with one repair turn when it is unusable;
- the API key goes to the SDK only: never into tool environments, logs or results.
"""

from devops_orchestrator.worker.claude.engine import ClaudeEngine

__all__ = ["ClaudeEngine"]
