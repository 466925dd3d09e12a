"""The Redis bridge: the agent network's queue in, results and milestones out, the
agent registry. Runs inside the operator process when `DEVOPS_REDIS_URL` is set."""
