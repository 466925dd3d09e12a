"""How the network's client finds a domain orchestrator (PROTOCOL.md, "Discovery"),
written from the protocol alone: a member of `agents:domains:{domain}` whose info says
`status == "active"` and whose heartbeat key exists. Imports nothing of ours."""

from __future__ import annotations

import redis


def find_available_domain(client: redis.Redis, domain: str) -> str | None:
    for member in sorted(client.smembers(f"agents:domains:{domain}")):
        agent_id = member.decode() if isinstance(member, bytes) else str(member)
        info = client.hgetall(f"agents:info:{agent_id}")
        status = info.get("status") or info.get(b"status")
        if status in ("active", b"active") and client.exists(f"agents:heartbeat:{agent_id}"):
            return agent_id
    return None
