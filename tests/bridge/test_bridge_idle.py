"""The blocking-pop trap, end to end: the real operator, idle on an empty queue for a
minute with the production timings (BLMOVE blocks 2 s, heartbeat every 10 s), keeps
its heartbeat key alive the whole time and logs nothing but its start-up."""

from __future__ import annotations

import time

import redis

from fixtures_stack import Stack

IDLE_SECONDS = 65.0
HEARTBEAT_TTL = 30  # PROTOCOL.md: agents:heartbeat:{id} lives 30 s


def test_idle_minute_is_quiet_and_heartbeats_keep_flowing(
    stack: Stack, redis_client: redis.Redis
) -> None:
    operator = stack.operator(
        "devops-idle",
        DEVOPS_REDIS_BLOCK_SECONDS="2",
        DEVOPS_HEARTBEAT_INTERVAL_SECONDS="10",
        DEVOPS_REDIS_RECOVERY_INTERVAL_SECONDS="15",
    )
    heartbeat = "agents:heartbeat:devops-idle"
    info = "agents:info:devops-idle"
    deadline = time.monotonic() + 30
    while not redis_client.exists(heartbeat):
        assert time.monotonic() < deadline, operator.log_tail()
        time.sleep(0.2)
    log_at_start = operator.log_text()

    beats: set[str] = set()
    lowest_ttl = HEARTBEAT_TTL
    end = time.monotonic() + IDLE_SECONDS
    while time.monotonic() < end:
        ttl = int(redis_client.ttl(heartbeat))
        assert ttl > 0, "the heartbeat key expired while idle"
        lowest_ttl = min(lowest_ttl, ttl)
        beats.add(redis_client.hget(info, "last_heartbeat") or "")
        time.sleep(1)

    assert len(beats) >= 6, beats  # one renewal every 10 s over 65 s
    assert lowest_ttl >= HEARTBEAT_TTL - 12  # renewed every 10 s, never close to expiry
    assert redis_client.hget(info, "status") == "active"
    new_lines = operator.log_text()[len(log_at_start) :]
    noisy = [
        line
        for line in new_lines.splitlines()
        if any(word in line for word in ("WARNING", "ERROR", "Traceback", "Timeout"))
    ]
    assert noisy == [], "\n".join(noisy)
