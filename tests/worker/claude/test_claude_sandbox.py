"""Paths leading out of the workspace are refused, reported to the model as tool errors
and to the person as `sandbox` issues; nothing is written outside."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from claude_support import EngineFactory

from devops_orchestrator.models import AgentDefinition, Briefing, Severity
from devops_orchestrator.worker.claude.sandbox import Sandbox, SandboxError
from fakes.messages_api import MessagesAPIServer


def test_writes_outside_the_workspace_are_refused_and_reported(
    messages_api: MessagesAPIServer,
    make_engine: EngineFactory,
    workspace: Path,
    tmp_path: Path,
    definition: AgentDefinition,
    briefing: Briefing,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "out-dir").symlink_to(outside)
    (workspace / "out-file").symlink_to(outside / "target.txt")  # dangling, points out
    etc_path = f"/etc/devops-sandbox-test-{uuid.uuid4().hex}"
    attempts = ["../escape.txt", etc_path, "out-dir/evil.txt", "out-file", "sub/../../up.txt"]
    messages_api.reply_tool_uses([("Write", {"path": p, "content": "x"}) for p in attempts])
    messages_api.reply_tool_uses(
        [
            ("Read", {"path": "/etc/passwd"}),
            ("Edit", {"path": "out-file", "old_string": "a", "new_string": "b"}),
            ("Write", {"path": "inside.txt", "content": "ok"}),
        ]
    )
    messages_api.reply_submit({"summary": "tried", "files_created": ["inside.txt"]})

    result = make_engine().run(briefing, definition, workspace)

    refused = messages_api.requests[1].tool_results()
    assert len(refused) == len(attempts)
    assert all(block["is_error"] is True for block in refused)
    assert all("outside the workspace" in block["content"] for block in refused)
    read, edit, write = messages_api.requests[2].tool_results()
    assert (read["is_error"], edit["is_error"], write["is_error"]) == (True, True, False)
    assert "root:" not in read["content"]

    assert not (tmp_path / "escape.txt").exists()
    assert not Path(etc_path).exists()
    assert not (tmp_path / "up.txt").exists()
    assert list(outside.iterdir()) == []
    assert result.files_created == ["inside.txt"]

    sandbox_issues = [i for i in result.issues if i.validator == "sandbox"]
    assert len(sandbox_issues) == len(attempts) + 2
    assert all(i.severity == Severity.WARNING for i in sandbox_issues)
    assert any("'../escape.txt'" in i.message for i in sandbox_issues)
    assert any(etc_path in i.message for i in sandbox_issues)


@pytest.mark.parametrize(
    "path", ["..", "../x", "/etc/passwd", "/", "a/../../x", "~/x", "~root/x", "", "a\x00b"]
)
def test_sandbox_refuses(path: str, workspace: Path) -> None:
    with pytest.raises(SandboxError):
        Sandbox(workspace).resolve(path)


def test_sandbox_accepts_paths_inside(workspace: Path) -> None:
    sandbox = Sandbox(workspace)
    (workspace / "real").mkdir()
    (workspace / "alias").symlink_to(workspace / "real")
    root = sandbox.root
    assert sandbox.resolve("a/b/../c.txt") == root / "a" / "c.txt"
    assert sandbox.resolve(str(root / "x.txt")) == root / "x.txt"
    assert sandbox.resolve("alias/f") == root / "real" / "f"
    assert sandbox.relative(sandbox.resolve(".")) == "."


def test_symlink_chains_leading_out_are_refused(workspace: Path, tmp_path: Path) -> None:
    (workspace / "hop1").symlink_to("hop2")
    (workspace / "hop2").symlink_to(tmp_path)
    with pytest.raises(SandboxError):
        Sandbox(workspace).resolve("hop1/file")
