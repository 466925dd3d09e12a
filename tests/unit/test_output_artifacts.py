"""output.artifacts: path -> text, capped, what is left out listed in issues (pure)."""

from __future__ import annotations

from devops_orchestrator.core.output_artifacts import (
    OutputArtifacts,
    add_output_artifacts,
    build_output_artifacts,
)


def test_text_files_are_carried_whole() -> None:
    built = build_output_artifacts(
        {"/workspace/Dockerfile": b"FROM node:22\n", "/workspace/ci.yml": "é: ü\n".encode()}
    )
    assert built == OutputArtifacts(
        {"/workspace/Dockerfile": "FROM node:22\n", "/workspace/ci.yml": "é: ü\n"}, []
    )


def test_binary_files_are_left_out_and_named() -> None:
    built = build_output_artifacts(
        {"logo.png": b"\x89PNG\r\n\x1a\n\xff\xfe", "a.txt": b"a"},
        owners={"logo.png": "docker-worker"},
    )
    assert built.files == {"a.txt": "a"}
    assert built.issues == [
        {
            "severity": "warning",
            "message": "logo.png is not in output.artifacts: not UTF-8 text",
            "file": "logo.png",
            "validator": "artifacts",
            "rule": "binary",
            "worker": "docker-worker",
        }
    ]


def test_the_cap_keeps_files_in_order_and_lists_the_rest() -> None:
    files = {"a": b"x" * 40, "big": b"y" * 100, "b": b"z" * 40}
    built = build_output_artifacts(files, max_bytes=100)
    assert list(built.files) == ["a", "b"]  # a later small file still fits
    assert [(i["file"], i["rule"]) for i in built.issues] == [("big", "truncated")]
    assert "100-byte cap" in built.issues[0]["message"]
    assert sum(len(k) + len(v) for k, v in built.files.items()) <= 100


def test_a_zero_cap_carries_nothing() -> None:
    built = build_output_artifacts({"a": b"1"}, max_bytes=0)
    assert built.files == {} and built.issues[0]["file"] == "a"


def test_artifacts_and_their_issues_join_the_result() -> None:
    result = {"status": "completed", "issues": [{"severity": "info", "message": "m"}]}
    artifacts = build_output_artifacts({"a": b"1", "b": b"\xff"})
    merged = add_output_artifacts(result, artifacts)
    assert merged["artifacts"] == {"a": "1"}
    assert [i["message"] for i in merged["issues"]] == [
        "m",
        "b is not in output.artifacts: not UTF-8 text",
    ]
    assert result == {"status": "completed", "issues": [{"severity": "info", "message": "m"}]}
