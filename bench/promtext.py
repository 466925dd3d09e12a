"""Counters out of the Prometheus text format (pure)."""

from __future__ import annotations

import re
from collections import Counter

_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_labels(body: str) -> dict[str, str]:
    """`a="x",b="y"` -> {"a": "x", "b": "y"}; quoted commas and escapes are kept apart."""
    return {
        key: value.replace('\\"', '"').replace("\\\\", "\\") for key, value in _LABEL.findall(body)
    }


def sum_counter(text: str, metric: str, by: tuple[str, ...]) -> Counter[tuple[str, ...]]:
    """The samples of `metric` summed per combination of the labels `by` (a missing
    label counts as "")."""
    totals: Counter[tuple[str, ...]] = Counter()
    prefix = metric + "{"
    for line in text.splitlines():
        if line.startswith(prefix):
            body, _, value = line[len(prefix) :].rpartition("} ")
            labels = parse_labels(body)
        elif line.startswith(metric + " "):
            labels, value = {}, line.rpartition(" ")[2]
        else:
            continue
        try:
            amount = float(value.split()[0])
        except (ValueError, IndexError):
            continue
        totals[tuple(labels.get(name, "") for name in by)] += int(amount)
    return totals
