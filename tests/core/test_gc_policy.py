"""The collector's settings, in a process of its own (they are process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.gc_policy import MIDDLE_EVERY, OLD_EVERY, YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, json
kept = [object() for _ in range(1000)]
from core.gc_policy import tune_gc
tune_gc()
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_tune_gc_freezes_start_up_and_makes_collections_rarer() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    state = json.loads(done.stdout)
    assert state["threshold"] == [YOUNG_THRESHOLD, MIDDLE_EVERY, OLD_EVERY]
    assert state["frozen"] >= 1000  # the start-up objects, out of every pass
