"""What every devopsctl command shares: connections, output, exit codes, clear errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from devops_orchestrator.adapters import kube, redis_client
from devops_orchestrator.adapters.errors import AdapterError, RedisUnavailableError, RetryableError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


@dataclass
class Context:
    redis_url: str
    kubeconfig: str | None
    as_json: bool

    def redis(self) -> redis_client.Client:
        if not self.redis_url:
            fail("no Redis URL: pass --redis-url or set DEVOPS_REDIS_URL", EXIT_USAGE)
        return redis_client.connect(self.redis_url)

    def use_kube(self) -> None:
        """Point the Kubernetes adapters at `--kubeconfig` (or the default kubeconfig)."""
        try:
            kube.use_kubeconfig(self.kubeconfig)
        except AdapterError as exc:
            fail(str(exc))


def _set_json(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_object(Context).as_json = True  # type: ignore[union-attr]


json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    expose_value=False,
    callback=_set_json,
    help="Machine-readable output",
)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    click.echo(f"devopsctl: {message}", err=True)
    sys.exit(code)


def emit(ctx: Context, data: Any, text: Callable[[], str]) -> None:
    """JSON with --json, else the human text."""
    if ctx.as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        click.echo(text())


@contextmanager
def reaching(what: str) -> Iterator[None]:
    """Turn the adapters' failures into one clear line and exit code 1 (no traceback)."""
    try:
        yield
    except RedisUnavailableError as exc:
        fail(f"cannot reach Redis ({what}): {exc}")
    except RetryableError as exc:
        if exc.status == 0:  # no HTTP answer at all
            fail(f"cannot reach the Kubernetes API ({what}): {exc}")
        fail(f"the Kubernetes API refused {what}: {exc}")
    except AdapterError as exc:
        fail(f"{what} failed: {exc}")
