"""Reading YAML files into documents that remember the line they start on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devops_orchestrator.models import Issue, Severity

YAML_VALIDATOR = "yaml"
# libyaml's loader where the wheel has it (a tenth of the CPU); the same documents, lines
# and errors as the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Document:
    line: int  # 1-based line where the document starts
    data: Any


def load_documents(path: Path, file: str) -> tuple[list[Document], list[Issue]]:
    """All documents of a YAML file, or an error issue locating the syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [_error(file, None, f"cannot read the file: {exc}", "unreadable")]
    loader = SAFE_LOADER(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            documents.append(Document(node.start_mark.line + 1, loader.construct_document(node)))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        return [], [_error(file, line, f"invalid YAML: {problem}", "syntax")]
    except yaml.YAMLError as exc:
        return [], [_error(file, None, f"invalid YAML: {exc}", "syntax")]
    finally:
        loader.dispose()
    return documents, []


def _error(file: str, line: int | None, message: str, rule: str) -> Issue:
    return Issue(
        severity=Severity.ERROR,
        validator=YAML_VALIDATOR,
        rule=rule,
        file=file,
        line=line,
        message=message,
    )
