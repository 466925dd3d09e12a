"""`python -m bench`: the orchestration benchmark (issue 7).

On a fresh local cluster (devcluster), a real redis-server and the operator as a real
subprocess, it measures the bare-Job floor, task latency and pickup, throughput against
a strictly sequential runner, and the operator's costs; it writes `bench/results.json`
and `bench/results.md`. Nothing here is imported by the operator or the tests."""
