"""Shared fixtures: a seed, small configs written under tmp_path, and the CDNOW frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from bakeoff import prepare
from bakeoff.config.experiment import experiment_from_dict, load_experiment

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _probe_cache(tmp_path_factory):
    """Cost probes cached for this test session only, never in the user's own cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("BAKEOFF_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


@pytest.fixture
def seed() -> int:
    return 20261122


@pytest.fixture(scope="session")
def cdnow_frame():
    """The CDNOW purchases frame (calibration to 1997-09-30, 39-week holdout)."""
    frame, _ = prepare(load_experiment(ROOT / "experiments" / "cdnow" / "purchases.toml"))
    return frame


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a TOML text to tmp_path and return its path."""
    def write(text: str, name: str = "exp.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path
    return write


def tabular(kind: str = "binary", **extra):
    """A small Experiment on a builtin tabular dataset."""
    data = {"binary": ("breast_cancer", "benign"), "regression": ("diabetes", "progression")}[kind]
    raw = {"data": {"builtin": data[0]}, "problem": {"kind": kind, "target": data[1], "key": "row_id"},
           "score": {"bootstrap": 50}, **extra}
    return experiment_from_dict(raw)


from hypothesis import settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("default", derandomize=True)  # reproducible runs; explore with --hypothesis-seed
_hyp_settings.load_profile("default")
