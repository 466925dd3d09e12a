"""Model aliases: configured ids win, else the newest of the family the SDK knows."""

from __future__ import annotations

import pytest

from devops_orchestrator.config import Settings
from devops_orchestrator.worker.claude.models import (
    newest_by_family,
    resolve_model,
    sdk_defaults,
    sdk_model_ids,
)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (
            ["claude-sonnet-4-5", "claude-sonnet-4-6", "claude-sonnet-4"],
            {"sonnet": "claude-sonnet-4-6"},
        ),
        (["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"], {"sonnet": "claude-sonnet-4-5"}),
        (
            ["claude-opus-4-20250514", "claude-opus-4-1-20250805"],
            {"opus": "claude-opus-4-1-20250805"},
        ),
        (["claude-opus-5", "claude-opus-4-8"], {"opus": "claude-opus-5"}),
        (["claude-3-5-haiku-20241022", "claude-haiku-4-5"], {"haiku": "claude-haiku-4-5"}),
        (
            ["claude-3-7-sonnet-latest", "claude-3-5-sonnet-20241022"],
            {"sonnet": "claude-3-7-sonnet-latest"},
        ),
        (["claude-mythos-preview", "gpt-4", "claude-2.1"], {}),
    ],
)
def test_newest_by_family(ids: list[str], expected: dict[str, str]) -> None:
    assert newest_by_family(ids) == expected


def test_defaults_come_from_the_installed_sdk() -> None:
    known = set(sdk_model_ids())
    defaults = sdk_defaults()
    for family in ("sonnet", "opus", "haiku"):
        assert defaults[family] in known
        assert family in defaults[family]
        assert resolve_model(family, Settings()) == defaults[family]
    assert newest_by_family([*known, defaults["sonnet"]]) == defaults


def test_configured_ids_and_full_ids() -> None:
    settings = Settings(model_sonnet="claude-sonnet-4-5-20250929")
    assert resolve_model("sonnet", settings) == "claude-sonnet-4-5-20250929"
    assert resolve_model(" Sonnet ", settings) == "claude-sonnet-4-5-20250929"
    assert resolve_model("claude-opus-4-1-20250805", settings) == "claude-opus-4-1-20250805"


def test_configured_ids_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVOPS_MODEL_HAIKU", "claude-haiku-4-5-20251001")
    assert resolve_model("haiku", Settings()) == "claude-haiku-4-5-20251001"
