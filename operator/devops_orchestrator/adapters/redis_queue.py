"""The task queue and the result hash in Redis (PROTOCOL.md), as thin idempotent effects.

Every multi-key write is one Lua script (atomic like MULTI/EXEC, and able to decide):
a replica killed between two commands can never leave half a write behind, and two
replicas doing the same write cannot double its effect. Key names come from constants."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import cast

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from devops_orchestrator import constants as c

MARKER_TTL_SECONDS = 7 * 24 * 3600
SOCKET_MARGIN_SECONDS = 10.0  # socket timeout = block time + this: idle BLMOVEs stay quiet
WRITE_SOCKET_TIMEOUT = 5.0
PROBE_TIMEOUT_SECONDS = 2.0  # a readiness probe must answer well within its own timeout

Client = redis.Redis

# KEYS: active, dead, results hash | ARGV: raw, envelope, fields JSON ("" = none), published JSON
_DEAD_LETTER = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[2])
if ARGV[3] ~= '' then
  local s = redis.call('HGET', KEYS[3], 'status')
  if s ~= 'completed' and s ~= 'failed' then
    local f = cjson.decode(ARGV[3])
    for k, v in pairs(f) do redis.call('HSET', KEYS[3], k, v) end
    redis.call('PUBLISH', KEYS[3], ARGV[4])
  end
end
return 1
"""

# KEYS: results hash | ARGV: field, value, ...
_IN_PROGRESS = """
local s = redis.call('HGET', KEYS[1], 'status')
if s == 'completed' or s == 'failed' or s == 'in_progress' then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""

# KEYS: logged set, logs list | ARGV: ttl, key1, line1, key2, line2, ...
_LOG = """
local n = 0
for i = 2, #ARGV, 2 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[i + 1])
    n = n + 1
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return n
"""

# KEYS: published marker, results hash, active | ARGV: ttl, raw ("" = none), field, value, ...
# The channel carries the whole hash after the write (task_id, status, started_at,
# completed_at, output, error), so a subscriber needs no second read.
_PUBLISH = """
local done = 0
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HSET', KEYS[2], unpack(ARGV, 3))
  local flat = redis.call('HGETALL', KEYS[2])
  local state = {}
  for i = 1, #flat, 2 do state[flat[i]] = flat[i + 1] end
  redis.call('PUBLISH', KEYS[2], cjson.encode(state))
  done = 1
end
if ARGV[2] ~= '' then redis.call('LREM', KEYS[3], 0, ARGV[2]) end
return done
"""


def connect(url: str, *, block_seconds: float | None = None) -> Client:
    """A client in bytes mode (queue items are compared byte for byte). With
    `block_seconds`, its socket timeout outlives the longest blocking call made with it.

    redis-py's own retries are kept short (two quick ones for a blip): an outage is
    the callers' business, who back off, report unreadiness and stay stoppable."""
    timeout = WRITE_SOCKET_TIMEOUT
    if block_seconds is not None:
        timeout = block_seconds + SOCKET_MARGIN_SECONDS
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=5.0,
        health_check_interval=30,
        decode_responses=False,
        retry=Retry(ExponentialWithJitterBackoff(base=0.1, cap=1.0), 2),
    )


def connect_probe(url: str) -> Client:
    """A client for readiness pings: short timeouts, no retries (one honest answer)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
        retry=Retry(ExponentialWithJitterBackoff(base=0.1, cap=1.0), 0),
    )


def ping(client: Client) -> None:
    """Raises redis.ConnectionError / TimeoutError when Redis does not answer."""
    client.ping()


def take(client: Client, *, block_seconds: float, domain: str = c.DOMAIN) -> bytes | None:
    """Atomically move the oldest pending item to the active list; None when idle."""
    pending, active = c.pending_key(domain), c.active_key(domain)
    item = client.blmove(pending, active, block_seconds, "RIGHT", "LEFT")  # type: ignore[arg-type]
    return cast("bytes | None", item)


def active_items(client: Client, *, domain: str = c.DOMAIN) -> list[bytes]:
    return cast("list[bytes]", client.lrange(c.active_key(domain), 0, -1))


def remove_active(client: Client, raw: bytes | str, *, domain: str = c.DOMAIN) -> int:
    return int(client.lrem(c.active_key(domain), 0, raw))  # type: ignore[arg-type]


def dead_letter(
    client: Client,
    raw: bytes,
    envelope: str,
    *,
    task_id: str | None = None,
    failed_fields: Mapping[str, str] | None = None,
    domain: str = c.DOMAIN,
) -> bool:
    """Move `raw` from the active list to the dead-letter list; when its task id is
    known, mark `results:{id}` failed (unless already final) and publish that. Only the
    caller that removed the item writes, so two replicas dead-letter it once."""
    fields = json.dumps(dict(failed_fields)) if failed_fields and task_id else ""
    keys = [c.active_key(domain), c.dead_key(domain), c.result_key(task_id or "-")]
    done = client.eval(_DEAD_LETTER, 3, *keys, raw, envelope, fields, fields)
    return bool(done)


def mark_in_progress(client: Client, fields: Mapping[str, str]) -> bool:
    """`results:{id}` -> in_progress with started_at, unless already in progress or final."""
    args = [x for kv in fields.items() for x in kv]
    return bool(client.eval(_IN_PROGRESS, 1, c.result_key(fields["task_id"]), *args))


def log_milestones(client: Client, task_id: str, lines: Sequence[tuple[str, str]]) -> int:
    """RPUSH each (milestone key, line) whose key was never logged for this task."""
    if not lines:
        return 0
    args = [x for pair in lines for x in pair]
    keys = [c.bridge_logged_key(task_id), c.result_logs_key(task_id)]
    return int(cast(int, client.eval(_LOG, 2, *keys, MARKER_TTL_SECONDS, *args)))


def publish_result(
    client: Client, fields: Mapping[str, str], *, raw: str = "", domain: str = c.DOMAIN
) -> bool:
    """Write the final fields, publish the resulting hash as one JSON object on
    `results:{id}` and LREM the original item, atomically and at most once per task id
    (a SET NX marker). Returns whether this call published."""
    task_id = fields["task_id"]
    keys = [c.bridge_published_key(task_id), c.result_key(task_id), c.active_key(domain)]
    args = [x for kv in fields.items() for x in kv]
    done = client.eval(_PUBLISH, 3, *keys, MARKER_TTL_SECONDS, raw, *args)
    return bool(done)


def is_published(client: Client, task_id: str) -> bool:
    return bool(client.exists(c.bridge_published_key(task_id)))


def submit(client: Client, task_id: str, task_json: str, *, domain: str = c.DOMAIN) -> None:
    """What the network's producer does, in one MULTI: results:{id} pending, LPUSH the
    task, notify."""
    with client.pipeline(transaction=True) as pipe:
        pipe.hset(c.result_key(task_id), mapping={"task_id": task_id, "status": c.STATUS_PENDING})
        pipe.lpush(c.pending_key(domain), task_json)
        pipe.publish(c.notifications_channel(domain), task_json)
        pipe.execute()
