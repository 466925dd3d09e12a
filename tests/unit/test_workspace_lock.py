"""One writer per workspace: the writer table's policy (pure, fixed `now`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devops_orchestrator.core.workspace_lock import (
    LockDecision,
    Writer,
    WriterTable,
    build_table_name,
    decide_lock,
    describe_wait,
    overlaps,
    parse_table,
    release_lock,
    render_table,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WAIT = 600.0


def writer(name: str, path: str = "app", since: datetime = NOW) -> Writer:
    return Writer(task=name, uid=f"uid-{name}", path=path, since=since.isoformat())


def take(
    table: WriterTable, me: Writer, now: datetime = NOW, gone: tuple[str, ...] = ()
) -> LockDecision:
    return decide_lock(table, me, gone=gone, now=now, max_wait_seconds=WAIT)


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [("app", "app", True), ("", "app", True), ("app", "app/src", True), ("app", "apps", False),
     ("a/b", "a/c", False), ("", "", True)],
)  # fmt: skip
def test_overlapping_paths(a: str, b: str, shared: bool) -> None:
    assert overlaps(a, b) is shared and overlaps(b, a) is shared


def test_a_free_workspace_is_taken_and_kept() -> None:
    first = take(WriterTable(), writer("a"))
    assert first.granted and first.table.holders == (writer("a"),)
    again = take(first.table, writer("a"), NOW + timedelta(seconds=30))
    assert again.granted and again.table == first.table


def test_a_later_task_on_the_same_path_waits_its_turn() -> None:
    held = take(WriterTable(), writer("a")).table
    later = take(held, writer("b"), NOW + timedelta(seconds=1))
    assert not later.granted and later.blocker == writer("a")
    assert later.table.waiting == (writer("b", since=NOW + timedelta(seconds=1)),)
    still = take(later.table, writer("b"), NOW + timedelta(seconds=60))
    assert not still.granted and still.waited_seconds == 59 and still.table == later.table
    freed = release_lock(still.table, "uid-a")
    turn = take(freed, writer("b"), NOW + timedelta(seconds=61))
    assert turn.granted and turn.table == WriterTable(
        (writer("b", since=NOW + timedelta(seconds=61)),), ()
    )


def test_overlapping_paths_wait_and_separate_ones_do_not() -> None:
    held = take(WriterTable(), writer("root", path="")).table
    assert not take(held, writer("app", path="app")).granted
    both = take(take(WriterTable(), writer("a", path="a")).table, writer("b", path="b"))
    assert both.granted and len(both.table.holders) == 2


def test_the_queue_is_first_come_first_served() -> None:
    table = take(WriterTable(), writer("a")).table
    table = take(table, writer("b"), NOW + timedelta(seconds=1)).table
    table = take(table, writer("c"), NOW + timedelta(seconds=2)).table
    table = release_lock(table, "uid-a")
    # c asks first once a is done, but b is ahead of it
    c = take(table, writer("c"), NOW + timedelta(seconds=3))
    assert not c.granted and c.blocker is not None and c.blocker.task == "b"
    b = take(c.table, writer("b"), NOW + timedelta(seconds=3))
    assert b.granted


def test_gone_tasks_hold_nothing() -> None:
    table = take(WriterTable(), writer("a")).table
    table = take(table, writer("dead", path="app/x"), NOW).table
    decision = take(table, writer("b"), NOW + timedelta(seconds=5), gone=("uid-a", "uid-dead"))
    assert decision.granted and [w.task for w in decision.table.holders] == ["b"]
    assert decision.table.waiting == ()


def test_past_the_wait_the_task_gives_up_and_leaves_the_queue() -> None:
    table = take(WriterTable(), writer("a")).table
    table = take(table, writer("b"), NOW).table
    late = take(table, writer("b"), NOW + timedelta(seconds=WAIT))
    assert late.timed_out and not late.granted and late.table.waiting == ()
    message = describe_wait(late, "/workspace/app", WAIT)
    assert (
        message
        == "gave up waiting for the workspace /workspace/app: a was still writing there after 600s"
    )


def test_the_wait_message_does_not_change_while_waiting() -> None:
    table = take(WriterTable(), writer("a")).table
    first = take(table, writer("b"), NOW)
    later = take(first.table, writer("b"), NOW + timedelta(seconds=42))
    assert describe_wait(first, "/workspace/app", WAIT) == describe_wait(
        later, "/workspace/app", WAIT
    )
    assert "a is writing there" in describe_wait(first, "/workspace/app", WAIT)


def test_the_table_round_trips_and_survives_garbage() -> None:
    table = WriterTable((writer("a"),), (writer("b", path=""),))
    assert parse_table(render_table(table)) == table
    assert parse_table(None) == WriterTable()
    assert parse_table({"writers.json": "{not json"}) == WriterTable()
    assert parse_table({"writers.json": "[1]"}) == WriterTable()
    mixed = '{"holders": [{"task": "a", "uid": "u", "path": "", "since": "x"}, {"task": 1}, 3]}'
    assert parse_table({"writers.json": mixed}).holders == (Writer("a", "u", "", "x"),)


def test_table_names_are_dns_names() -> None:
    assert build_table_name("sample-app-workspace") == "sample-app-workspace-writers"
    long = build_table_name("x" * 253)
    assert len(long) <= 253 and long.endswith("-writers")
    assert build_table_name("x" * 253) != build_table_name("x" * 252 + "y")
