"""The scale benchmark's pure helpers: metrics parsing, KWOK stages, overheads, report."""

from __future__ import annotations

import json

import pytest
import yaml
from bench.fake_results import CRI_PREFIX, build_worker_log, count_simulated
from bench.probes import parse_machine_cpu
from bench.promtext import parse_labels, sum_counter
from bench.scale.overhead import TaskTiming, build_overheads
from bench.scale.report import render_markdown, summarize_repeats
from bench.scale.run import parse_runs

from bench import kwok
from devops_orchestrator.core.result_frame import decode_last_frame

FLOWS = "apiserver_flowcontrol_dispatched_requests_total"
METRICS = """\
# HELP @ [BETA] Number of requests executed
# TYPE @ counter
@{flow_schema="bench-operator",priority_level="workload-high"} 120
@{flow_schema="exempt",priority_level="exempt"} 7
@{flow_schema="bench-operator",priority_level="other"} 3
apiserver_request_total{code="200",component="apiserver",resource="jobs",verb="LIST",version="v1"} 4
apiserver_request_total{code="201",component="apiserver",resource="jobs",verb="POST",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",resource="",verb="GET",version=""} 2.0
apiserver_request_totally_other{resource="jobs"} 99
""".replace("@", FLOWS)


def test_sum_counter_groups_by_the_labels_asked_for() -> None:
    flows = sum_counter(
        METRICS, "apiserver_flowcontrol_dispatched_requests_total", ("flow_schema",)
    )
    assert flows == {("bench-operator",): 123, ("exempt",): 7}
    verbs = sum_counter(METRICS, "apiserver_request_total", ("verb", "resource"))
    assert verbs == {("LIST", "jobs"): 4, ("POST", "jobs"): 3, ("GET", ""): 2}


def test_label_values_may_hold_commas_quotes_and_braces() -> None:
    assert parse_labels(r'a="x,y",b="say \"hi\"",c="{}"') == {
        "a": "x,y",
        "b": 'say "hi"',
        "c": "{}",
    }


def test_machine_cpu_counts_iowait_as_idle() -> None:
    busy, total = parse_machine_cpu("cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 1 1 1 1 1 1 1\n")
    assert (busy, total) == (160, 1000)
    with pytest.raises(ValueError):
        parse_machine_cpu("intr 1 2 3\n")


def test_kwok_stages_run_pods_at_once_and_finish_job_pods_after_the_worker_time() -> None:
    docs = list(yaml.safe_load_all(kwok.render_config(1.5, kwok.Path("/w.log"))))
    logs = [d for d in docs if d["kind"] == "ClusterLogs"]
    assert logs[0]["spec"]["logs"] == [{"containers": ["worker"], "logsFile": "/w.log"}]
    stages = {s["metadata"]["name"]: s for s in docs if s["kind"] == "Stage"}
    assert set(stages) == {
        "bench-node-ready",
        "bench-pod-run",
        "bench-pod-succeed",
        "bench-pod-delete",
    }
    assert all(s["apiVersion"] == kwok.STAGE_API and s["kind"] == "Stage" for s in stages.values())
    assert "delay" not in stages["bench-pod-run"]["spec"]
    succeed = stages["bench-pod-succeed"]["spec"]
    assert succeed["delay"] == {"durationMilliseconds": 1500}
    keys = {e["key"]: e for e in succeed["selector"]["matchExpressions"]}
    assert keys[".metadata.ownerReferences.[].kind"]["values"] == ["Job"]
    assert "phase: Succeeded" in succeed["next"]["statusTemplate"]
    assert stages["bench-pod-delete"]["spec"]["next"] == {"delete": True}
    node_template = stages["bench-node-ready"]["spec"]["next"]["statusTemplate"]
    assert "pods: 100k" in node_template and "%" not in node_template.replace("%s", "")
    with pytest.raises(ValueError):
        kwok.build_stages(-1)


def test_kwok_node_is_untainted_and_managed_by_annotation() -> None:
    node = kwok.build_node("n1")
    assert node["spec"] == {}
    assert node["metadata"]["annotations"] == {"kwok.x-k8s.io/node": "fake"}
    server = kwok.Server(4321, kwok.Path("/c.crt"), kwok.Path("/c.key"))
    argv = kwok.build_argv(kwok.Path("/bin/kwok"), kwok.Path("/k"), kwok.Path("/c"), server)
    assert "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake" in argv
    assert {"--node-port=4321", "--server-address=127.0.0.1:4321"} <= set(argv)


def test_the_simulated_worker_log_ends_with_a_frame_the_operator_accepts() -> None:
    log = build_worker_log(2.0)
    assert all(line.startswith(CRI_PREFIX) for line in log.splitlines())
    served = "".join(line.removeprefix(CRI_PREFIX) + "\n" for line in log.splitlines())
    frame = decode_last_frame(served, 0)
    assert frame.exit_code == 0 and frame.result is not None
    summary = frame.result["summary"]
    output = json.dumps({"details": {"docker-worker": {"summary": summary}, "ci-worker": {}}})
    assert count_simulated([output, "", json.dumps({"details": {}})]) == 1


def test_overhead_subtracts_the_workers_time_per_stage_and_counts_the_unseen() -> None:
    timings = [
        TaskTiming(pushed=0.0, seen=1.0, final=1.0 + 3 * 2.0 + 1.5, stages=3),
        TaskTiming(pushed=0.0, seen=2.0, final=2.0 + 3 * 2.0 + 3.0, stages=3),
        TaskTiming(pushed=0.0, seen=None, final=20.0, stages=3),
        TaskTiming(pushed=0.0, seen=3.0, final=9.0, stages=0),
    ]
    out = build_overheads(timings, worker_seconds=2.0)
    assert out["overhead_per_stage_s"]["n"] == 2
    assert out["overhead_per_stage_s"]["min"] == pytest.approx(0.5)
    assert out["overhead_per_stage_s"]["max"] == pytest.approx(1.0)
    assert out["queue_wait_s"]["p50"] == pytest.approx(1.5)
    assert out["latency_s"]["max"] == 20.0
    assert out["tasks_unmeasured"] == 2


def test_parse_runs() -> None:
    assert parse_runs("1000x1000, 100x10") == [(1000, 1000), (100, 10)]
    for bad in ("1000", "x10", "10x0", "ax1"):
        with pytest.raises(Exception, match="TASKSxCAP"):
            parse_runs(bad)


def _burst(rate: float, cpu: float) -> dict[str, object]:
    return {
        "tasks_per_s": rate,
        "operator_cpu_s_per_task": cpu,
        "operator_api_requests_per_task": 30.0,
        "all_api_requests_per_task": 90.0,
        "overhead_per_stage_s": {"n": 10, "p50": 0.4, "p95": 1.2},
        "queue_wait_s": {"n": 10, "p50": 3.0},
        "latency_s": {"n": 10, "p95": 9.0},
        "machine_cpu_busy": 0.97,
        "operator_cpu_share": 0.4,
        "operator_memory_kib": {"VmHWM": 204800, "VmRSS": 1},
        "statuses": {"completed": 10},
        "api_requests_per_task_by_flow_schema": {"bench-operator": 30.0},
        "api_requests_per_task_by_verb_resource": {"LIST jobs": 10.0},
    }


def test_repeats_are_summarised_and_the_goals_judged() -> None:
    repeats = [_burst(4.0, 0.3), _burst(6.0, 0.2), _burst(5.0, 0.25)]
    summary = summarize_repeats(repeats)
    assert summary["tasks_per_s"]["p50"] == 5.0
    assert (summary["tasks_per_s"]["min"], summary["tasks_per_s"]["max"]) == (4.0, 6.0)
    assert summary["peak_rss_kib"]["p50"] == 204800
    results = {
        "settings": {"worker_seconds": 1.0},
        "machine": {"cpus": 2, "load_avg_at_start": [0.1, 0.2, 0.3]},
        "bursts": [{"tasks": 10, "cap": 100, "repeats": repeats, **summary}],
        "population": {
            "finished_tasks": 10000,
            "rss_kib": [130000.0, 131000.0],
            "first_start_rss_kib": [180000.0, 182000.0],
        },
        "profile": {"samples": 10, "by_area": [{"name": "kopf", "samples": 5, "share": 0.5}]},
    }
    text = render_markdown(results)
    assert (
        "| three-worker tasks/s, one replica (largest cap) | 5.00 (machine CPU 97 % busy) "
        "| ≥ 20, with CPU to spare | not met |" in text
    )
    # Judged on the tasks out of the watch (the steady state); the first start is shown.
    assert (
        "| operator RSS with 10000 finished tasks (out of its watch; first start over them) "
        "| 128 MiB; 178 MiB | ≤ 150 MiB, flat | met |" in text
    )
    assert "| 10 x cap 100 | 5.00 [4.00-6.00, n=3] |" in text
    assert "beyond a bare Job's own time" in text and "| n/a | ≤ 1 s | not measured |" in text
    results["floor"] = {"seconds": {"n": 10, "p50": 2.03, "min": 2.0, "max": 2.1}}
    text = render_markdown(results)
    p95 = summary["overhead_p95_s"]["p50"]
    assert f"{p95 - 1.03:.2f} s (10 x cap 100: {p95:.2f} s less 1.03 s;" in text
    assert "| kopf | 50.0 % |" in text
