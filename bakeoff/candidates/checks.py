"""Checks before and beside the climb: user SQL that does not parse, and target leakage.

A rule file that is missing or does not parse is bad input (exit 2, naming the
file and DuckDB's message). Leakage is reported, not refused: a feature that equals
(or is a deterministic function of) the target, or a date column with values after
the split cutoff in the training part, becomes a warning in the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bakeoff.candidates.registry import Spec
from bakeoff.config.experiment import Experiment
from bakeoff.data.frame import Frame

LEAK_RHO = 0.995


def check_candidates(specs: list[Spec], frame: Frame) -> None:
    """Run every candidate's own configuration check (:meth:`Candidate.check_config`) before anything fits.

    Raises:
        ConfigError: The first candidate whose parameters cannot work on this problem (a SQL rule that
            does not parse, for one), naming its file or [[candidate]] table.
    """
    for spec in specs:
        try:
            cand = spec.build()
        except Exception:  # noqa: BLE001 - a candidate that cannot be built is the ladder's FAILED row
            continue
        check = getattr(cand, "check_config", None)  # a duck-typed user class may have none
        if check is not None:
            check(frame.problem, spec.name)


def leakage_warnings(exp: Experiment, frame: Frame) -> list[str]:
    """Warnings for features that give the target away or come from after the cutoff."""
    out = []
    y = frame.y_train
    for col in frame.features:
        s = frame.train[col]
        if not pd.api.types.is_numeric_dtype(s) or s.nunique() < 2:
            continue
        rho = s.rank().corr(y.rank())
        if np.isfinite(rho) and abs(rho) >= LEAK_RHO:
            out.append(f"Feature '{col}' is almost a copy of the target '{frame.problem.target}' on the training "
                       f"part (rank correlation {rho:+.3f}): check it is known at prediction time.")
        elif _determines(s, y):
            out.append(f"Feature '{col}' determines the target exactly on the training part (each value maps "
                       f"to one target value): it may be built from the target.")
    return out + _after_cutoff(exp, frame)


def _determines(series: pd.Series, actual: pd.Series) -> bool:
    n_values = series.nunique()
    if n_values > 0.5 * len(series) or actual.nunique() < 2:
        return False  # near-unique columns (ids) trivially map to one target each
    return bool((actual.groupby(series.to_numpy()).nunique() <= 1).all())


def _after_cutoff(exp: Experiment, frame: Frame) -> list[str]:
    split = exp.problem.split
    if split.method != "time" or split.cutoff is None:
        return []
    out = []
    cutoff = pd.Timestamp(split.cutoff)
    for col in frame.features:
        s = frame.train[col]
        if pd.api.types.is_datetime64_any_dtype(s) and (s > cutoff).any():
            out.append(f"Feature '{col}' has {int((s > cutoff).sum())} training values after the cutoff "
                       f"{split.cutoff}: it is built from data the model would not have.")
    return out
