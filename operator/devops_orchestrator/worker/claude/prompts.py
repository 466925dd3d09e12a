"""What the engine says to the model besides the definition's own system prompt."""

from __future__ import annotations

from collections.abc import Sequence

from devops_orchestrator.core.briefing import build_prompt
from devops_orchestrator.models import AgentDefinition, Briefing, DevOpsTaskSpec

_CONTRACT = """\
# Workspace and result contract

- You work in a workspace folder; every path you give a tool is relative to its root.
  Paths outside it (absolute paths elsewhere, `..`, symlinks leading out) are refused.
- Tools available to you: {tools}.
- Read before you change existing files; prefer Edit for small changes.
{validate}\
- When you are done, end your turn with ONE JSON object (a ```json fenced block is
  fine) and nothing after it. Fields:
  - "summary" (string, required): what you did, in a few sentences;
  - "files_created", "files_modified" (lists of workspace-relative paths);
  - "issues" (list of {{"severity": "error"|"warning"|"info", "message": ...,
    "file": ..., "line": ..., "validator": ...}}): problems left, validator findings
    you could not fix, assumptions a person must check;
  - any fields your role defines (for example docker_config, build_commands,
    security_notes, ci_pipeline, deployment_info), as JSON values.
"""

_VALIDATE = (
    "- Run the `validate` tool on the files you wrote and fix what it reports before you\n"
    "  answer.\n"
)


def build_system(definition: AgentDefinition, tools: Sequence[str]) -> str:
    contract = _CONTRACT.format(
        tools=", ".join(tools) or "none",
        validate=_VALIDATE if "validate" in tools else "",
    )
    return f"{definition.system_prompt.strip()}\n\n{contract}"


def build_first_message(briefing: Briefing) -> str:
    """The orchestrator's brief, or one written from the briefing's fields when empty."""
    if briefing.prompt.strip():
        return briefing.prompt
    spec = DevOpsTaskSpec(
        description=briefing.description,
        requirements=briefing.requirements,
        context=briefing.context,
    )
    return build_prompt(spec, briefing.worker, briefing.previous_results)


def build_repair_message(problem: str) -> str:
    return (
        f"Your final answer could not be used: {problem}.\n"
        "Reply with only the corrected JSON result object (the fields listed in the "
        "system prompt; 'summary' is required) and no other text."
    )


LIMIT_MESSAGE = (
    "The {limit} limit of this run is reached: no more tool calls. Reply now with the "
    "JSON result object for what you have done so far, and list what is unfinished in "
    "'issues'."
)
