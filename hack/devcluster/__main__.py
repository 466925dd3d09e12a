"""`python -m devcluster up|down|status|kubeconfig|demo`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from devcluster import launcher
from devcluster.readiness import NotReadyError
from devcluster.state import ClusterPaths, default_state_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devcluster", description=__doc__)
    parser.add_argument(
        "command", choices=["up", "down", "status", "kubeconfig", "demo", "redis-up", "redis-down"]
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="default: $DEVCLUSTER_STATE_DIR or <repo>/.devcluster",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log start-up progress")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s"
    )
    if args.command == "demo":
        from devcluster.demo import run_demo  # heavy imports (redis, the operator): lazily

        return run_demo(args.state_dir)
    if args.command in ("redis-up", "redis-down"):
        return _redis(args.command, args.state_dir)
    if args.command == "up":
        try:
            info = launcher.up(args.state_dir)
        except NotReadyError as exc:
            print(f"devcluster: failed to start: {exc}", file=sys.stderr)
            return 1
        how = f"started in {info.started_in:.1f}s" if info.started_in else "already running"
        print(f"devcluster {how}: {info.server}\nexport KUBECONFIG={info.kubeconfig}")
        print(f"kubectl: {info.bin_dir / 'kubectl'}")
    elif args.command == "down":
        killed = launcher.down(args.state_dir)
        print("devcluster stopped" + (f" (killed stragglers {killed})" if killed else ""))
    elif args.command == "status":
        states = launcher.status(args.state_dir)
        for component, pid in states.items():
            print(f"{component:<24} {'running pid ' + str(pid) if pid else 'stopped'}")
        return 0 if all(states.values()) else 3
    else:
        found = launcher.info(args.state_dir)
        if found is None:
            return 1
        print(found.kubeconfig)
    return 0


def _redis(command: str, state_dir: Path | None) -> int:
    from devcluster.redis_server import RedisStartError, ensure_redis, stop_redis

    paths = ClusterPaths((state_dir or default_state_dir()).resolve())
    if command == "redis-down":
        print("redis stopped" if stop_redis(paths) else "redis was not running")
        return 0
    try:
        port = ensure_redis(paths)
    except RedisStartError as exc:
        print(f"devcluster: {exc}", file=sys.stderr)
        return 1
    print(f"redis running\nexport DEVOPS_REDIS_URL=redis://127.0.0.1:{port}/0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
