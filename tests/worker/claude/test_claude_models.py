"""Model choice is pinned: aliases map to configured ids, `inherit` to the operator's
default, and an SDK upgrade changes nothing."""

from __future__ import annotations

import pytest

from devops_orchestrator.config import Settings
from devops_orchestrator.worker.claude.models import resolve_model


def test_aliases_map_to_the_pinned_defaults() -> None:
    settings = Settings()
    assert resolve_model("sonnet", settings) == "claude-sonnet-5-5"
    assert resolve_model(" Opus ", settings) == "claude-opus-5-5"
    assert resolve_model("haiku", settings) == "claude-haiku-5-5"


@pytest.mark.parametrize("name", ["inherit", "INHERIT", ""])
def test_inherit_is_the_operators_default(name: str) -> None:
    assert resolve_model(name, Settings()) == "claude-sonnet-5-5"
    assert resolve_model(name, Settings(model_default="haiku")) == "claude-haiku-5-5"
    assert resolve_model(name, Settings(model_default="claude-x-1")) == "claude-x-1"


def test_full_ids_pass_through() -> None:
    assert resolve_model("claude-opus-4-1-20250805", Settings()) == "claude-opus-4-1-20250805"


def test_configured_ids_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVOPS_MODEL_HAIKU", "claude-haiku-4-5-20251001")
    monkeypatch.setenv("DEVOPS_MODEL_DEFAULT", "haiku")
    assert resolve_model("inherit", Settings()) == "claude-haiku-4-5-20251001"


def test_an_alias_without_an_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no model id configured for 'sonnet'"):
        resolve_model("sonnet", Settings(model_sonnet=""))
    with pytest.raises(ValueError, match="inherit"):
        resolve_model("inherit", Settings(model_default="inherit"))
