"""The domain's task queue in Redis (PROTOCOL.md): take an item atomically into the
active list, list and remove active items, dead-letter an item, and the producer's
submit. Multi-key writes are one Lua script or one MULTI: a replica killed between two
commands never leaves half a write, and two replicas doing the same write cannot double
its effect. Key names come from `constants`; errors follow `adapters.errors`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import cast

from devops_orchestrator import constants as c
from devops_orchestrator.adapters.redis_client import Client, maps_redis_errors, text

DEAD_LETTER_MAX = 1000  # default of Settings.dead_letter_max
RESULT_TTL_SECONDS = 7 * 24 * 3600  # default of Settings.result_ttl_seconds

# KEYS: active, dead, results hash
# ARGV: raw, envelope, fields JSON ("" = none), published JSON, dead-letter max, result ttl
# The answer goes only where the hash is missing or `pending` (the producer's submit):
# a hash another consumer set in_progress, or a final one, belongs to a task we never took.
_DEAD_LETTER = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
local kind = redis.call('TYPE', KEYS[3]).ok
if ARGV[3] ~= '' and (kind == 'none' or kind == 'hash') then
  local s = redis.call('HGET', KEYS[3], 'status')
  if s == false or s == 'pending' then
    local f = cjson.decode(ARGV[3])
    for k, v in pairs(f) do redis.call('HSET', KEYS[3], k, v) end
    redis.call('EXPIRE', KEYS[3], ARGV[6])
    redis.call('PUBLISH', KEYS[3], ARGV[4])
  end
end
return 1
"""

# KEYS: taken marker | ARGV: digest of the item, ttl
# The first item to claim a task id owns it; returns the digest that owns it now.
_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return ARGV[1] end
return redis.call('GET', KEYS[1])
"""


@maps_redis_errors
def take(client: Client, *, block_seconds: float, domain: str = c.DOMAIN) -> bytes | None:
    """Atomically move the oldest pending item to the active list; None when idle."""
    pending, active = c.pending_key(domain), c.active_key(domain)
    item = client.blmove(pending, active, block_seconds, "RIGHT", "LEFT")  # type: ignore[arg-type]
    return cast("bytes | None", item)


@maps_redis_errors
def active_items(client: Client, *, domain: str = c.DOMAIN) -> list[bytes]:
    return cast("list[bytes]", client.lrange(c.active_key(domain), 0, -1))


@maps_redis_errors
def remove_active(client: Client, raw: bytes | str, *, domain: str = c.DOMAIN) -> int:
    return int(client.lrem(c.active_key(domain), 0, raw))  # type: ignore[arg-type]


@maps_redis_errors
def dead_letter(
    client: Client,
    raw: bytes,
    envelope: str,
    *,
    task_id: str | None = None,
    failed_fields: Mapping[str, str] | None = None,
    domain: str = c.DOMAIN,
    keep: int = DEAD_LETTER_MAX,
    result_ttl: int = RESULT_TTL_SECONDS,
) -> bool:
    """Move `raw` from the active list to the dead-letter list (trimmed to its newest
    `keep` entries); when its task id is known, mark `results:{id}` failed where it is
    missing or pending and publish that. Only the caller that removed the item writes,
    so two replicas dead-letter it once."""
    fields = json.dumps(dict(failed_fields)) if failed_fields and task_id else ""
    keys = [c.active_key(domain), c.dead_key(domain), c.result_key(task_id or "-")]
    done = client.eval(_DEAD_LETTER, 3, *keys, raw, envelope, fields, fields, keep, result_ttl)
    return bool(done)


@maps_redis_errors
def claim_task_id(client: Client, task_id: str, digest: str, *, ttl: int) -> bool:
    """Claim `task_id` for the item with `digest` (kept `ttl` seconds). False when a
    different item claimed the id first: a reused task id."""
    owner = client.eval(_CLAIM, 1, c.bridge_taken_key(task_id), digest, ttl)
    return text(owner) == digest


@maps_redis_errors
def submit(client: Client, task_id: str, task_json: str, *, domain: str = c.DOMAIN) -> None:
    """What the network's producer does, in one MULTI: results:{id} pending, LPUSH the
    task, notify."""
    with client.pipeline(transaction=True) as pipe:
        pipe.hset(c.result_key(task_id), mapping={"task_id": task_id, "status": c.STATUS_PENDING})
        pipe.lpush(c.pending_key(domain), task_json)
        pipe.publish(c.notifications_channel(domain), task_json)
        pipe.execute()
