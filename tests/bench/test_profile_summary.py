"""py-spy's collapsed stacks, summarised by area and by our functions."""

from __future__ import annotations

from bench.profile import EVENT_LOOP, area_of, parse_frame, summarize_collapsed

RECONCILE = "run_pass (/v/devops_orchestrator/reconcile.py:270)"
THREAD = "thread (0x7F01);_bootstrap (threading.py:1002)"
STACKS = "\n".join(
    [
        f"{THREAD};{RECONCILE};list_jobs (/v/devops_orchestrator/adapters/kube.py:90);"
        "read (/usr/lib/python3.11/ssl.py:1134) 30",
        f"{THREAD};{RECONCILE};decide (/v/devops_orchestrator/core/reconcile.py:100) 10",
        'process 12:"python -m devops_orchestrator";thread (0x7F02);'
        "run (/v/asyncio/events.py:80);process (/v/kopf/_core/reactor/processing.py:50) 60",
        "garbage line",
    ]
)


def test_frames_are_split_into_function_and_path() -> None:
    assert parse_frame("run_pass (/v/devops_orchestrator/reconcile.py:270)") == (
        "run_pass",
        "/v/devops_orchestrator/reconcile.py",
    )
    assert parse_frame("<native>") == ("<native>", "")
    assert area_of("/v/devops_orchestrator/core/x.py") == "ours: core (decisions)"
    assert area_of("/v/kopf/x.py") == "kopf"
    assert area_of("") == "native/unknown"


def test_samples_go_to_the_leaf_area_and_to_each_of_our_functions_once() -> None:
    summary = summarize_collapsed(STACKS)
    assert summary.samples == 100
    assert summary.by_area["kopf"] == 60
    assert summary.by_area["HTTP (urllib3, http.client, ssl)"] == 30
    assert summary.by_area["ours: core (decisions)"] == 10
    assert summary.ours_inclusive["reconcile.run_pass"] == 40
    assert summary.ours_inclusive["adapters.kube.list_jobs"] == 30
    top = summary.as_json(top=1)
    assert top["by_area"] == [{"name": "kopf", "samples": 60, "share": 0.6}]


def test_json_work_is_charged_to_who_asked_for_it() -> None:
    """kopf's watch streams, or our function behind the generic API call wrapper."""
    decode = "raw_decode (/usr/lib/python3.11/json/decoder.py:353)"
    stacks = "\n".join(
        [
            f"{THREAD};run (/v/kopf/_cogs/clients/watching.py:240);loads (/u/json/__init__.py:346);"
            f"{decode} 7",
            f"{THREAD};{RECONCILE};patch_task_status (/v/devops_orchestrator/adapters/tasks.py:60);"
            f"call (/v/devops_orchestrator/adapters/kube.py:90);{decode} 3",
            f"{THREAD};{decode} 1",
            f"{THREAD};{RECONCILE} 5",
        ]
    )
    summary = summarize_collapsed(stacks)
    assert summary.json_callers == {"kopf": 7, "adapters.tasks.patch_task_status": 3, "other": 1}
    assert summary.as_json()["json_callers"][0] == {"name": "kopf", "samples": 7, "share": 0.4375}


def test_each_sample_goes_to_what_its_thread_is_there_for() -> None:
    loop = "BaseEventLoop.run_forever (/u/asyncio/base_events.py:608);_run_once (/u/asyncio/b.py:1)"
    stacks = "\n".join(
        [
            f"<module> (/v/devops_orchestrator/__main__.py:5);{loop};"
            "process (/v/kopf/_core/reactor/processing.py:50) 6",
            f"{THREAD};_worker (/u/concurrent/futures/thread.py:83);{RECONCILE} 3",
            f"{THREAD};wait (/u/threading.py:320) 1",
        ]
    )
    summary = summarize_collapsed(stacks)
    assert summary.by_role == {EVENT_LOOP: 6, "reconcile.run_pass": 3, "other": 1}
