"""devopsctl agents: the registry, with health (the heartbeat key exists)."""

from __future__ import annotations

import click

from devops_orchestrator.adapters import registry
from devops_orchestrator.cli.common import Context, emit, json_option, reaching


@click.command()
@json_option
@click.pass_obj
def agents(ctx: Context) -> None:
    """Registered agents of the network and whether their heartbeat is alive."""
    with reaching("reading the registry"):
        entries = registry.list_agents(ctx.redis())

    def table() -> str:
        if not entries:
            return "no agents registered"
        rows = [("AGENT", "ROLE", "DOMAIN", "STATUS", "HEALTHY", "LAST HEARTBEAT")]
        rows += [
            (
                e.get("agent_id", ""),
                e.get("role", ""),
                e.get("domain_type", ""),
                e.get("status", ""),
                e["healthy"],
                e.get("last_heartbeat", ""),
            )
            for e in entries
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join(
            "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows
        )

    emit(ctx, entries, table)
