"""Files as the network names them. Pure.

Workers report paths relative to their workspace. The network looks for files where its
task said the project is: under `context.workspace` when the task names one (its own
example result lists `/workspace/Dockerfile`), relative otherwise. The result object
is named once, so the status, the hash and the channel message all say the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from devops_orchestrator.core.network_workspace import WorkspacePathError, network_path_of

FILE_LISTS = ("files_created", "files_modified")


def workspace_of(context: Mapping[str, Any]) -> PurePosixPath | None:
    """The task's network path, or None when it names none (or none usable: such a
    task was refused at intake, and a person's own DevOpsTask keeps relative names)."""
    try:
        return network_path_of(context)
    except WorkspacePathError:
        return None


def name_for_network(path: str, workspace: PurePosixPath | None) -> str:
    """`path` (relative to the worker's workspace) as the network names it."""
    if workspace is None or path.startswith("/"):
        return path
    return str(workspace / path)


def name_all(paths: Iterable[str], workspace: PurePosixPath | None) -> list[str]:
    return [name_for_network(path, workspace) for path in paths]


def name_result_files(result: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the result object with `files_created`/`files_modified` (also those of
    each worker in `details`) named as the network sees them."""
    workspace = workspace_of(context)
    named = dict(result)
    if workspace is None:
        return named
    for key in FILE_LISTS:
        if isinstance(named.get(key), list):
            named[key] = name_all(named[key], workspace)
    details = named.get("details")
    if isinstance(details, Mapping):
        named["details"] = {
            worker: _name_detail(detail, workspace) for worker, detail in details.items()
        }
    return named


def _name_detail(detail: Any, workspace: PurePosixPath) -> Any:
    if not isinstance(detail, Mapping):
        return detail
    named = dict(detail)
    for key in FILE_LISTS:
        if isinstance(named.get(key), list):
            named[key] = name_all(named[key], workspace)
    return named
