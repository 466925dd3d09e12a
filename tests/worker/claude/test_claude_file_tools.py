"""Read, Write, Edit, Glob and Grep: behaviour and caps (called directly, no model)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from claude_support import SMALL_LIMITS

from devops_orchestrator.worker.claude.files import FileTracker
from devops_orchestrator.worker.claude.toolbox import Toolbox


def test_write_creates_folders_and_is_tracked(toolbox: Toolbox, workspace: Path) -> None:
    outcome = toolbox.run("Write", {"path": "k8s/base/app.yaml", "content": "kind: Pod\n"})
    assert outcome.content == "created k8s/base/app.yaml (10 bytes)"
    assert (workspace / "k8s/base/app.yaml").read_text() == "kind: Pod\n"
    assert toolbox.ctx.tracker.changes() == (["k8s/base/app.yaml"], [])


def test_a_huge_write_is_refused(toolbox: Toolbox, workspace: Path) -> None:
    content = "x" * (SMALL_LIMITS.write_max_bytes + 1)
    outcome = toolbox.run("Write", {"path": "big.txt", "content": content})
    assert outcome.is_error
    assert "limit is 2000 bytes" in outcome.content
    assert not (workspace / "big.txt").exists()


def test_write_needs_string_inputs(toolbox: Toolbox) -> None:
    outcome = toolbox.run("Write", {"path": "a.txt", "content": 42})
    assert outcome.is_error and "'content' must be a string" in outcome.content
    assert toolbox.run("Write", ["not", "an", "object"]).is_error


def test_read_numbers_lines_and_pages(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "f.txt").write_text("".join(f"line {n}\n" for n in range(1, 11)))
    whole = toolbox.run("Read", {"path": "f.txt"}).content
    assert whole.splitlines()[0] == "     1\tline 1"
    assert len(whole.splitlines()) == 10
    page = toolbox.run("Read", {"path": "f.txt", "offset": 4, "limit": 2}).content
    assert page.splitlines() == [
        "     4\tline 4",
        "     5\tline 5",
        "[lines 4-5 of a 71-byte file; more follows: call Read with offset=6 to continue]",
    ]
    assert toolbox.run("Read", {"path": "f.txt", "offset": 11}).content == (
        "[the file ends before line 11]"
    )


def test_read_pages_a_large_file_to_its_end(toolbox: Toolbox, workspace: Path) -> None:
    """Several MB, paged by the offsets the results name: every line exactly once, in
    order, every page within the cap, and the last page says nothing more follows."""
    toolbox.ctx.limits = replace(SMALL_LIMITS, read_max_bytes=100_000)  # the engine's cap
    lines = [f"entry {n} " + "ab\u00e9" * (n % 40) for n in range(1, 40_001)]
    (workspace / "big.log").write_text("\n".join(lines) + "\n")
    assert (workspace / "big.log").stat().st_size > 3_000_000
    seen: list[str] = []
    offset, pages = 1, 0
    while True:
        content = toolbox.run("Read", {"path": "big.log", "offset": offset}).content
        pages += 1
        assert len(content.encode()) <= 100_000
        body = [line for line in content.splitlines() if not line.startswith("[")]
        assert body[0].startswith(f"{offset:6}\t")
        seen += [line.split("\t", 1)[1] for line in body]
        follows = re.search(r"call Read with offset=(\d+) to continue", content)
        if follows is None:
            break
        offset = int(follows.group(1))
    assert seen == lines
    assert pages > 30
    assert content.splitlines()[-1] == f"{40_000:6}\t" + lines[-1]


def test_read_jumps_to_a_far_offset(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "n.txt").write_text("".join(f"{n}\n" for n in range(1, 500_001)))
    page = toolbox.run("Read", {"path": "n.txt", "offset": 499_999, "limit": 5}).content
    assert page.splitlines() == ["499999\t499999", "500000\t500000"]


def test_read_cuts_a_line_longer_than_a_page(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "big.log").write_text("y" * 5000 + "\nnext\n")
    outcome = toolbox.run("Read", {"path": "big.log"})
    assert not outcome.is_error
    assert len(outcome.content.encode()) <= SMALL_LIMITS.read_max_bytes
    first, note, more = outcome.content.splitlines()
    assert first.startswith("     1\tyyy") and set(first[7:]) == {"y"}
    assert note == "[this line is longer than a page; only its start is shown]"
    assert "call Read with offset=2 to continue" in more
    assert toolbox.run("Read", {"path": "big.log", "offset": 2}).content == "     2\tnext"


def test_read_refuses_binary_and_missing_files(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "blob.bin").write_bytes(b"\x7fELF\x00\x01")
    assert "binary" in toolbox.run("Read", {"path": "blob.bin"}).content
    missing = toolbox.run("Read", {"path": "nope.txt"})
    assert missing.is_error and "no such file: nope.txt" in missing.content


def test_edit_replaces_a_unique_string(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "Dockerfile").write_text("FROM node:18\nRUN npm ci\n")
    toolbox.ctx.tracker = FileTracker.snapshot(toolbox.ctx.sandbox)  # the file predates the run
    outcome = toolbox.run(
        "Edit", {"path": "Dockerfile", "old_string": "node:18", "new_string": "node:20"}
    )
    assert not outcome.is_error
    assert (workspace / "Dockerfile").read_text() == "FROM node:20\nRUN npm ci\n"
    assert toolbox.ctx.tracker.changes() == ([], ["Dockerfile"])


def test_edit_refuses_ambiguous_or_missing_strings(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "a.txt").write_text("x x x\n")
    ambiguous = toolbox.run("Edit", {"path": "a.txt", "old_string": "x", "new_string": "y"})
    assert ambiguous.is_error and "occurs 3 times" in ambiguous.content
    absent = toolbox.run("Edit", {"path": "a.txt", "old_string": "z", "new_string": "y"})
    assert absent.is_error and "not found" in absent.content
    every = toolbox.run(
        "Edit", {"path": "a.txt", "old_string": "x", "new_string": "y", "replace_all": True}
    )
    assert not every.is_error and "3 replacement(s)" in every.content
    assert (workspace / "a.txt").read_text() == "y y y\n"
    new_file = toolbox.run("Edit", {"path": "b.txt", "old_string": "a", "new_string": "b"})
    assert new_file.is_error and "use Write" in new_file.content


def test_edit_cannot_grow_a_file_past_the_cap(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "a.txt").write_text("x")
    content = "y" * (SMALL_LIMITS.write_max_bytes + 1)
    outcome = toolbox.run("Edit", {"path": "a.txt", "old_string": "x", "new_string": content})
    assert outcome.is_error
    assert (workspace / "a.txt").read_text() == "x"


def test_glob_matches_skips_vcs_and_caps(toolbox: Toolbox, workspace: Path, tmp_path: Path) -> None:
    for name in ["app.py", "src/a.py", "src/deep/b.py", "src/c.ts", ".git/hooks/x.py"]:
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text("")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.py").write_text("")
    (workspace / "linked").symlink_to(outside)
    found = toolbox.run("Glob", {"pattern": "**/*.py"}).content.splitlines()
    assert found == ["app.py", "src/a.py", "src/deep/b.py"]
    assert toolbox.run("Glob", {"pattern": "*.py", "path": "src"}).content == "src/a.py"
    assert toolbox.run("Glob", {"pattern": "src/*.[tj]s"}).content == "src/c.ts"
    assert toolbox.run("Glob", {"pattern": "../*"}).is_error
    for index in range(8):
        (workspace / f"many{index}.txt").write_text("")
    capped = toolbox.run("Glob", {"pattern": "many*.txt"}).content.splitlines()
    assert len(capped) == SMALL_LIMITS.glob_max_results + 1
    assert capped[-1] == "[3 more not shown; narrow the search]"


def test_grep_finds_lines_filters_and_caps(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "src").mkdir()
    (workspace / "src/app.js").write_text("const port = 3000;\napp.listen(PORT);\n")
    (workspace / "README.md").write_text("Runs on port 3000\n")
    (workspace / "blob.bin").write_bytes(b"port\x00")
    found = toolbox.run("Grep", {"pattern": r"port\b"}).content.splitlines()
    assert found == ["README.md:1: Runs on port 3000", "src/app.js:1: const port = 3000;"]
    only_js = toolbox.run("Grep", {"pattern": "port", "glob": "*.js", "ignore_case": True})
    assert only_js.content.splitlines() == [
        "src/app.js:1: const port = 3000;",
        "src/app.js:2: app.listen(PORT);",
    ]
    one_file = toolbox.run("Grep", {"pattern": "listen", "path": "src/app.js"})
    assert one_file.content == "src/app.js:2: app.listen(PORT);"
    (workspace / "many.txt").write_text("hit\n" * 20)
    capped = toolbox.run("Grep", {"pattern": "hit"}).content.splitlines()
    assert len(capped) == SMALL_LIMITS.grep_max_matches + 1
    assert capped[-1].startswith("[results capped at 5")
    bad = toolbox.run("Grep", {"pattern": "("})
    assert bad.is_error and "invalid regular expression" in bad.content
    assert toolbox.run("Grep", {"pattern": "x", "path": "/etc"}).is_error
