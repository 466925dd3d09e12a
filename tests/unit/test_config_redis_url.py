"""The network configures every agent with REDIS_URL; DEVOPS_REDIS_URL wins when both
are set, so the operator drops into an existing network's deployment unchanged."""

from __future__ import annotations

import pytest

from devops_orchestrator.config import Settings


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ""),
        ({"REDIS_URL": "redis://message-broker:6379"}, "redis://message-broker:6379"),
        ({"DEVOPS_REDIS_URL": "redis://ours:6379/0"}, "redis://ours:6379/0"),
        (
            {"REDIS_URL": "redis://message-broker:6379", "DEVOPS_REDIS_URL": "redis://ours:6379"},
            "redis://ours:6379",
        ),
    ],
)
def test_redis_url_sources(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for name in ("REDIS_URL", "DEVOPS_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings().redis_url == expected
