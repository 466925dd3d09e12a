"""Jenkinsfiles (declarative pipelines): brackets and strings balanced, and the sections
Jenkins requires (`pipeline`, `agent`, `stages`, each stage with `steps` or `stages`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from devops_orchestrator.models import Issue, Severity

NAME = "jenkinsfile"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_STAGE = re.compile(r"\bstage\s*\(\s*['\"]([^'\"]+)['\"]\s*\)\s*\{")


def validate_jenkinsfiles(workspace: Path, files: Sequence[str]) -> list[Issue]:
    issues: list[Issue] = []
    for file in files:
        text = (workspace / file).read_text(encoding="utf-8", errors="replace")
        issues.extend(check_jenkinsfile(text, file))
    return issues


def check_jenkinsfile(text: str, file: str) -> list[Issue]:
    code, problems = _strip_strings_and_comments(text, file)
    if problems:
        return problems
    issues = _check_brackets(code, file)
    if issues:
        return issues
    for section in ("pipeline", "agent", "stages"):
        if not re.search(rf"\b{section}\b", code):
            issues.append(
                _error(file, None, f"declarative pipeline has no {section!r} section", "structure")
            )
    for match in _STAGE.finditer(text):
        body = _block(code, match.end() - 1)
        if not re.search(r"\b(steps|stages|parallel|matrix)\s*\{", body):
            line = text.count("\n", 0, match.start()) + 1
            issues.append(_error(file, line, f"stage {match.group(1)!r} has no steps", "stage"))
    return issues


def _block(text: str, start: int) -> str:
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start : index + 1]
    return text[start:]


def _strip_strings_and_comments(text: str, file: str) -> tuple[str, list[Issue]]:
    """The code with string and comment contents blanked (newlines kept for line numbers)."""
    out: list[str] = []
    index, line = 0, 1
    while index < len(text):
        for opener, closer in (
            ('"""', '"""'),
            ("'''", "'''"),
            ("//", "\n"),
            ("/*", "*/"),
            ('"', '"'),
            ("'", "'"),
        ):
            if text.startswith(opener, index):
                end = _find_close(text, index + len(opener), closer)
                if end < 0 and closer != "\n":
                    return "", [
                        _error(file, line, f"unterminated {opener} string or comment", "syntax")
                    ]
                end = len(text) if end < 0 else end
                segment = text[index:end]
                out.append("".join("\n" if c == "\n" else " " for c in segment))
                line += segment.count("\n")
                index = end
                break
        else:
            out.append(text[index])
            line += text[index] == "\n"
            index += 1
    return "".join(out), []


def _find_close(text: str, start: int, closer: str) -> int:
    index = start
    while index < len(text):
        if text[index] == "\\" and closer not in ("\n", "*/"):
            index += 2
            continue
        if closer in ('"', "'") and text[index] == "\n":
            return -1
        if text.startswith(closer, index):
            return index + (0 if closer == "\n" else len(closer))
        index += 1
    return -1


def _check_brackets(code: str, file: str) -> list[Issue]:
    stack: list[tuple[str, int]] = []
    line = 1
    for char in code:
        if char == "\n":
            line += 1
        elif char in "([{":
            stack.append((char, line))
        elif char in _PAIRS:
            if not stack or stack[-1][0] != _PAIRS[char]:
                return [_error(file, line, f"unbalanced {char!r}", "syntax")]
            stack.pop()
    if stack:
        return [_error(file, stack[-1][1], f"{stack[-1][0]!r} is never closed", "syntax")]
    return []


def _error(file: str, line: int | None, message: str, rule: str) -> Issue:
    return Issue(
        severity=Severity.ERROR, validator=NAME, rule=rule, file=file, line=line, message=message
    )
