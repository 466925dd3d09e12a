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
from devops_orchestrator.adapters.redis_client import Client, maps_redis_errors

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
) -> bool:
    """Move `raw` from the active list to the dead-letter list; when its task id is
    known, mark `results:{id}` failed (unless already final) and publish that. Only the
    caller that removed the item writes, so two replicas dead-letter it once."""
    fields = json.dumps(dict(failed_fields)) if failed_fields and task_id else ""
    keys = [c.active_key(domain), c.dead_key(domain), c.result_key(task_id or "-")]
    done = client.eval(_DEAD_LETTER, 3, *keys, raw, envelope, fields, fields)
    return bool(done)


@maps_redis_errors
def submit(client: Client, task_id: str, task_json: str, *, domain: str = c.DOMAIN) -> None:
    """What the network's producer does, in one MULTI: results:{id} pending, LPUSH the
    task, notify."""
    with client.pipeline(transaction=True) as pipe:
        pipe.hset(c.result_key(task_id), mapping={"task_id": task_id, "status": c.STATUS_PENDING})
        pipe.lpush(c.pending_key(domain), task_json)
        pipe.publish(c.notifications_channel(domain), task_json)
        pipe.execute()
