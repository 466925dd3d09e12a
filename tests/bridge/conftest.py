"""Bridge fixtures: a protocol-only producer on the test's Redis (the stack comes from
the `fixtures_stack` plugin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from fixtures_redis import RedisServer
from producer.producer import Producer


@pytest.fixture
def producer(redis_server: RedisServer, redis_client: redis.Redis) -> Iterator[Producer]:
    made = Producer(redis_server.client())
    yield made
    made.close()
