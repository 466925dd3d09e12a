"""devopsctl: submit tasks to the devops domain and watch them, over Redis and the cluster.

Exit codes: 0 done, 1 failed (or unreachable), 2 usage."""

from __future__ import annotations

import click

from devops_orchestrator.cli.agents import agents
from devops_orchestrator.cli.cluster import artifacts, get
from devops_orchestrator.cli.common import Context
from devops_orchestrator.cli.tasks import logs, status, submit, wait
from devops_orchestrator.cli.transcript_cmd import transcript
from devops_orchestrator.cli.worker_cmd import worker_group


@click.group()
@click.option(
    "--redis-url",
    envvar=["DEVOPS_REDIS_URL", "REDIS_URL"],  # the network configures agents with REDIS_URL
    default="",
    show_envvar=True,
    help="Redis of the agent network",
)
@click.option("--kubeconfig", envvar="KUBECONFIG", default=None, help="Kubeconfig file")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@click.pass_context
def main(ctx: click.Context, redis_url: str, kubeconfig: str | None, as_json: bool) -> None:
    """Talk to the devops orchestrator of the agent network."""
    ctx.obj = Context(redis_url=redis_url, kubeconfig=kubeconfig, as_json=as_json)


for _command in (submit, status, logs, wait, get, artifacts, agents, transcript):
    main.add_command(_command)
main.add_command(worker_group, "worker")

__all__ = ["main"]
