"""The node agent prepares a volumeMount's subPath as the kubelet does: inside the
volume, created when missing, refused when a symlink leads out."""

from __future__ import annotations

from pathlib import Path

import pytest

from devcluster.pod_setup_error import PodSetupError
from devcluster.subpath import resolve_sub_path


def test_a_sub_path_inside_the_volume_is_used(tmp_path: Path) -> None:
    volume = tmp_path / "claim"
    (volume / "team" / "app").mkdir(parents=True)
    assert resolve_sub_path(volume, "team/app", "workspace") == volume / "team" / "app"


def test_a_missing_sub_path_is_created(tmp_path: Path) -> None:
    volume = tmp_path / "claim"
    volume.mkdir()
    made = resolve_sub_path(volume, "new/project", "workspace")
    assert made == volume / "new" / "project" and made.is_dir()


def test_a_symlink_inside_the_volume_is_followed(tmp_path: Path) -> None:
    volume = tmp_path / "claim"
    (volume / "real").mkdir(parents=True)
    (volume / "alias").symlink_to("real")
    assert resolve_sub_path(volume, "alias", "workspace") == volume / "real"


@pytest.mark.parametrize("link", ["absolute", "relative", "nested"])
def test_a_symlink_leading_out_is_refused(tmp_path: Path, link: str) -> None:
    volume, outside = tmp_path / "claim", tmp_path / "host-secrets"
    volume.mkdir()
    outside.mkdir()
    if link == "absolute":
        (volume / "app").symlink_to(outside)
    elif link == "relative":
        (volume / "app").symlink_to("../host-secrets")
    else:
        (volume / "team").mkdir()
        (volume / "team" / "app").symlink_to("../../host-secrets")
    sub_path = "team/app" if link == "nested" else "app"
    with pytest.raises(PodSetupError) as caught:
        resolve_sub_path(volume, sub_path, "workspace")
    assert caught.value.reason == "CreateContainerConfigError"
    assert "not within volume path" in caught.value.message
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("sub_path", ["/etc", "../other", "a/../../b"])
def test_absolute_and_parent_sub_paths_are_refused(tmp_path: Path, sub_path: str) -> None:
    with pytest.raises(PodSetupError, match="must be relative"):
        resolve_sub_path(tmp_path, sub_path, "workspace")
