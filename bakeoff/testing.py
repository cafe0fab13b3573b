"""CandidateConformance: the suite every candidate (built-in or plugin) must pass.

Subclass it in a test module and set ``spec`` and ``frame`` fixtures, or use
:func:`check_candidate` directly.
"""

from __future__ import annotations

import json
import pickle

import numpy as np

from bakeoff.candidate import Budget, Candidate
from bakeoff.errors import NotApplicable
from bakeoff.frame import Frame
from bakeoff.registry import Spec


def check_candidate(spec: Spec, frame: Frame, seed: int = 0) -> Candidate | None:
    """Fit and predict ``spec`` on ``frame`` and check the contract; None if not applicable.

    Checks: ``fit`` returns self; predictions are finite, one per holdout key and in
    its order; the same seed gives the same predictions; ``describe`` is JSON; the
    fitted candidate pickles (so it can be exported and measured).
    """
    cand = spec.build()
    try:
        cand.check_applicable(frame.problem)
    except NotApplicable:
        return None
    truthless = frame.without_truth()
    assert truthless.holdout_y is None
    fitted = cand.fit(truthless, budget=Budget.of(120), seed=seed)
    assert fitted is cand, f"{spec.name}.fit must return self"
    pred = cand.predict(truthless)
    assert pred.index.equals(frame.holdout.index), f"{spec.name}: predictions must be indexed like the holdout"
    assert np.isfinite(pred.to_numpy(float)).all(), f"{spec.name}: non-finite predictions"
    if frame.problem.task == "binary":
        assert ((pred >= 0) & (pred <= 1)).all(), f"{spec.name}: probabilities outside [0, 1]"
    again = spec.build().fit(truthless, budget=Budget.of(120), seed=seed).predict(truthless)
    assert np.allclose(pred.to_numpy(float), again.to_numpy(float)), f"{spec.name}: not reproducible"
    json.dumps(cand.describe(), default=float)
    pickle.loads(pickle.dumps(cand))
    return cand


class CandidateConformance:
    """Mix into a pytest class that provides ``spec`` and ``frame`` fixtures."""

    def test_contract(self, spec: Spec, frame: Frame) -> None:
        check_candidate(spec, frame)
