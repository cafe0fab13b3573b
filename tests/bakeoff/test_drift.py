"""Profiles, PSI against hand-computed and exact values, drift flags across runs, expectations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from bakeoff import prepare, run
from bakeoff.config.experiment import load_experiment
from bakeoff.config.sections import ChecksSection
from bakeoff.core.errors import DataError
from bakeoff.data.drift import column_profile, drift_flags, frame_profile, noise_level, psi
from bakeoff.store.history import previous_profile


def test_psi_of_categories_by_hand() -> None:
    ref = column_profile(pd.Series(["a"] * 50 + ["b"] * 50))
    value = psi(ref, pd.Series(["a"] * 80 + ["b"] * 20))
    expect = (0.8 - 0.5) * np.log(0.8 / 0.5) + (0.2 - 0.5) * np.log(0.2 / 0.5)  # 0.416
    assert value == pytest.approx(expect, abs=1e-3)  # the empty "other" and null bins add ~1e-4 each at most


def test_psi_counts_missing_values_as_a_bin() -> None:
    ref = column_profile(pd.Series(np.arange(100.0)))
    x = pd.Series(np.r_[np.arange(100.0)[::2], [np.nan] * 50])  # half missing, the rest spread like before
    expect = 0.5 * np.log(0.5 / 1e-4) + sum((0.05 - 0.1) * np.log(0.05 / 0.1) for _ in range(10))
    assert psi(ref, x) == pytest.approx(expect, rel=0.02)


def test_psi_of_a_shifted_normal_matches_the_exact_binned_value() -> None:
    rng = np.random.default_rng(0)
    ref = column_profile(pd.Series(rng.normal(size=200_000)))
    mu = 0.5
    value = psi(ref, pd.Series(rng.normal(mu, 1.0, size=200_000)))
    edges = np.r_[-np.inf, norm.ppf(np.linspace(0.1, 0.9, 9)), np.inf]
    e, a = np.diff(norm.cdf(edges)), np.diff(norm.cdf(edges, loc=mu))
    exact = float(np.sum((a - e) * np.log(a / e)))
    assert value == pytest.approx(exact, abs=0.01)
    assert exact < mu**2  # binning loses information: below the continuous Jeffreys divergence mu^2
    same = psi(ref, pd.Series(rng.normal(size=200_000)))
    assert same < 0.002


def test_flags_only_the_moved_column() -> None:
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    hold = pd.DataFrame({"a": rng.normal(size=1000), "b": rng.normal(1.0, 1.0, size=1000)})
    flags = drift_flags(train, hold, frame_profile(train, hold), None, ChecksSection(psi=0.2))
    assert [(f["column"], f["comparison"]) for f in flags] == [("b", "holdout vs train")]
    assert flags[0]["mean_after"] == pytest.approx(hold["b"].mean())
    assert "'b' moved, holdout vs train: PSI" in flags[0]["sentence"] and "a real shift" in flags[0]["sentence"]


def test_no_flags_from_sampling_noise_alone() -> None:
    """A random 75/25 split of 569 rows: 30 unchanged features must not be flagged (the raw PSI of a
    142-row holdout often passes 0.2 by chance: about (bins - 1)(1/427 + 1/142) = 0.08 on average)."""
    rng = np.random.default_rng(5)
    cols = {f"f{i}": rng.gamma(2.0, size=569) for i in range(30)}
    df = pd.DataFrame(cols)
    train, hold = df.iloc[:427], df.iloc[427:]
    prof = frame_profile(train, hold)
    raw = [psi(prof["train"]["columns"][c], hold[c]) for c in df.columns]
    assert np.mean(raw) == pytest.approx(10 * (1 / 427 + 1 / 142), rel=0.35)
    assert drift_flags(train, hold, prof, None, ChecksSection(psi=0.05)) == []  # even with a low threshold


def test_noise_level_matches_simulated_psi_under_no_change() -> None:
    rng = np.random.default_rng(11)
    level = noise_level(10, 300, 300, 0.05)
    ref = column_profile(pd.Series(rng.normal(size=300)))
    # the reference is one fixed sample; its own deciles make 10 equal bins (+ the empty null bin)
    sims = [psi(ref, pd.Series(rng.normal(size=300))) for _ in range(400)]
    assert 0.01 < np.mean(np.array(sims) > level) < 0.12  # about alpha = 0.05


def data(shift: float = 0.0, n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) + shift
    return pd.DataFrame({"id": np.arange(n), "x": x, "z": rng.normal(size=n),
                         "y": (x + rng.normal(size=n) > shift).astype(int)})


CONFIG = ('[experiment]\nname = "drifty"\n[data]\nsource = "data.csv"\n[problem]\nkind = "binary"\ntarget = "y"\n'
          'key = "id"\n[score]\nbootstrap = 0\n[ladder]\ninclude = ["mean"]\n[executor]\nengine = "inline"\n')


def test_second_run_on_shifted_data_flags_drift(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    cfg = tmp_path / "exp.toml"
    cfg.write_text(CONFIG)
    data().to_csv(tmp_path / "data.csv", index=False)
    first = run(cfg, out=tmp_path / "r1", history=db)
    assert first.drift == [] and "no previous run of drifty" in first.notes[0]
    stored = previous_profile("drifty", db)
    assert stored is not None and stored[1]["train"]["columns"]["x"]["mean"] == pytest.approx(
        first.profile["train"]["columns"]["x"]["mean"])
    data(shift=1.0, seed=1).to_csv(tmp_path / "data.csv", index=False)
    second = run(cfg, out=tmp_path / "r2", history=db)
    moved = {(f["column"], f["comparison"]) for f in second.drift}
    assert moved == {("x", "train vs previous run"), ("x", "holdout vs previous run")}
    assert "compared with the previous run drifty/r1" in second.notes[0]
    report = (tmp_path / "r2" / "report.md").read_text()
    assert "## Data checks and drift" in report and "'x' moved, train vs previous run" in report
    saved = json.loads((tmp_path / "r2" / "results.json").read_text())
    assert saved["drift"][0]["column"] == "x" and "x" in saved["profile"]["holdout"]["columns"]


@pytest.mark.parametrize("checks, words", [
    ("min_rows = 1000", "the data has 400 rows; [checks].min_rows expects at least 1,000"),
    ("max_null_rate = 0.1", "column 'z' is 25.0% missing; [checks].max_null_rate allows 10.0%"),
    ("max_null_rate = { zz = 0.1 }", "names column 'zz', which the problem frame does not have. Did you mean 'z'?"),
    ("ranges = { x = [-1, 1] }", "column 'x' has"),
    ('ranges = { x = ["-inf", "inf"], y = [0, 0.5] }', "column 'y' has"),
])
def test_expectations_refuse_the_run(tmp_path: Path, checks: str, words: str) -> None:
    df = data().assign(z=lambda d: d["z"].mask(d.index % 4 == 0))
    df.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "exp.toml").write_text(CONFIG + f"[checks]\n{checks}\n")
    with pytest.raises(DataError) as err:
        prepare(load_experiment(tmp_path / "exp.toml"))
    assert words in str(err.value)
    if "y = [0, 0.5]" in checks:
        assert f"{int((df['y'] > 0.5).sum())} values outside [0, 0.5]" in str(err.value)


def test_cli_exit_2_names_the_column(tmp_path: Path) -> None:
    data().to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "exp.toml").write_text(CONFIG + "[checks]\nranges = { x = [0, 10] }\n")
    out = subprocess.run([sys.executable, "-m", "bakeoff.cli", "run", str(tmp_path / "exp.toml"), "--db",
                          str(tmp_path / "h.duckdb")], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2 and "column 'x'" in out.stderr and out.stderr.count("\n") == 1
    assert not (tmp_path / "runs").exists() and not (tmp_path / "h.duckdb").exists()  # nothing half-written
