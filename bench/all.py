"""`make bench`: every benchmark in turn, then one JSON summary of their figures and ratios.

Each bench runs in its own process (its log beside the summary); a failing one is reported
and the rest still run. Benchmarks are measurements, not pass/fail tests: the summary says
each goal next to its figure, and the exit status is 0 unless a bench crashed.

    .venv/bin/python -m bench.all [--only read_path fanout ...] [--out bench/out]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.figures import SUMMARY_ENV
from bench.support import REDIS_URL

ROOT = Path(__file__).resolve().parent.parent
BENCHES: list[tuple[str, list[str]]] = [
    ("read_path", []),
    ("fanout", []),
    ("fanout", ["--users", "500"]),
    ("jira_list_issues", []),
    ("jira_import", []),
    ("webhook_ingest", ["--redis"]),
    ("webhook_ingest", ["--redis", "--backlog"]),
    ("webhook_ingest", ["--redis", "--watch-elsewhere"]),
    ("abuse", []),
    ("web_app", []),
]
TIMEOUT_S = 900  # BENCH_TIMEOUT_S overrides it
CLEANUP_S = 60.0  # for an interrupted bench to stop its servers and drop its scratch data


def run(name: str, args: list[str], out: Path) -> dict[str, object]:
    label = " ".join([name, *args])
    figures_file = out / f"{label.replace(' ', '_').replace('--', '')}.jsonl"
    figures_file.unlink(missing_ok=True)
    log = figures_file.with_suffix(".log")
    started = time.monotonic()
    print(f"== {label}", flush=True)
    with log.open("w") as output:
        bench = subprocess.Popen(
            [sys.executable, "-m", f"bench.{name}", *args],
            cwd=ROOT,
            env={**os.environ, SUMMARY_ENV: str(figures_file)},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its servers and worker with it, to stop them together
        )
        status = finish(bench, float(os.environ.get("BENCH_TIMEOUT_S", TIMEOUT_S)))
    seconds = time.monotonic() - started
    print(log.read_text()[-3000:], flush=True)
    lines = figures_file.read_text().splitlines() if figures_file.exists() else []
    return {
        "bench": label,
        "exit": status,
        "seconds": round(seconds, 1),
        "log": str(log.relative_to(ROOT) if log.is_relative_to(ROOT) else log),
        "figures": [json.loads(line) for line in lines],
    }


def finish(bench: subprocess.Popen[bytes], timeout_s: float) -> int:
    """The bench's exit status; -1 when it ran past `timeout_s`. Then the bench gets SIGINT, so
    its own clean-up runs (its servers stopped, its scratch database and Redis keys dropped);
    whatever of its session is left after that, or after CLEANUP_S, is killed."""
    try:
        return bench.wait(timeout_s)
    except subprocess.TimeoutExpired:
        pass
    print(f"  timed out after {timeout_s:.0f} s: interrupting it", flush=True)
    bench.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        bench.wait(CLEANUP_S)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(bench.pid, signal.SIGKILL)  # its own session (start_new_session)
    bench.wait()
    return -1


def commit() -> str:
    found = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return found.stdout.strip()


def host_speed() -> dict[str, float | None]:
    """How fast this host is, for comparing figures across hosts (the same code differed ~2.5x
    between two machines of the same size): seconds of a pure-Python loop of 10 million
    additions (best of 3), and microseconds of a loopback round trip to Redis (median of 2,000
    PINGs: what every query and publish pays, and what varies most between virtual machines)."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for n in range(10_000_000):
            total += n
        best = min(best, time.perf_counter() - started)
    return {"loop_s": round(best, 3), "redis_rtt_us": _redis_round_trip_us()}


def _redis_round_trip_us() -> float | None:
    """None when Redis is not reachable over TCP (the benches that need it will say so)."""
    parts = urlsplit(REDIS_URL)
    trips = []
    try:
        address = (parts.hostname or "127.0.0.1", parts.port or 6379)
        with socket.create_connection(address, 5) as connection:
            for _ in range(2000):
                started = time.perf_counter()
                connection.sendall(b"*1\r\n$4\r\nPING\r\n")
                connection.recv(64)
                trips.append(time.perf_counter() - started)
    except OSError:
        return None
    return round(statistics.median(trips) * 1e6, 1)


def main(only: list[str], out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    speed_before = host_speed()
    runs = [run(name, args, out) for name, args in BENCHES if not only or name in only]
    summary = {
        "started_at": started.isoformat(),
        "commit": commit(),
        "cpus": os.cpu_count(),
        "host_speed": {"before": speed_before, "after": host_speed()},
        "runs": runs,
    }
    path = out / "summary.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\n{'figure':<78} {'median':>9} {'p99':>9} {'ratio':>14}  goal")
    for entry in (figure for r in runs for figure in r["figures"]):  # type: ignore[attr-defined]
        median = entry.get("median", entry.get("value"))
        ratio = entry.get("ratio_median", entry.get("ratio_value"))
        ratio_p99 = entry.get("ratio_p99")
        print(
            f"{entry['bench'] + ': ' + entry['figure']:<78} {_n(median):>9}"
            f" {_n(entry.get('p99')):>9} {_n(ratio):>6}/{_n(ratio_p99):<7}"
            f"  {entry.get('goal') or ''}"
        )
    crashed = [r["bench"] for r in runs if r["exit"] != 0]
    print(f"\nhost speed before and after: {summary['host_speed']}")
    print(f"\nsummary: {path}" + (f"; crashed: {', '.join(crashed)}" if crashed else ""))
    return 1 if crashed else 0


def _n(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "-"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="bench module names")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    arguments = parser.parse_args()
    sys.exit(main(arguments.only, arguments.out))
