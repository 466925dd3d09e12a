"""Shared fixtures. Real services only: a redis-server and the local control plane are
started once per test run, each test gets a fresh Redis database and namespace."""

pytest_plugins = ["fixtures_redis", "fixtures_cluster", "fixtures_stack"]
