"""Early stop decided on inner validation predictions with the table's own judgement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bakeoff.candidates.metrics import METRICS
from bakeoff.climb.earlystop import EarlyStop, decision_groups, inner_frame
from bakeoff.data.frame import Frame, Problem


def climb(stop: EarlyStop, ladder: list[tuple[str, int, np.ndarray | None]]) -> dict[str, str | None]:
    out = {}
    for name, rung, pred in ladder:
        out[name] = stop.before(rung)
        if out[name] is None:
            stop.observe(name, pred)
    return out


def setup(margin: float):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 600).astype(float)
    good = np.clip(0.3 * y + 0.7 * rng.random(600), 0, 1)
    return y, good, EarlyStop(METRICS["roc_auc"], y, margin, rounds=200, confidence=0.95, seed=0)


def test_two_rungs_shown_not_to_beat_the_best_stop_the_climb():
    y, good, stop = setup(margin=0.05)
    rng = np.random.default_rng(1)
    same = np.clip(good + rng.normal(0, 0.01, 600), 0, 1)
    out = climb(stop, [("mean", 0, np.full(600, 0.5)), ("glm", 2, good), ("tree", 3, same),
                       ("xgb", 4, same), ("xgb_tuned", 4, same), ("rf", 5, same)])
    # glm beats the constant (resets); tree (3) and the xgb group (4) cannot beat glm by 0.05 AUC: stop at 5
    assert out["tree"] is None and out["xgb"] is None and out["xgb_tuned"] is None
    assert out["rf"].startswith("not evaluated: early stop (on an inner validation split of the training data, "
                                "rungs 3 and 4 were shown not to beat the best so far")


def test_an_undecided_rung_keeps_the_climb_going():
    y, good, stop = setup(margin=0.0)  # with no margin a tie is not evidence of "no improvement"
    rng = np.random.default_rng(2)
    near = [np.clip(0.3 * y + 0.7 * rng.random(600), 0, 1) for _ in range(3)]  # equally good, other noise
    out = climb(stop, [("mean", 0, np.full(600, 0.5)), ("glm", 2, good), ("tree", 3, near[0]),
                       ("xgb", 4, near[1]), ("top", 5, near[2])])
    assert all(v is None for v in out.values())


def test_a_rung_where_nothing_finished_does_not_count():
    y, good, stop = setup(margin=0.05)
    out = climb(stop, [("mean", 0, np.full(600, 0.5)), ("glm", 2, good), ("tree", 3, None),
                       ("xgb", 4, good.copy()), ("top", 5, good.copy())])
    assert out["top"] is None  # rung 3 had no inner score: only one miss (rung 4) so far


def test_default_and_tuned_xgboost_share_a_decision():
    groups = decision_groups(["mean", "glm", "xgboost", "xgboost_tuned"], [0, 2, 4, 5],
                             ["naive", "glm", "xgboost", "xgboost"])
    assert groups == {"mean": 0, "glm": 2, "xgboost": 4, "xgboost_tuned": 4}


def test_inner_frame_splits_training_rows_only():
    train = pd.DataFrame({"a": np.arange(100.0), "t": np.arange(100) % 2 * 1.0},
                         index=pd.Index(np.arange(100), name="row"))
    holdout = pd.DataFrame({"a": [1.0, 2.0]}, index=pd.Index([500, 501], name="row"))
    frame = Frame(Problem("binary", "binary", "t", "row"), train, holdout, ("a",), pd.Series([0.0, 1.0]))
    inner, y = inner_frame(frame, seed=3)
    assert len(inner.holdout) == 24 and len(inner.train) == 76 and len(y) == 24  # round(12.5) per class
    assert set(inner.holdout.index).isdisjoint(inner.train.index) and 500 not in inner.holdout.index
    assert inner.holdout_y is None and list(inner.holdout.columns) == ["a"]
    assert np.array_equal(y, train.loc[inner.holdout.index, "t"].to_numpy())
    again, _ = inner_frame(frame, seed=3)
    assert again.holdout.index.equals(inner.holdout.index)
