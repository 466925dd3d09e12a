"""Terraform: every .tf file parsed with python-hcl2 (a syntax error is an error issue at
its line); the security scan is checkov's (see `checkov.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions
from lark.exceptions import LarkError, UnexpectedInput

from devops_orchestrator.models import Issue, Severity

NAME = "terraform-hcl"
_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)


class TerraformSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=128)
def parse_terraform(text: str) -> dict[str, Any]:
    """The HCL document as a dict (shared: do not mutate it); TerraformSyntaxError with the
    line on bad syntax. Cached by content: parsing is slow (a pure-Python LALR parser) and
    the validators and the consistency check read the same files."""
    try:
        data = hcl2.loads(text, serialization_options=_OPTIONS)
    except UnexpectedInput as exc:
        first = str(exc).strip().splitlines()[0]
        raise TerraformSyntaxError(first, exc.line if exc.line > 0 else None) from exc
    except (LarkError, ValueError, TypeError) as exc:
        raise TerraformSyntaxError(str(exc).strip().splitlines()[0], None) from exc
    if not isinstance(data, dict):
        raise TerraformSyntaxError("not an HCL document", None)
    return data


def validate_terraform_files(workspace: Path, files: Sequence[str]) -> list[Issue]:
    issues: list[Issue] = []
    for file in files:
        try:
            parse_terraform((workspace / file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(_error(file, None, f"cannot read the file: {exc}", "unreadable"))
        except TerraformSyntaxError as exc:
            issues.append(_error(file, exc.line, f"invalid HCL: {exc}", "syntax"))
    return issues


def _error(file: str, line: int | None, message: str, rule: str) -> Issue:
    return Issue(
        severity=Severity.ERROR, validator=NAME, rule=rule, file=file, line=line, message=message
    )
