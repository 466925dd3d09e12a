"""Constants and types shared by the claude engine tests (fixtures live in conftest)."""

from __future__ import annotations

from collections.abc import Callable

from devops_orchestrator.worker.claude import ClaudeEngine
from devops_orchestrator.worker.claude.context import ToolLimits

API_KEY = "sk-ant-test-0123456789-SECRET-abcdefghij"
ALL_TOOLS = ["Read", "Write", "Edit", "Glob", "Grep", "Bash", "validate"]

EngineFactory = Callable[..., ClaudeEngine]

SMALL_LIMITS = ToolLimits(
    read_max_bytes=1000,
    write_max_bytes=2000,
    glob_max_results=5,
    grep_max_matches=5,
    bash_default_timeout=20.0,
    bash_output_max_bytes=4000,
)
