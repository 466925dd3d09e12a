"""The agent registry (PROTOCOL.md "Registry"): register, heartbeat, deregister.

A heartbeat rewrites the whole registration (sets, info, TTL key) in one MULTI, so an
agent reappears by itself after Redis lost its data; created_at is kept (HSETNX).
Errors follow `adapters.errors`."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime

from devops_orchestrator import constants as c
from devops_orchestrator.adapters.redis_client import Client, maps_redis_errors, text

STATUS_STARTING = "starting"
STATUS_ACTIVE = "active"
STATUS_BUSY = "busy"
STATUS_STOPPING = "stopping"


@dataclass(frozen=True)
class Agent:
    agent_id: str
    domain: str = c.DOMAIN
    role: str = "domain"


def default_agent_id(configured: str = "", domain: str = c.DOMAIN) -> str:
    """The network's convention: `<domain>-<hostname>`."""
    return configured or f"{domain}-{socket.gethostname()}"


@maps_redis_errors
def heartbeat(
    client: Client,
    agent: Agent,
    *,
    status: str,
    now: datetime,
    ttl_seconds: int = c.HEARTBEAT_TTL_SECONDS,
) -> None:
    """Register (idempotently) with `status` and renew the heartbeat key."""
    stamp = now.isoformat()
    info = c.agent_info_key(agent.agent_id)
    with client.pipeline(transaction=True) as pipe:
        pipe.sadd(c.AGENTS_ALL, agent.agent_id)
        pipe.sadd(c.AGENTS_DOMAINS, agent.agent_id)
        pipe.sadd(c.agents_domain_key(agent.domain), agent.agent_id)
        pipe.hsetnx(info, "created_at", stamp)
        pipe.hset(
            info,
            mapping={
                "agent_id": agent.agent_id,
                "role": agent.role,
                "domain_type": agent.domain,
                "status": status,
                "last_heartbeat": stamp,
            },
        )
        pipe.set(c.agent_heartbeat_key(agent.agent_id), stamp, ex=ttl_seconds)
        pipe.execute()


@maps_redis_errors
def register(client: Client, agent: Agent, *, now: datetime) -> None:
    """First registration: a fresh created_at and status `starting`."""
    client.delete(c.agent_info_key(agent.agent_id))
    heartbeat(client, agent, status=STATUS_STARTING, now=now)


@maps_redis_errors
def deregister(client: Client, agent: Agent) -> None:
    """Remove the agent from every set and delete its two keys."""
    with client.pipeline(transaction=True) as pipe:
        pipe.srem(c.AGENTS_ALL, agent.agent_id)
        pipe.srem(c.AGENTS_DOMAINS, agent.agent_id)
        pipe.srem(c.agents_domain_key(agent.domain), agent.agent_id)
        pipe.delete(c.agent_info_key(agent.agent_id), c.agent_heartbeat_key(agent.agent_id))
        pipe.execute()


@maps_redis_errors
def list_agents(client: Client) -> list[dict[str, str]]:
    """Every registered agent's info plus `healthy` (its heartbeat key exists)."""
    ids = sorted(text(x) for x in client.smembers(c.AGENTS_ALL))
    out: list[dict[str, str]] = []
    for agent_id in ids:
        raw = client.hgetall(c.agent_info_key(agent_id))
        info = {text(k): text(v) for k, v in raw.items()}
        info.setdefault("agent_id", agent_id)
        info["healthy"] = "true" if client.exists(c.agent_heartbeat_key(agent_id)) else "false"
        out.append(info)
    return out
