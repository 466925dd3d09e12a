"""One worker run, the same for a Job and for `devopsctl worker run`: prepare the
workspace, pick and run the engine, find what changed, validate it, commit and push when
the workspace is a git repository."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from devops_orchestrator.config import Secrets, get_settings
from devops_orchestrator.definitions import get_definition
from devops_orchestrator.models import Briefing, EngineName, Issue, WorkerResult
from devops_orchestrator.worker.engine import Engine
from devops_orchestrator.worker.generator import GeneratorEngine
from devops_orchestrator.worker.gitops import GitError, GitRepo, clone, commit_and_push
from devops_orchestrator.worker.secrets import WorkerSecrets, read_secrets
from devops_orchestrator.worker.snapshot import diff_snapshots, take_snapshot
from devops_orchestrator.worker.validators import validate_files
from devops_orchestrator.worker.validators.consistency import check_consistency


@dataclass
class Workspace:
    path: Path
    repo: GitRepo | None = None


def prepare_workspace(
    briefing: Briefing, directory: Path | None = None, secrets: WorkerSecrets | None = None
) -> Workspace:
    """A clone for git workspaces; otherwise the folder itself (a mounted volume, a
    person's project, or an empty scratch directory)."""
    path = Path(directory or get_settings().workspace_dir)
    spec = briefing.workspace
    if spec is not None and spec.git is not None:
        refused = get_settings().git_credentials_refused
        if refused:
            raise GitError(refused)
        credentials = (secrets or read_secrets(os.environ)).git
        allow_file = get_settings().git_allow_file_urls
        repo = clone(
            spec.git, path, briefing.task_name, credentials=credentials, allow_file=allow_file
        )
        return Workspace(path, repo)
    path.mkdir(parents=True, exist_ok=True)
    return Workspace(path)


def select_engine(
    requested: EngineName, secrets: Secrets | None = None, hidden: tuple[str, ...] = ()
) -> Engine:
    """auto: claude when ANTHROPIC_API_KEY is set, else the generator. `hidden`: every
    secret the worker holds, redacted from what the tools return."""
    secrets = secrets or Secrets()
    name = requested
    if name == EngineName.AUTO:
        key = secrets.anthropic_api_key
        name = EngineName.CLAUDE if key and key.get_secret_value() else EngineName.GENERATOR
    if name == EngineName.CLAUDE:
        from devops_orchestrator.worker.claude import ClaudeEngine

        return ClaudeEngine(secrets=secrets, hidden=hidden)
    return GeneratorEngine()


def run_worker(
    briefing: Briefing, directory: Path | None = None, secrets: WorkerSecrets | None = None
) -> WorkerResult:
    """Run the briefing's worker; raises EngineError, DefinitionError or GitError.
    `secrets`: what the worker took out of its environment (default: read it there)."""
    definition = get_definition(briefing.worker)
    workspace = prepare_workspace(briefing, directory, secrets)
    engine = select_engine(
        briefing.engine,
        secrets.for_engine() if secrets else None,
        secrets.values() if secrets else (),
    )
    before = take_snapshot(workspace.path)
    result = engine.run(briefing, definition, workspace.path)
    created, modified = diff_snapshots(before, take_snapshot(workspace.path))
    result.files_created, result.files_modified = created, modified
    result.engine = result.engine or engine.name
    changed = created + modified
    found = validate_files(workspace.path, changed)
    # Whichever engine wrote them, the new files must agree with the rest of the workspace.
    found += check_consistency(workspace.path, changed)
    result.issues = merge_issues(result.issues, found)
    if workspace.repo is not None:
        message = f"{briefing.worker}: {result.summary or 'generated files'}"[:200]
        body = f"\n\nTask: {briefing.task_name} (attempt {briefing.attempt})\n"
        result.git_branch = workspace.repo.branch
        result.git_commit = commit_and_push(workspace.repo, changed, message + body)
    return result


def merge_issues(reported: list[Issue], found: list[Issue]) -> list[Issue]:
    """The engine's issues plus the final validation, without duplicates."""
    merged: list[Issue] = []
    seen: set[tuple[object, ...]] = set()
    for issue in [*reported, *found]:
        key = (issue.severity, issue.validator, issue.rule, issue.file, issue.line, issue.message)
        if key not in seen:
            seen.add(key)
            merged.append(issue)
    return merged
