"""Worker definitions: the shipped three load; malformed ones name file and field."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import yaml

from devops_orchestrator.definitions import (
    CLAUDE_CODE_TOOLS,
    DefinitionError,
    get_definition,
    load_definitions,
    parse_definition,
)

GOOD = """---
name: {name}
description: Does things.
tools: [Read, Write]
model: haiku
keywords: [thing]
after: []
---
You do things, carefully.
"""


def test_the_shipped_definitions_load() -> None:
    definitions = {d.name: d for d in load_definitions()}
    assert set(definitions) == {"docker-worker", "ci-worker", "infra-worker"}
    assert definitions["infra-worker"].after == ["docker-worker"]
    assert definitions["ci-worker"].after == ["docker-worker", "infra-worker"]
    assert "dockerfile" in definitions["docker-worker"].keywords
    assert "github actions" in definitions["ci-worker"].keywords
    assert "terraform" in definitions["infra-worker"].keywords
    for definition in definitions.values():
        assert definition.model in ("sonnet", "opus", "haiku")
        assert definition.tools == [*CLAUDE_CODE_TOOLS, "validate"]
        assert '"files_created"' in definition.system_prompt  # the JSON result it returns
        assert "## How to verify" in definition.system_prompt
        assert definition.path.endswith(f"{definition.name}.md")


def test_get_definition_by_name() -> None:
    assert get_definition("docker-worker").name == "docker-worker"
    with pytest.raises(DefinitionError, match="gpu-worker"):
        get_definition("gpu-worker")


def test_a_worker_reads_its_own_file_and_finds_renamed_ones(tmp_path: Path) -> None:
    """A worker start reads `<name>.md` alone (the operator checked the folder when it
    planned); a definition in a file of another name is still found."""
    (tmp_path / "a-worker.md").write_text(GOOD.format(name="a-worker"))
    (tmp_path / "broken.md").write_text("no front matter\n")
    assert get_definition("a-worker", tmp_path).name == "a-worker"
    (tmp_path / "broken.md").write_text(GOOD.format(name="b-worker"))
    assert get_definition("b-worker", tmp_path).path == str(tmp_path / "broken.md")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c-worker.md").write_text(GOOD.format(name="c-worker"))
    with pytest.raises(DefinitionError, match=re.escape("no definition for worker '../a-worker'")):
        get_definition("../a-worker", tmp_path / "sub")  # never a path outside the folder


def test_a_new_worker_is_a_new_file(tmp_path: Path) -> None:
    (tmp_path / "a-worker.md").write_text(GOOD.format(name="a-worker"))
    (tmp_path / "b-worker.md").write_text(GOOD.format(name="b-worker").replace("[]", "[a-worker]"))
    definitions = load_definitions(tmp_path)
    assert [d.name for d in definitions] == ["a-worker", "b-worker"]
    assert definitions[1].after == ["a-worker"]
    assert definitions[0].system_prompt == "You do things, carefully."


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.replace("name: {name}\n", ""), "name"),
        (GOOD.replace("tools: [Read, Write]", "tools: 7"), "tools"),
        (GOOD.replace("model: haiku", "model: haiku\nmaxTurns: 0"), "maxTurns"),
        (GOOD.replace("after: []", "after: []\nrules: [{why: always}]"), "rules.0"),
        (GOOD.replace("after: []", "after: [ghost-worker]"), "after"),
        (GOOD.replace("You do things, carefully.\n", ""), "system_prompt"),
        (GOOD.replace("name: {name}", "name: Bad_Worker"), "name"),
        (
            GOOD.replace("name: {name}", "name: a-worker-whose-name-is-far-too-long-for-a-job"),
            "name",
        ),
    ],
)
def test_malformed_definitions_name_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "bad-worker.md"
    path.write_text(text.replace("{name}", "bad-worker"))
    with pytest.raises(DefinitionError) as caught:
        load_definitions(tmp_path)
    assert caught.value.field == field
    assert str(path) in str(caught.value)
    assert repr(field) in str(caught.value)


def test_no_front_matter_and_bad_yaml_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x-worker.md"
    path.write_text("just a prompt\n")
    with pytest.raises(DefinitionError, match="front matter") as caught:
        load_definitions(tmp_path)
    assert str(path) in str(caught.value)
    path.write_text("---\nname: [unclosed\n---\nbody\n")
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load_definitions(tmp_path)


def test_missing_folder_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="does not exist"):
        load_definitions(tmp_path / "nowhere")
    with pytest.raises(DefinitionError, match="no worker definitions"):
        load_definitions(tmp_path)


CLAUDE_CODE_FILE = """---
name: code-reviewer
description: Reviews code. Use PROACTIVELY after changes.
tools: Read, Grep, Glob, Bash
disallowedTools: Bash
model: inherit
maxTurns: 12
color: blue
permissionMode: acceptEdits
skills: [review]
frobnicate: 3
---
You review code.
"""


def test_a_claude_code_file_loads_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="devops_orchestrator.definitions"):
        definition = parse_definition(CLAUDE_CODE_FILE, "agents/code-reviewer.md")
    assert definition.tools == ["Read", "Grep", "Glob", "validate"]  # Bash disallowed
    assert definition.disallowed_tools == ["Bash"]
    assert definition.model == "inherit"
    assert definition.max_turns == 12
    assert definition.keywords == [] and definition.after == []
    unused, unknown = (r for r in caplog.records if "code-reviewer.md" in r.getMessage())
    assert unused.levelno == logging.INFO
    assert "color, permissionMode, skills" in unused.getMessage()
    assert unknown.levelno == logging.WARNING
    assert unknown.getMessage().endswith("unknown keys ignored: frobnicate")


@pytest.mark.parametrize(
    ("front", "tools"),
    [
        ("", [*CLAUDE_CODE_TOOLS, "validate"]),  # no `tools`: every tool
        ("tools: [Read, Write]\n", ["Read", "Write", "validate"]),
        ("tools: Read,Write , Edit\n", ["Read", "Write", "Edit", "validate"]),
        ("tools: Read\ndisallowedTools: [validate]\n", ["Read"]),
        ("disallowedTools: Write, Edit, Bash\n", ["Read", "Glob", "Grep", "validate"]),
        ("tools: []\n", ["validate"]),
    ],
)
def test_tools_follow_claude_codes_rules(front: str, tools: list[str]) -> None:
    text = f"---\nname: w\ndescription: d\n{front}---\nprompt\n"
    assert parse_definition(text).tools == tools


def test_our_files_stay_claude_code_files() -> None:
    """Claude Code reads name, description, tools and model; ours must be values it
    accepts: its tool names only (validate is ours), a model alias, a kebab-case name."""
    for path in sorted(_agents_dir().glob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        assert re.fullmatch(r"[a-z][a-z0-9-]*", front["name"])
        assert isinstance(front["description"], str) and "\n" not in front["description"]
        listed = [t.strip() for t in front["tools"].split(",")]
        assert set(listed) <= set(CLAUDE_CODE_TOOLS)
        assert front["model"] in ("sonnet", "opus", "haiku", "inherit")
        body = path.read_text(encoding="utf-8")
        assert "through Bash" in body  # validate degrades to the linters under Claude Code


def _agents_dir() -> Path:
    return Path(load_definitions()[0].path).parent


def test_the_name_counts_not_the_file_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "reviewer.md").write_text(GOOD.format(name="code-reviewer"))
    with caplog.at_level(logging.WARNING, logger="devops_orchestrator.definitions"):
        (definition,) = load_definitions(tmp_path)
    assert definition.name == "code-reviewer"
    assert "name 'code-reviewer' differs from the file name" in caplog.text
    (tmp_path / "second.md").write_text(GOOD.format(name="code-reviewer"))
    with pytest.raises(DefinitionError, match="is also the name in") as caught:
        load_definitions(tmp_path)
    assert caught.value.field == "name"
