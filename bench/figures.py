"""What a benchmark reports to `make bench`'s summary: named figures, their baselines measured
in the same run, and the ratios between them. BENCH_SUMMARY names the JSON-lines file each
figure is appended to; without it `record` does nothing, so every bench still runs alone."""

from __future__ import annotations

import json
import os
import statistics

SUMMARY_ENV = "BENCH_SUMMARY"


def record(bench: str, figure: str, unit: str, goal: str | None = None, **numbers: float) -> None:
    """One figure, e.g. record("fanout", "delivery", "ms", median=4.1, p99=9.0,
    baseline_p99=3.2, ratio_p99=2.8, goal="p99 <= 2x raw Redis")."""
    path = os.environ.get(SUMMARY_ENV)
    if not path:
        return
    entry = {"bench": bench, "figure": figure, "unit": unit, "goal": goal}
    entry |= {name: round(value, 4) for name, value in numbers.items()}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def record_latencies(
    bench: str, figure: str, values_ms: list[float], baseline_ms: list[float], goal: str
) -> None:
    """Median and p99 of `values_ms`, of the same run's baseline, and their ratios."""
    median, p99 = statistics.median(values_ms), percentile(values_ms, 99)
    base_median, base_p99 = statistics.median(baseline_ms), percentile(baseline_ms, 99)
    record(
        bench, figure, "ms", goal, median=median, p99=p99, baseline_median=base_median,
        baseline_p99=base_p99, ratio_median=median / base_median, ratio_p99=p99 / base_p99,
    )  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]
