"""One item never stops the others: the consumer's recovery and publishing sweeps on a
real redis-server, with a task store that refuses some tasks the way the API server
does (a permanent 422, a retryable 503)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from copy import deepcopy
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

from devops_orchestrator import constants as c
from devops_orchestrator.adapters.errors import PermanentError, RetryableError
from devops_orchestrator.adapters.redis_client import connect
from devops_orchestrator.bridge.consumer import UNSEEN_SECONDS, Consumer
from devops_orchestrator.bridge.publish_schedule import RELIST_SECONDS, PublishSchedule
from fixtures_redis import RedisServer
from task_store_double import RecordingStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NAMESPACE = "intake"


class RefusingStore(RecordingStore):
    """Refuses to create tasks whose description names a refusal."""

    def create(self, manifest: Mapping[str, Any]) -> bool:
        description = manifest["spec"]["description"]
        if "refused-for-good" in description:
            raise PermanentError("create devopstask: 422 admission denied", status=422)
        if "refused-for-now" in description:
            raise RetryableError("create devopstask: 503 unavailable", status=503)
        return super().create(manifest)


class FlakyAnnotations(RecordingStore):
    """Refuses to annotate (mark published) while `refusing`, as an API server away."""

    refusing = True

    def annotate(self, *args: Any, **kwargs: Any) -> bool:
        if self.refusing:
            raise RetryableError("patch devopstask: 503 unavailable", status=503)
        return super().annotate(*args, **kwargs)


def task(description: str, task_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "task_id": task_id or str(uuid.uuid4()),
        "destination": "devops",
        "payload": {"description": description, "requirements": [], "context": {}},
        "metadata": {"priority": "normal", "timeout_seconds": 300},
        **extra,
    }


@pytest.fixture
def consumer(redis_server: RedisServer, redis_client: redis.Redis) -> Iterator[Consumer]:
    made = Consumer(
        client=connect(redis_server.url),
        queue_client=connect(redis_server.url, block_seconds=0.1),
        store=RefusingStore(),
        agent_id="devops-isolation",
        namespace=NAMESPACE,
        block_seconds=0.1,
        clock=lambda: NOW,
        dead_letter_max=5,
        result_ttl=3600,
    )
    yield made
    made.client.close()
    made.queue_client.close()


def put_in_flight(client: redis.Redis, item: dict[str, Any]) -> str:
    """As a consumer that took the item and crashed left it; the producer marked it."""
    client.hset(
        c.result_key(item["task_id"]), mapping={"task_id": item["task_id"], "status": "pending"}
    )
    raw = json.dumps(item)
    client.lpush(c.active_key(), raw)
    return raw


def dead_reasons(client: redis.Redis) -> dict[str | None, str]:
    letters = [json.loads(x) for x in client.lrange(c.dead_key(), 0, -1)]
    return {letter["task_id"]: letter["reason"] for letter in letters}


def test_recovery_handles_each_item_on_its_own(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    refused = task("refused-for-good: an admission policy says no")
    later = task("refused-for-now: the API server is restarting")
    wrongtype = task("Containerize the app")  # its results key is not a hash
    good = task("Containerize the Node.js app with a Dockerfile")
    for item in (refused, later, wrongtype, good):
        put_in_flight(redis_client, item)
    redis_client.delete(c.result_key(wrongtype["task_id"]))
    redis_client.set(c.result_key(wrongtype["task_id"]), "somebody else's string")

    assert consumer.recover() == 4

    store = consumer.store
    assert isinstance(store, RecordingStore)
    assert {body["spec"]["taskId"] for body in store.objects.values()} >= {good["task_id"]}
    reasons = dead_reasons(redis_client)
    assert "422 admission denied" in reasons[refused["task_id"]]
    assert "WRONGTYPE" in reasons[wrongtype["task_id"]]
    # the refused one is answered; the wrong-type key is left as it was
    answer = redis_client.hgetall(c.result_key(refused["task_id"]))
    assert answer["status"] == "failed" and "422" in answer["error"]
    assert 0 < redis_client.ttl(c.result_key(refused["task_id"])) <= 3600
    assert redis_client.get(c.result_key(wrongtype["task_id"])) == "somebody else's string"
    # the transient one waits in the active list for the next sweep, with the good one
    active = [json.loads(x)["task_id"] for x in redis_client.lrange(c.active_key(), 0, -1)]
    assert sorted(active) == sorted([later["task_id"], good["task_id"]])


def test_duplicates_are_answered_and_redelivery_is_not(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    first = task("Containerize the Node.js app with a Dockerfile")
    raw = put_in_flight(redis_client, first)
    assert consumer.handle_isolated(raw.encode()) == "created"
    assert consumer.handle_isolated(raw.encode()) == "running"  # the same item again
    reused = {**first, "timestamp": "later"}
    redis_client.lpush(c.active_key(), json.dumps(reused))
    redis_client.hset(c.result_key(first["task_id"]), "status", "pending")
    consumer.recover()
    answer = redis_client.hgetall(c.result_key(first["task_id"]))
    assert (answer["status"], answer["error"]) == ("failed", "duplicate task_id")
    assert dead_reasons(redis_client)[first["task_id"]] == "duplicate task_id"
    assert redis_client.lrange(c.active_key(), 0, -1) == [raw]


def test_malformed_items_never_answer_for_tasks_we_did_not_take(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    theirs, addressed_elsewhere, ours = (str(uuid.uuid4()) for _ in range(3))
    redis_client.hset(c.result_key(theirs), mapping={"task_id": theirs, "status": "in_progress"})
    redis_client.hset(c.result_key(addressed_elsewhere), mapping={"status": "pending"})
    items = [
        {"task_id": theirs, "payload": "not an object"},
        {"task_id": addressed_elsewhere, "destination": "infra", "payload": []},
        {"task_id": ours, "payload": {"description": "x", "requirements": ["r"] * 51}},
        {"task_id": f"{ours}:logs", "payload": {"description": "x"}},
    ]
    for item in items:
        redis_client.lpush(c.active_key(), json.dumps(item))
    consumer.recover()
    assert redis_client.llen(c.active_key()) == 0
    assert redis_client.hget(c.result_key(theirs), "status") == "in_progress"
    assert redis_client.hget(c.result_key(addressed_elsewhere), "status") == "pending"
    assert "too many payload.requirements" in redis_client.hget(c.result_key(ours), "error")
    assert not redis_client.exists(c.result_logs_key(ours))


def test_the_dead_letter_list_keeps_its_newest_entries(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    for index in range(8):
        redis_client.lpush(c.active_key(), f"garbage {index}")
    consumer.recover()  # dead-letters them in the order it met them: 7 first, 0 last
    kept = [json.loads(x)["raw"] for x in redis_client.lrange(c.dead_key(), 0, -1)]
    assert kept == [f"garbage {index}" for index in range(5)]


def test_the_cap_counts_every_replicas_unfinished_tasks(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    """Another replica's tasks count; finished or foreign ones do not; checked before
    the first take (a fresh consumer, as after a restart)."""
    consumer.max_in_flight = 2
    store = consumer.store
    assert isinstance(store, RecordingStore)
    for index in range(2):
        item = task(f"Containerize service {index}")
        put_in_flight(redis_client, item)
    consumer.recover()
    for body in store.objects.values():  # as if another replica had taken them
        body["metadata"]["annotations"][c.ANNOTATION_TAKEN_BY] = "devops-other"
    fresh = Consumer(
        client=consumer.client,
        queue_client=consumer.queue_client,
        store=store,
        agent_id="devops-restarted",
        namespace=NAMESPACE,
        max_in_flight=2,
        block_seconds=0.1,
    )
    assert fresh.at_capacity()
    first = next(iter(store.objects.values()))
    first["status"] = {"phase": "Succeeded"}
    fresh.refresh_in_flight()
    assert not fresh.at_capacity()


def test_with_a_live_watch_intake_reads_nothing_and_the_cap_lists_once(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    """A new item is created without a read; the cap is listed once after the start,
    then counted from the watch: tasks taken here count before their event, another
    replica's count once shown, final ones do not. Items whose task the watch holds
    unfinished are not handled again by the recovery sweep."""
    store = RecordingStore(watching=True)
    consumer.store, consumer.max_in_flight = store, 2
    for index in range(2):
        put_in_flight(redis_client, task(f"Containerize service {index}"))
    consumer.recover()
    assert len(store.objects) == 2 and store.gets == []  # created, never read
    assert consumer.at_capacity() and len(store.lists) == 1  # the first count lists
    consumer.refresh_in_flight()
    assert consumer.at_capacity() and len(store.lists) == 1  # not shown yet: still counted
    for namespace, name in list(store.objects):
        store.show(namespace, name)
    first, second = store.objects.values()
    first["status"] = {"phase": "Succeeded"}
    consumer.seen(first)  # its final event (the watch then forgets it)
    consumer.refresh_in_flight()
    assert not consumer.at_capacity() and len(store.lists) == 1
    second["metadata"]["annotations"][c.ANNOTATION_TAKEN_BY] = "devops-other"
    consumer.refresh_in_flight()
    assert consumer.in_flight == 1  # another replica's task counts too

    running = c.result_key(second["spec"]["taskId"])
    redis_client.delete(running)
    consumer.recover()  # its task is held, running: not handled again
    assert not redis_client.exists(running)
    key = (second["metadata"]["namespace"], second["metadata"]["name"])
    assert key not in store.gets
    assert [body["metadata"]["name"] for body in store.created].count(key[1]) == 1


def test_the_sweep_leaves_alone_items_taken_here_the_watch_has_not_shown_yet(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    """Under a burst the watch lags the creates by seconds: a sweep in that window used
    to take the item again (a create refused as existing, then a read). Once the watch
    shows the task, or once it has not shown it for UNSEEN_SECONDS, the sweep looks again."""
    store = RecordingStore(watching=True)
    seconds = [1000.0]
    consumer.store, consumer.monotonic = store, lambda: seconds[0]
    item = task("Containerize the app")
    put_in_flight(redis_client, item)
    consumer.recover()
    (key,) = store.objects
    running = c.result_key(item["task_id"])
    redis_client.delete(running)
    consumer.recover()  # not shown yet, taken here a moment ago
    assert len(store.created) == 1 and store.gets == []
    assert not redis_client.exists(running)

    seconds[0] += UNSEEN_SECONDS  # taken longer ago than the watch ever lags
    consumer.recover()
    assert len(store.created) == 2 and store.gets == [key]  # looked at again
    assert redis_client.hget(running, "status") == "in_progress"


def test_a_task_that_finished_before_the_watch_showed_it_frees_its_place(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    """A short task may finish between two counts: the watch forgets it (settled) before
    any count saw it held. Its final event frees its place at once; before, it counted as
    not shown yet for UNSEEN_SECONDS and short tasks filled the cap (make bench's one-worker
    tasks waited up to 11 s in the queue behind finished ones)."""
    store = RecordingStore(watching=True)
    consumer.store, consumer.max_in_flight = store, 1
    put_in_flight(redis_client, task("Containerize the app"))
    consumer.recover()
    assert consumer.at_capacity()  # the first count lists: taken here, running
    (key,) = store.objects
    store.objects[key]["status"] = {"phase": "Succeeded"}
    store.show(*key)
    assert store.held_tasks(key[0]) == []  # settled: the watch holds it no more
    consumer.refresh_in_flight()
    assert consumer.at_capacity()  # no event yet: still counted, as it may be running
    consumer.seen(deepcopy(store.objects[key]))
    assert not consumer.at_capacity()
    consumer.refresh_in_flight()
    assert consumer.in_flight == 0


def take_the_only_item(
    consumer: Consumer, redis_client: redis.Redis, item: dict[str, Any]
) -> tuple[RecordingStore, dict[str, Any]]:
    """`item` in flight, taken by the recovery sweep: the store and the task it made."""
    put_in_flight(redis_client, item)
    consumer.recover()
    store = consumer.store
    assert isinstance(store, RecordingStore)
    (body,) = store.objects.values()
    return store, body


def test_a_result_is_marked_published_once_by_this_process(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    """The final event and the sweep's listing may both see the task before its mark:
    one publish, one mark written."""
    item = task("Containerize the app")
    store, body = take_the_only_item(consumer, redis_client, item)
    body["status"] = {"phase": "Succeeded", "completedAt": "2026-12-01T12:00:00Z"}
    body["metadata"]["uid"] = "uid-1"
    stale = deepcopy(body)  # as both saw it, before the mark
    assert consumer.observe(stale) is True
    assert consumer.observe(stale) is False
    assert len(store.annotated) == 1
    assert redis_client.hget(c.result_key(item["task_id"]), "status") == "completed"


def test_events_of_a_running_task_write_only_new_milestones(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    """Intake marks the task in progress and logs it received; an event that shows no
    new milestone writes nothing (and asks for no thread), one that does logs only it;
    the sweep writes all again, in case Redis lost them."""
    item = task("Containerize the app")
    _, body = take_the_only_item(consumer, redis_client, item)
    result, logs = c.result_key(item["task_id"]), c.result_logs_key(item["task_id"])
    assert redis_client.hget(result, "status") == "in_progress"
    assert not consumer.has_news(body)
    redis_client.delete(result)
    consumer.observe(body)
    assert not redis_client.exists(result)  # nothing written again

    body["status"] = {
        "phase": "Running",
        "plan": {"stages": [["docker-worker"]]},
        "workers": [{"name": "docker-worker", "phase": "Running", "jobName": "j1"}],
    }
    assert consumer.has_news(body)
    consumer.observe(body)
    assert not consumer.has_news(body)
    lines = redis_client.lrange(logs, 0, -1)
    assert [line.split("] ", 1)[1].split(":")[0] for line in lines] == [
        "received",
        "planned",
        "docker-worker started (attempt 1, job j1)",
    ]
    assert not redis_client.exists(result)

    consumer.publish_pending()  # the sweep: the in-progress mark is back
    assert redis_client.hget(result, "status") == "in_progress"
    assert redis_client.llen(logs) == 3  # each milestone still logged once


def test_publishing_handles_each_task_on_its_own(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    broken, good = task("Containerize service a"), task("Containerize service b")
    for item in (broken, good):
        put_in_flight(redis_client, item)
    consumer.recover()
    store = consumer.store
    assert isinstance(store, RecordingStore)
    for body in store.objects.values():
        body["status"] = {"phase": "Succeeded", "completedAt": "2026-12-01T12:00:00Z"}
    redis_client.delete(c.result_key(broken["task_id"]))
    redis_client.set(c.result_key(broken["task_id"]), "not a hash")

    assert consumer.publish_pending() == 1

    assert redis_client.hget(c.result_key(good["task_id"]), "status") == "completed"
    assert "WRONGTYPE" in dead_reasons(redis_client)[None]
    assert redis_client.llen(c.active_key()) == 0
    marks = {
        body["spec"]["taskId"]: body["metadata"]["labels"].get(c.LABEL_REDIS_PUBLISHED)
        for body in store.objects.values()
    }
    assert marks == {broken["task_id"]: "true", good["task_id"]: "true"}
    assert consumer.publish_pending() == 0  # neither is selected again


def test_the_sweep_lists_unpublished_tasks_only_when_a_publication_may_be_owed(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    """Final results go out from the tasks' watch events; the sweep's listing (every
    task in flight, full bodies) is for what those could not do: at the first sweep,
    after a failure, and at least every RELIST_SECONDS."""
    seconds = [1000.0]
    store = RecordingStore(watching=True)
    consumer.store = store
    consumer.publishing = PublishSchedule(monotonic=lambda: seconds[0])
    item = task("Containerize the app")
    assert consumer.publish_pending_when_due() == 0  # the first sweep lists (nothing yet)
    assert len(store.lists) == 2  # ours by source, kubectl's by label
    take_the_only_item(consumer, redis_client, item)
    (body,) = store.objects.values()
    body["status"] = {"phase": "Succeeded", "completedAt": "2026-12-01T12:00:00Z"}
    listed = len(store.lists)
    assert consumer.publish_pending_when_due() == 0 and len(store.lists) == listed  # not due

    consumer.publishing.owe()  # as the bridge does when its final event's publication failed
    assert consumer.publish_pending_when_due() == 1  # owed: listed, published
    assert redis_client.hget(c.result_key(item["task_id"]), "status") == "completed"
    listed = len(store.lists)
    assert consumer.publish_pending_when_due() == 0 and len(store.lists) == listed
    seconds[0] += RELIST_SECONDS  # the catch-up of what Redis may have lost meanwhile
    consumer.publish_pending_when_due()
    assert len(store.lists) == listed + 2


def test_a_publication_that_fails_in_the_listing_is_owed_to_the_next_sweep(
    consumer: Consumer, redis_client: redis.Redis
) -> None:
    store = FlakyAnnotations(watching=True)
    consumer.store = store
    consumer.publishing = PublishSchedule(monotonic=lambda: 1000.0)
    take_the_only_item(consumer, redis_client, task("Containerize the app"))
    (body,) = store.objects.values()
    body["status"] = {"phase": "Succeeded", "completedAt": "2026-12-01T12:00:00Z"}
    assert consumer.publish_pending_when_due() == 0  # its published mark refused (503)
    listed = len(store.lists)
    store.refusing = False
    consumer.publish_pending_when_due()  # owed: the next sweep lists again
    assert len(store.lists) == listed + 2
    assert body["metadata"]["labels"][c.LABEL_REDIS_PUBLISHED] == "true"
    assert consumer.publish_pending_when_due() == 0 and len(store.lists) == listed + 2
