"""The network's view of a task in Redis (PROTOCOL.md): the `results:{task_id}` hash
(published on its channel when final) and the `results:{task_id}:logs` list, written by
the bridge and read by devopsctl. Writes are Lua scripts (atomic, and able to decide)
guarded by our markers, so repeating one never doubles its effect. Key names come from
`constants`; errors follow `adapters.errors`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from devops_orchestrator import constants as c
from devops_orchestrator.adapters.redis_client import Client, maps_redis_errors, text

MARKER_TTL_SECONDS = 7 * 24 * 3600
RESULT_TTL_SECONDS = 7 * 24 * 3600  # default of Settings.result_ttl_seconds

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

# KEYS: published marker, progress count, logs | ARGV: cap, count ttl, line
# -1: the result is out (no more progress); 0: the task's cap is reached; else the count.
_PROGRESS = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local n = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
if n > tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[3])
return n
"""

# KEYS: published marker, results hash, active, logs
# ARGV: marker ttl, raw ("" = none), result ttl, field, value, ...
# The channel carries the whole hash after the write (task_id, status, started_at,
# completed_at, output, error), so a subscriber needs no second read.
_PUBLISH = """
local done = 0
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HSET', KEYS[2], unpack(ARGV, 4))
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[4], ARGV[3])
  local flat = redis.call('HGETALL', KEYS[2])
  local state = {}
  for i = 1, #flat, 2 do state[flat[i]] = flat[i + 1] end
  redis.call('PUBLISH', KEYS[2], cjson.encode(state))
  done = 1
end
if ARGV[2] ~= '' then redis.call('LREM', KEYS[3], 0, ARGV[2]) end
return done
"""


@maps_redis_errors
def mark_in_progress(client: Client, fields: Mapping[str, str]) -> bool:
    """`results:{id}` -> in_progress with started_at, unless already in progress or final."""
    args = [x for kv in fields.items() for x in kv]
    return bool(client.eval(_IN_PROGRESS, 1, c.result_key(fields["task_id"]), *args))


@maps_redis_errors
def log_milestones(client: Client, task_id: str, lines: Sequence[tuple[str, str]]) -> int:
    """RPUSH each (milestone key, line) whose key was never logged for this task."""
    if not lines:
        return 0
    args = [x for pair in lines for x in pair]
    keys = [c.bridge_logged_key(task_id), c.result_logs_key(task_id)]
    return int(cast(int, client.eval(_LOG, 2, *keys, MARKER_TTL_SECONDS, *args)))


@maps_redis_errors
def log_progress(client: Client, task_id: str, line: str, cap: int) -> int:
    """RPUSH a progress line while the task's result is not published and it has fewer
    than `cap` of them: the count so far, 0 at the cap, -1 once published."""
    keys = [
        c.bridge_published_key(task_id),
        c.progress_count_key(task_id),
        c.result_logs_key(task_id),
    ]
    return int(cast(int, client.eval(_PROGRESS, 3, *keys, cap, MARKER_TTL_SECONDS, line)))


@maps_redis_errors
def publish_result(
    client: Client,
    fields: Mapping[str, str],
    *,
    raw: str = "",
    domain: str = c.DOMAIN,
    result_ttl: int = RESULT_TTL_SECONDS,
) -> bool:
    """Write the final fields, publish the resulting hash as one JSON object on
    `results:{id}` and LREM the original item, atomically and at most once per task id
    (a SET NX marker). The hash and its logs expire `result_ttl` seconds later. Returns
    whether this call published."""
    task_id = fields["task_id"]
    keys = [
        c.bridge_published_key(task_id),
        c.result_key(task_id),
        c.active_key(domain),
        c.result_logs_key(task_id),
    ]
    args = [x for kv in fields.items() for x in kv]
    done = client.eval(_PUBLISH, 4, *keys, MARKER_TTL_SECONDS, raw, result_ttl, *args)
    return bool(done)


@maps_redis_errors
def was_published(client: Client, task_id: str) -> bool:
    """Whether our marker says the task's final result went out."""
    return bool(client.exists(c.bridge_published_key(task_id)))


@maps_redis_errors
def read_result(client: Client, task_id: str) -> dict[str, str]:
    """The `results:{id}` hash ({} when there is none)."""
    raw = client.hgetall(c.result_key(task_id))
    return {text(k): text(v) for k, v in raw.items()}


@maps_redis_errors
def has_result(client: Client, task_id: str) -> bool:
    return bool(client.exists(c.result_key(task_id)))


@maps_redis_errors
def read_logs(client: Client, task_id: str, start: int = 0) -> list[str]:
    """The task's log lines from index `start` on."""
    lines = client.lrange(c.result_logs_key(task_id), start, -1)
    return [text(line) for line in lines]
