"""The run's wall clock: when it started, and how much of the box the finishing steps need.

The total box holds everything: loading the data, the candidates, scoring, reports and
the history record. Candidates therefore get the box minus a reserve for the steps after
them, measured on a sample of the holdout before the climb and scaled to its size.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bakeoff.data.frame import Frame

SAMPLE_ROWS = 20_000
FIXED_S = 3.0        # report rendering (HTML with plots, markdown) and the history transaction
SAFETY = 1.5         # the reserve is measured on an idle sample; leave room for noise


def process_start() -> float:
    """The ``time.monotonic()`` reading at which this process started (Linux); now elsewhere."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        age = uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic()
    return time.monotonic() - max(age, 0.0)


def finishing_reserve(frame: Frame, names: tuple[str, ...], n_candidates: int, rounds: int,
                      confidence: float, total: float) -> float:
    """Seconds to keep for scoring, reports and history (at most half the box).

    Scores two synthetic candidates with the run's bootstrap, and writes them as
    ``holdout.parquet`` would be written, on two sample sizes of the holdout; a line
    through the two timings (fixed cost + cost per row) gives the full holdout's time,
    which is scaled to the number of candidates.
    """
    assert frame.holdout_y is not None
    y = frame.holdout_y.to_numpy(float)
    big = min(len(y), SAMPLE_ROWS)
    small = min(len(y), SAMPLE_ROWS // 5)
    t_small, t_big = (_probe(frame, y, m, names, rounds, confidence) for m in (small, big))
    per_row = max((t_big - t_small) / (big - small), 0.0) if big > small else t_big / max(big, 1)
    full = max(t_big + per_row * (len(y) - big), t_big)
    reserve = SAFETY * full / 2 * max(n_candidates, 1) + FIXED_S
    return min(reserve, total / 2)


def _probe(frame: Frame, actual: np.ndarray, count: int, names: tuple[str, ...], rounds: int,
           confidence: float) -> float:
    """Seconds to score and write two synthetic candidates on the first ``count`` holdout rows."""
    from bakeoff.judge.scoring import score_all

    ys, rng = actual[:count], np.random.default_rng(0)
    base = float(np.clip(ys.mean(), 0.05, 0.95)) if frame.problem.task == "binary" else max(float(ys.mean()), 1e-3)
    preds = {f"probe{i}": base * (0.9 + 0.2 * rng.random(count)) for i in range(2)}
    t = time.perf_counter()
    score_all(ys, preds, names, rounds=rounds, confidence=confidence, seed=0)
    table = frame.holdout.iloc[:count].assign(**preds, actual=ys)
    with tempfile.TemporaryDirectory() as tmp:
        table.to_parquet(Path(tmp) / "probe.parquet")
    return time.perf_counter() - t
