"""What every devopsctl command shares: connections, output, exit codes, clear errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import click
import redis
from kubernetes import client as k8s
from kubernetes.config import new_client_from_config
from kubernetes.config.config_exception import ConfigException

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


@dataclass
class Context:
    redis_url: str
    kubeconfig: str | None
    as_json: bool

    def redis(self) -> redis.Redis:
        if not self.redis_url:
            fail("no Redis URL: pass --redis-url or set DEVOPS_REDIS_URL", EXIT_USAGE)
        return redis.Redis.from_url(
            self.redis_url, decode_responses=True, socket_connect_timeout=5, socket_timeout=10
        )

    def kube(self) -> k8s.ApiClient:
        try:
            api: k8s.ApiClient = new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=self.kubeconfig
            )
        except (ConfigException, OSError) as exc:
            fail(f"cannot load the kubeconfig: {exc}")
        return api


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
    """Turn connection failures into one clear line and exit code 1 (no traceback)."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        fail(f"cannot reach Redis ({what}): {exc}")
    except k8s.ApiException as exc:
        fail(f"the Kubernetes API refused {what}: {exc.status} {exc.reason}")
    except OSError as exc:  # urllib3 connection errors are OSErrors underneath
        fail(f"cannot reach the Kubernetes API ({what}): {exc}")
    except Exception as exc:  # urllib3 MaxRetryError and friends
        if type(exc).__module__.startswith("urllib3"):
            fail(f"cannot reach the Kubernetes API ({what}): {exc}")
        raise
