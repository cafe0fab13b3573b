"""Every registered candidate passes CandidateConformance on every problem kind it accepts."""

from __future__ import annotations

import dataclasses

import pytest

from bakeoff import prepare
from bakeoff.candidates.registry import LADDER, Spec
from bakeoff.candidates.testing import CandidateConformance
from tests.conftest import tabular

FAST = {"xgboost_tuned": {"max_trials": 3, "folds": 2}, "random_forest": {"n_estimators": 20}}
SPECS = [Spec(n, t, {**p, **FAST.get(n, {})}) for n, (t, p) in LADDER.items()]


@pytest.fixture(scope="module")
def frames(cdnow_frame):
    binary, _ = prepare(tabular("binary"))
    regression, _ = prepare(tabular("regression"))
    active = dataclasses.replace(cdnow_frame, problem=dataclasses.replace(
        cdnow_frame.problem, task="binary", target="active"),
        train=cdnow_frame.train.assign(active=(cdnow_frame.train["purchases"] > 0).astype(float)).drop(
            columns="purchases"))
    return {"binary": binary, "regression": regression, "purchases": cdnow_frame, "active": active}


@pytest.fixture(params=["binary", "regression", "purchases", "active"])
def frame(request, frames):
    return frames[request.param]


@pytest.fixture(params=SPECS, ids=[s.name for s in SPECS])
def spec(request):
    return request.param


class TestLadder(CandidateConformance):
    pass
