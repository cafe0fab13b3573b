"""The row type: one definition drives results.json, the flat table and the run history."""

from __future__ import annotations

import dataclasses
import json

import duckdb
import pytest

from bakeoff.core.records import Cost, Row, Status, column_types
from bakeoff.store.history import candidate_columns

CSV_HEADER = ("name,rung,family,status,message,primary,ci_low,ci_high,vs_best,vs_best_low,vs_best_high,vs_best_p,"
              "vs_simplest,vs_simplest_p,pareto,dominated_by,fit_s,fit_cpu_s,predict_ms_per_1k,model_kb,"
              "peak_rss_mb,train_usd,per_million_predictions_usd,monthly_usd,bias_pct,horizon_factor,best_set,"
              "best_set_p,shortfall,shortfall_low,shortfall_high,train_rows,inner_score,chosen")


def ok_row() -> Row:
    return Row(name="glm", rung=2, family="glm", status=Status.OK, metrics={"roc_auc": 0.9, "log_loss": 0.3},
               fit_s=0.5, fit_cpu_s=0.4, predict_ms_per_1k=1.5, model_kb=3.0, peak_rss_mb=100.0, threads=1,
               cost=Cost(train_usd=1.0, per_million_predictions_usd=2.0, monthly_usd=3.0, train_cpu_s_scaled=4.0),
               params={"C": 1.0}, summary="logistic", dominated_by=["a", "b"], pareto=False,
               predict_s=0.01)


def test_a_row_is_frozen_and_a_misspelled_field_fails_loudly():
    row = Row(name="x")
    with pytest.raises(AttributeError):  # dataclasses.FrozenInstanceError: a row is built once, never written
        row.fit_s = 1.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        row.fti_s = 1.0  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        Row.from_record({"name": "x", "fti_s": 1.0})


def test_json_leaves_out_what_does_not_apply_and_internal_fields():
    skipped = Row(name="xgboost", rung=4, family="xgboost", status=Status.SKIPPED, message="timebox exhausted")
    assert skipped.to_json() == {"name": "xgboost", "rung": 4, "family": "xgboost", "status": "SKIPPED",
                                 "message": "timebox exhausted", "summary": ""}
    full = ok_row().to_json()
    assert "predictions" not in full and "model" not in full and "predict_s" not in full
    measured = {k: v for k, v in full["cost"].items() if v is not None}
    assert measured == {"train_usd": 1.0, "per_million_predictions_usd": 2.0, "monthly_usd": 3.0,
                            "train_cpu_s_scaled": 4.0, "estimated": False}
    assert json.loads(json.dumps(full))["status"] == "OK"


def test_flat_record_is_the_tradeoff_csv_header_then_metrics():
    flat = ok_row().flat("roc_auc", chosen="glm")
    n = CSV_HEADER.count(",") + 1
    assert ",".join(list(flat)[:n]) == CSV_HEADER
    assert list(flat)[n:] == ["metric_roc_auc", "metric_log_loss"]
    assert flat["primary"] == 0.9 and flat["monthly_usd"] == 3.0 and flat["dominated_by"] == "a;b"
    assert flat["chosen"] is True and flat["status"] == "OK"
    empty = Row(name="mean").flat("roc_auc", chosen=None)
    assert empty["monthly_usd"] is None and empty["dominated_by"] == "" and empty["chosen"] is False


def test_record_round_trip_keeps_every_field_and_no_blob_travels_in_the_row():
    row = ok_row()
    back = Row.from_record(json.loads(json.dumps(row.to_record())))
    assert back.status is Status.OK and back.cost == row.cost and back.predict_s == 0.01
    assert back.to_record() == row.to_record() and back.to_json() == row.to_json()
    assert not {"predictions", "model", "validation"} & {f.name for f in dataclasses.fields(Row)}


def test_history_columns_follow_the_row(tmp_path):
    types = column_types()
    assert list(types)[:6] == ["name", "rung", "family", "status", "message", "primary"]
    cols = candidate_columns()
    assert cols["metric"] == "DOUBLE" and cols["rung"] == "INTEGER" and cols["pareto"] == "BOOLEAN"
    assert cols["dominated_by"] == "VARCHAR" and cols["chosen"] == "BOOLEAN"


def test_an_old_history_file_gains_the_new_columns(tmp_path):
    from bakeoff.store.history import connect

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE candidates (run_id VARCHAR, name VARCHAR, rung INTEGER, family VARCHAR, "
                "status VARCHAR, message VARCHAR, metric DOUBLE, ci_low DOUBLE, ci_high DOUBLE, fit_s DOUBLE, "
                "predict_ms_per_1k DOUBLE, model_kb DOUBLE, monthly_usd DOUBLE, pareto BOOLEAN, chosen BOOLEAN)")
    con.execute("INSERT INTO candidates (run_id, name, metric) VALUES ('r', 'glm', 0.5)")
    con.close()
    con = connect(db)
    try:
        have = [r[0] for r in con.execute("DESCRIBE candidates").fetchall()]
        assert set(candidate_columns()) <= set(have)
        assert con.execute("SELECT metric, vs_best FROM candidates").fetchall() == [(0.5, None)]
    finally:
        con.close()


def test_the_public_row_is_the_measured_row_with_one_verdict():
    from bakeoff.core.records import Verdict, judged_fields

    measured = ok_row()
    public = measured.judged(Verdict({"pareto": True, "best_set": True, "ci_low": 0.8, "ci_high": 0.95}))
    assert (public.pareto, public.best_set, public.ci_low) == (True, True, 0.8)
    assert public.fit_s == measured.fit_s and measured.pareto is False  # the measured row is unchanged
    assert "pareto" in judged_fields() and "fit_s" not in judged_fields()
    with pytest.raises(TypeError, match="fit_s"):  # the judge cannot rewrite a measurement
        Verdict({"fit_s": 1.0})
