"""Worker definitions: the shipped three load; malformed ones name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from devops_orchestrator.constants import KNOWN_WORKERS
from devops_orchestrator.definitions import DefinitionError, get_definition, load_definitions

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
    assert set(definitions) == set(KNOWN_WORKERS)
    assert definitions["infra-worker"].after == ["docker-worker"]
    assert definitions["ci-worker"].after == ["docker-worker", "infra-worker"]
    assert "dockerfile" in definitions["docker-worker"].keywords
    assert "github actions" in definitions["ci-worker"].keywords
    assert "terraform" in definitions["infra-worker"].keywords
    for definition in definitions.values():
        assert definition.model in ("sonnet", "opus", "haiku")
        assert "validate" in definition.tools
        assert '"files_created"' in definition.system_prompt  # the JSON result it returns
        assert "## How to verify" in definition.system_prompt
        assert definition.path.endswith(f"{definition.name}.md")


def test_get_definition_by_name() -> None:
    assert get_definition("docker-worker").name == "docker-worker"
    with pytest.raises(DefinitionError, match="gpu-worker"):
        get_definition("gpu-worker")


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
        (GOOD.replace("model: haiku", "model: haiku\ncolour: blue"), "colour"),
        (GOOD.replace("after: []", "after: [ghost-worker]"), "after"),
        (GOOD.replace("You do things, carefully.\n", ""), "system_prompt"),
        (GOOD.replace("name: {name}", "name: other-worker"), "name"),
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
