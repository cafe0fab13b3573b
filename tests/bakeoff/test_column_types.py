"""Columns read for what they mean: the column-type matrix, random column mixes, and the rules by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bakeoff import prepare
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.errors import DataError
from bakeoff.data.coltypes import flag_levels, indicator, read_types, unusable
from bakeoff.typematrix import SPLITS, TARGETS, ladder_specs, run_cell
from baselines._features import Design
from baselines.xgb_cv import forward_folds, make_folds

SPECS = ladder_specs()


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("target", TARGETS)
def test_matrix_cell_has_no_failed_candidate(tmp_path, target, split):
    cell = run_cell(tmp_path, target, split, SPECS)
    failed = [f"{o.candidate}: {o.message}" for o in cell if o.status == "FAILED"]
    assert not failed, "\n".join(failed)
    skipped = {o.candidate: o.message for o in cell if o.status == "SKIPPED"}
    assert all(skipped.values()), "a SKIPPED row needs its reason"
    ok = {o.candidate for o in cell if o.status == "OK"}
    # the rungs a tabular table must reach: SQL rules among them, and the tuned rung
    assert {"mean", "sql_threshold", "sql_quantile_buckets", "glm", "hist_gbm", "xgboost", "xgboost_tuned"} <= ok


# -- reading the columns, case by case ------------------------------------------------------------------------

def test_flags_in_every_spelling_become_two_levels_negative_first():
    df = pd.DataFrame({"a": ["yes", "no", None], "b": ["Y", "N", "Y"], "c": ["TRUE", "FALSE", "TRUE"],
                       "d": [True, False, True], "e": ["Yes", "yes", "NO"], "f": ["m", "f", "m"]})
    out, notes = read_types(df)
    assert notes == []
    assert {c: list(out[c].dtype.categories) for c in out} == {
        "a": ["no", "yes"], "b": ["N", "Y"], "c": ["FALSE", "TRUE"], "d": ["False", "True"],
        "e": ["no", "yes"], "f": ["f", "m"]}
    assert np.array_equal(indicator(out["a"], "yes"), [1.0, 0.0, np.nan], equal_nan=True)
    assert indicator(out["e"], "yes").tolist() == [1.0, 1.0, 0.0]  # mixed case is one level


def test_flag_levels_needs_both_words():
    assert flag_levels(["yes"]) is None
    assert flag_levels(["t", "f"]) == ("f", "t")
    assert flag_levels(["yes", "no", "maybe"]) is None


def test_numbers_as_text_are_read_as_numbers_with_a_note():
    df = pd.DataFrame({"amount": ["1,234", "999", "12,345.5", None] * 3, "score": ["3", "n/a", "5", "7", *"123456"]
                       + ["8", "9"], "half": ["1", "x", "2", "y"] * 3, "words": list("abcdefghijkl")})
    out, notes = read_types(df)
    assert out["amount"].tolist()[:3] == [1234.0, 999.0, 12345.5] and np.isnan(out["amount"].iloc[3])
    assert np.array_equal(out["score"].to_numpy()[:4], [3.0, np.nan, 5.0, 7.0], equal_nan=True)
    assert out["half"].tolist()[:2] == ["1", "x"]  # half the values are text: a text column
    assert out["words"].tolist() == list("abcdefghijkl")
    assert any("thousands separators" in n and "'amount'" in n for n in notes)
    assert any("1 of 12 values ('n/a') read as missing" in n for n in notes)


def test_unusable_columns():
    n = 30
    assert unusable(pd.Series([np.nan] * n)) == f"all {n} values missing"
    assert unusable(pd.Series([7] * n)).startswith("constant (every value is 7)")
    assert unusable(pd.Series([f"id{i}" for i in range(n)])).startswith("an ID")
    assert unusable(pd.Series(np.arange(100, 100 + n)[::-1])).startswith("an ID")
    assert unusable(pd.Series(np.arange(n) * 3)) == ""  # distinct but not consecutive: a number
    assert unusable(pd.Series(np.linspace(0, 1, n))) == ""


def _snapshot(tmp_path, positive, labels=("yes", "no")):
    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame({"id": np.arange(n) + 10, "x": rng.normal(size=n), "plan_flag": rng.choice(["yes", "no"], n),
                       "y": rng.choice(list(labels), n),
                       "as_of": np.where(np.arange(n) < 150, "2024-01-01", "2024-07-01")})
    path = tmp_path / "snap.csv"
    df.to_csv(path, index=False)
    problem = {"kind": "binary", "target": "y", "key": "id",
               "split": {"method": "time", "column": "as_of", "cutoff": "2024-06-01"}}
    if positive is not None:
        problem["positive"] = positive
    return experiment_from_dict({"data": {"source": str(path)}, "problem": problem}), df


@pytest.mark.parametrize("positive", ["yes", "YES", "Yes", True, "true", None])
def test_positive_in_any_spelling(tmp_path, positive):
    exp, df = _snapshot(tmp_path, positive)
    frame, _ = prepare(exp)
    truth = (df.set_index("id")["y"] == "yes").astype(float)
    assert frame.y_train.equals(truth.loc[frame.train.index].rename("y"))
    n_yes = int((df["y"] == "yes").sum())
    assert frame.problem.labels == f"Positive class: 'yes' ({n_yes:,} of {len(df):,} rows) of target 'y'."


def test_positive_absent_lists_the_values_in_the_file(tmp_path):
    exp, _ = _snapshot(tmp_path, "churned")
    with pytest.raises(DataError, match=r"positive = 'churned' is not a value of target column 'y'; "
                                        r"expected one of 'no', 'yes'"):
        prepare(exp)


def test_other_text_labels_must_be_named(tmp_path):
    exp, _ = _snapshot(tmp_path, None, labels=("stay", "leave"))
    with pytest.raises(DataError, match=r"holds labels \('leave', 'stay'\); set \[problem\].positive"):
        prepare(exp)


# -- folds and the design ---------------------------------------------------------------------------------------

def test_forward_folds_on_one_date_are_empty_and_cv_is_stratified():
    when = np.full(40, np.datetime64("2024-01-01", "ns"))
    assert forward_folds(when, 5) == []
    y = np.r_[np.zeros(30), np.ones(10)]
    folds, words = make_folds(y, 5, 0, task="binary", time_order=when)
    assert words == "training rows share one date, so no fold can train on earlier rows: 5-fold stratified CV"
    for _, val in folds:  # stratified: each validation fold keeps the 3:1 class ratio
        assert y[val].sum() == 2 and len(val) == 8


def test_design_encodings_by_rung():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "flag": pd.Categorical(["no", "yes", "yes", None],
                                                                            categories=["no", "yes"]),
                          "plan": ["a", "b", "c", "a"]})
    onehot = Design().fit(train, ("x", "flag", "plan"))
    assert onehot.names == ["x", "flag=yes", "plan=a", "plan=b", "plan=c"]
    assert onehot.encoding() == ["flag: 0/1, 1 = 'yes'", "plan: one-hot of 3 levels"]
    native = Design(categories="native").fit(train, ("x", "flag", "plan"))
    holdout = pd.DataFrame({"x": [0.0, 1.0], "flag": ["yes", None], "plan": ["c", "zzz"]})
    X = native.transform(holdout)
    assert native.categorical == [False, False, True]
    assert np.array_equal(X.to_numpy(), [[0.0, 1.0, 2.0], [1.0, np.nan, np.nan]], equal_nan=True)


# -- random column mixes ------------------------------------------------------------------------------------------

COLUMN_KINDS = ("int", "float_gaps", "empty", "constant", "yes_no", "Y_N", "bool_text", "text3", "text51", "id",
                "date", "thousands", "mixed")


def _column(kind: str, n: int, rng: np.random.Generator):
    return {
        "int": lambda: rng.integers(0, 50, n),
        "float_gaps": lambda: np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        "empty": lambda: np.full(n, np.nan),
        "constant": lambda: np.full(n, "same"),
        "yes_no": lambda: rng.choice(["yes", "no"], n),
        "Y_N": lambda: rng.choice(["Y", "N"], n),
        "bool_text": lambda: rng.choice(["TRUE", "FALSE"], n),
        "text3": lambda: rng.choice(["a", "b", "c"], n),
        "text51": lambda: rng.choice([f"L{i}" for i in range(51)], n),
        "id": lambda: [f"X{i}" for i in rng.permutation(n)],
        "date": lambda: (pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")).astype(str),
        "thousands": lambda: [f"{v:,}" for v in rng.integers(0, 50_000, n)],
        "mixed": lambda: np.where(rng.random(n) < 0.5, rng.integers(0, 9, n).astype(str), "x"),
    }[kind]()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(COLUMN_KINDS), min_size=1, max_size=5),
       split=st.sampled_from(SPLITS), seed=st.integers(0, 2**16))
def test_random_column_mixes_never_fail(tmp_path_factory, kinds, split, seed):
    from bakeoff.typematrix import fit_predict

    rng = np.random.default_rng(seed)
    n = 160
    df = pd.DataFrame({f"c{i}_{k}": _column(k, n, rng) for i, k in enumerate(kinds)})
    df["signal"] = rng.normal(size=n)  # one usable feature, so the frame can be built
    df["y"] = np.where(rng.random(n) < 1 / (1 + np.exp(-df["signal"])), "yes", "no")
    df["household"] = rng.integers(0, 40, n)
    df["as_of"] = np.where(np.arange(n) < 110, "2024-01-01", "2024-07-01") if split == "snapshot" else \
        (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D")).astype(str)
    path = tmp_path_factory.mktemp("mix") / "mix.csv"
    df.to_csv(path, index=False)
    splits = {"random": {"method": "random", "holdout": 0.3},
              "time": {"method": "time", "column": "as_of", "cutoff": "2024-03-01"},
              "snapshot": {"method": "time", "column": "as_of", "cutoff": "2024-06-01"},
              "group": {"method": "group", "column": "household", "holdout": 0.3}}
    frame, _ = prepare(experiment_from_dict({"data": {"source": str(path)}, "problem": {
        "kind": "binary", "target": "y", "positive": "yes", "split": splits[split]}}))
    fast = [s for s in SPECS if s.name in ("sql_threshold", "sql_quantile_buckets", "glm", "decision_tree",
                                             "hist_gbm", "xgboost")]
    for spec in fast:
        status, message = fit_predict(spec, frame.without_truth(), 60.0)
        assert status == "OK", f"{spec.name} on {kinds} × {split}: {message}"


# -- the snapshot table of the issue, end to end -------------------------------------------------------------------

def test_churn_snapshot_runs_every_rung(tmp_path):
    """3,000 customers on one training date, yes/no target and flag, text columns, a few gaps: every rung OK."""
    from bakeoff import run
    from bakeoff.typematrix import SNAPSHOT_CONFIG, churn_snapshot

    df = churn_snapshot()
    df.to_csv(tmp_path / "churn.csv", index=False)
    (tmp_path / "churn.toml").write_text(SNAPSHOT_CONFIG)
    result = run(tmp_path / "churn.toml", out=tmp_path / "out", history=None, workers=2)
    rows = {r.name: r for r in result.rows}
    applicable = {n: r for n, r in rows.items() if r.applicable}
    assert {n for n, r in applicable.items() if r.status.value != "OK"} == set(), {
        n: r.message for n, r in applicable.items()}
    assert {"sql_threshold", "sql_quantile_buckets", "glm", "xgboost_tuned"} <= set(applicable)
    for rule in ("sql_threshold", "sql_quantile_buckets"):
        assert rows[rule].params["chosen"]["feature"] in ("tenure", "monthly", "total", "intl_plan")
    tuned = rows["xgboost_tuned"].params
    assert tuned["validation"].startswith("training rows share one date")
    assert tuned["trials_complete"] > 10 and tuned["stopped_by"] in ("settled", "box")
    assert "intl_plan: 0/1, 1 = 'yes'" in rows["glm"].params["encoding"]
    assert "state: native categories, 51 levels (levels unseen in training read as missing)" in tuned["encoding"]
    n_yes = int((df["churned"] == "yes").sum())
    assert result.problem.labels == f"Positive class: 'yes' ({n_yes:,} of 3,000 rows) of target 'churned'."
    report = (tmp_path / "out" / "report.md").read_text()
    assert result.problem.labels in report and "share one date" in report
    assert "sql_threshold (on " in report


def test_codes_with_leading_zeros_stay_text_and_ids_are_found():
    df = pd.DataFrame({"acct": [f"{i:08d}" for i in range(30)], "zip": ["02134", "10001", "94105"] * 10,
                       "complained": ["yes", None, None] * 10})
    out, notes = read_types(df)
    assert notes == [] and out["zip"].tolist()[:2] == ["02134", "10001"]
    assert unusable(out["acct"]).startswith("an ID")
    assert unusable(out["complained"]) == ""  # one value and blanks: whether it is filled in may tell


def test_new_rows_are_read_as_the_training_rows_were():
    from bakeoff.data.coltypes import as_numbers, column_kinds, conform

    train, _ = read_types(pd.DataFrame({"amt": ["1,500", "20", "300"] * 4, "intl": ["yes", "no", "no"] * 4,
                                        "plan": ["a", "b", "c"] * 4}))
    kinds = column_kinds(train)
    assert kinds == {"amt": "number", "intl": {"levels": ["no", "yes"]}, "plan": "text"}
    new = pd.DataFrame({"amt": ["2,500", "-", "7"], "intl": ["YES", "no", "maybe"], "plan": ["a", "z", "b"]})
    got = conform(new, kinds)
    assert np.array_equal(got["amt"].to_numpy(), [2500.0, np.nan, 7.0], equal_nan=True)
    assert np.array_equal(as_numbers(got)["intl"].to_numpy(), [1.0, 0.0, np.nan], equal_nan=True)
    X = Design().fit(train, ("amt", "intl", "plan")).transform(got)  # what an exported model sees
    assert np.array_equal(X["intl=yes"].to_numpy(), [1.0, 0.0, np.nan], equal_nan=True)
