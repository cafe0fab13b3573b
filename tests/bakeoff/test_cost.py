"""The running-cost model: fixed cost per call apart from marginal cost per row."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from bakeoff.candidates.contract import Budget, Candidate
from bakeoff.config.experiment import CostSection
from bakeoff.core.records import Row, Status
from bakeoff.cost import probe
from bakeoff.cost.allowance import Allowance, ProbeCut, boxed
from bakeoff.cost.model import Timing, cost_of, fixed_and_marginal, project
from bakeoff.data.frame import Frame, Problem


def test_fixed_and_marginal_recovers_an_exact_line():
    pts = [(n, 0.2 + 1e-5 * n) for n in (100, 1_000, 20_000)]
    t = fixed_and_marginal(pts)
    assert t.fixed_s == pytest.approx(0.2) and t.per_row_s == pytest.approx(1e-5) and t.measured


def test_a_negative_slope_from_noise_is_all_fixed_and_one_point_is_all_per_row():
    t = fixed_and_marginal([(10, 0.30), (100, 0.28)])
    assert t.per_row_s == 0 and 0.28 <= t.fixed_s <= 0.30
    one = fixed_and_marginal([(200, 0.5)])
    assert one.fixed_s == 0 and one.per_row_s == pytest.approx(0.5 / 200) and not one.measured


def test_projection_arithmetic_by_hand():
    price = CostSection(usd_per_cpu_hour=3.6, rows_in_production=1_000_000, retrains_per_month=4,
                        predictions_per_month=1_000_000, prediction_calls_per_month=30)  # $0.001 a second
    fit, pred = Timing(2.0, 1e-3), Timing(0.05, 1e-6)
    c = project(fit, pred, price, n_train=500)
    assert c.train_usd == pytest.approx(1.002)                       # (2 + 1e-3 x 1e6) s
    assert c.monthly_usd == pytest.approx(0.001 * (4 * 1002 + 30 * 0.05 + 1e6 * 1e-6))
    assert c.per_million_predictions_usd == pytest.approx(0.001 * (0.05 + 1.0))
    sql = project(fit, pred, price, n_train=500, warehouse=True)     # a warehouse query pays no start-up
    assert sql.monthly_usd == pytest.approx(0.001 * (4 * 1000 + 1e6 * 1e-6))
    assert sql.predict_fixed_ms == 0 and sql.fit_fixed_s == 0


def test_a_start_up_cost_is_not_multiplied_by_production_rows():
    """Before the split, a 0.5 s start-up on 170 rows was billed as 3 ms a row; now it is billed once a call."""
    price = CostSection(rows_in_production=1_000_000, predictions_per_month=10_000_000)
    rule = Row(name="rule", status=Status.OK, fit_s=0.5, predict_s=0.5, in_warehouse=True,
               predict_points=[[17, 0.5], [170, 0.5], [2720, 0.501]], fit_points=[[100, 0.5], [400, 0.5]])
    tree = Row(name="tree", status=Status.OK, fit_s=0.05, predict_s=0.002,
               predict_points=[[17, 0.0011], [170, 0.002], [2720, 0.017]], fit_points=[[100, 0.02], [400, 0.05]])
    linear = Row(name="rule_old", status=Status.OK, fit_s=0.5, predict_s=0.5)
    assert cost_of(rule, price, 400, 170).monthly_usd < cost_of(tree, price, 400, 170).monthly_usd
    assert cost_of(linear, price, 400, 170).monthly_usd > 50 * cost_of(tree, price, 400, 170).monthly_usd


def burn(cpu_s: float) -> None:
    """Spend ``cpu_s`` CPU seconds (a busy loop: billed as CPU, whatever else the machine runs)."""
    end = time.process_time() + cpu_s
    while time.process_time() < end:
        pass


class Busy(Candidate):
    """Predict costs 20 ms of CPU a call plus 5 µs a row."""

    def fit(self, frame, *, budget, seed):
        return self

    def predict(self, frame):
        burn(0.02 + 5e-6 * len(frame.holdout))
        return pd.Series(0.0, index=frame.holdout.index)


def test_probes_grow_until_the_per_row_part_shows_and_split_a_constructed_candidate(monkeypatch):
    monkeypatch.setattr(probe, "PREDICT_ALLOWANCE_S", 10.0)  # no wall-clock cut-off on a loaded machine
    x = pd.DataFrame({"a": np.arange(400.0)}, index=pd.RangeIndex(400, name="id"))
    frame = Frame(Problem("binary", "binary", "y", "id"), x.assign(y=0.0), x, ("a",))
    pts = probe.predict_points(Busy(), frame, 0.02 + 5e-6 * 400, Budget.of(60))
    # a tenth, the holdout, then x4 until a size takes twice the previous: 0.022, 0.028, 0.052, 0.148 s
    assert [p[0] for p in pts] == [40, 400, 1600, 6400, 25600]
    t = fixed_and_marginal(pts)
    assert t.per_row_s == pytest.approx(5e-6, rel=0.25) and 0.01 < t.fixed_s < 0.03


def test_growth_stops_where_the_time_doubles_at_the_cap_or_after_two_empty_sizes():
    line = probe.grow(lambda r: 0.1 + 1e-5 * r, 1_000, 0.11, cap_rows=10**9, allowance_s=60)
    assert [r for r, _ in line] == [4_000, 16_000, 64_000]  # 0.14, 0.26, 0.74 s: the last is 2.8x
    assert [r for r, _ in probe.grow(lambda r: 0.1 + 1e-5 * r, 1_000, 0.11, cap_rows=20_000,
                                     allowance_s=60)] == [4_000, 16_000]
    assert [r for r, _ in probe.grow(lambda r: 0.0, 1_000, 0.0, cap_rows=10**9, allowance_s=60)] == [4_000]
    assert probe.grow(lambda r: None, 1_000, 0.11, cap_rows=10**9, allowance_s=60) == []


def test_a_fixed_cost_plateau_is_crossed_in_sixteen_fold_steps():
    """0.2 s fixed + 0.1 µs a row: the per-row part equals the fixed part only at 2M rows."""
    plateau = probe.grow(lambda r: 0.2 + 1e-7 * r, 1_000, 0.2001, cap_rows=10**9, allowance_s=60)
    # 4,000: 0.2004 s (under 1.25x: plateau) -> x16 64,000: 0.2064 -> x16 1,024,000: 0.3024 (1.47x) -> x4
    # 4,096,000: 0.6096 s, 2.0x the previous: shown
    assert [r for r, _ in plateau] == [4_000, 64_000, 1_024_000, 4_096_000]
    t = fixed_and_marginal(plateau)
    assert t.per_row_s == pytest.approx(1e-7) and t.fixed_s == pytest.approx(0.2)


def test_one_slow_run_on_a_plateau_does_not_end_growth():
    calls: dict[int, int] = {}

    def measure(rows: int) -> float:
        calls[rows] = calls.get(rows, 0) + 1
        spike = rows == 64_000 and calls[rows] == 1  # the first run at 64,000 rows is stalled
        return (0.5 if spike else 0.2) + 1e-7 * rows

    pts = dict(probe.grow(measure, 1_000, 0.2001, cap_rows=10**9, allowance_s=60,
                              timed=probe.Timed([(1_000, 0.2)])))
    assert calls[64_000] == 2 and pts[64_000] == pytest.approx(0.2064)  # confirmed, the faster run kept
    assert max(pts) > 64_000  # and growth went on


def test_the_next_size_is_expected_from_billed_growth_not_a_noisy_wall_slope():
    walls = [(99, 0.45), (398, 0.38), (1_592, 0.52)]  # start-up and scheduling noise in the walls
    billed = [0.150, 0.152, 0.160]
    assert probe.next_wall(walls, billed, 16) == pytest.approx(0.52 + 2 * 15 * 0.010)
    assert probe.next_wall(walls[:1], billed[:1], 4) == pytest.approx(4 * 0.45)  # one size: all per-row


def test_the_per_row_cost_is_read_at_the_largest_sizes_where_time_is_not_a_line():
    """Measured on CDNOW active (hist_gbm): fixed-dominated on small data, per-row work from 9,428 rows."""
    t = fixed_and_marginal([(589, 0.0778), (2357, 0.0487), (9428, 1.7159)])
    assert t.per_row_s == pytest.approx((1.7159 - 0.0487) / (9428 - 2357))
    assert t.fixed_s == 0  # no intercept fits under every point with that slope


class Slow(Candidate):
    """Fit costs 0.25 s of CPU plus 0.5 ms a training row, in small steps (as trees or boosting rounds are)."""

    def fit(self, frame, *, budget, seed):
        for _ in range(50):
            burn((0.25 + 5e-4 * len(frame.train)) / 50)
        return self

    def predict(self, frame):
        return pd.Series(0.0, index=frame.holdout.index)


def _frame(rows: int) -> Frame:
    x = pd.DataFrame({"a": np.arange(float(rows))}, index=pd.RangeIndex(rows, name="id"))
    return Frame(Problem("binary", "binary", "y", "id"), x.assign(y=0.0), x.iloc[:100], ("a",))


def test_the_allowance_is_one_second_or_a_tenth_of_the_candidates_own_time():
    assert Allowance.of(0.2, 0.01).seconds == 1.0
    assert Allowance.of(30.0, 2.0).seconds == pytest.approx(3.2)


def test_every_probe_of_a_candidate_stays_within_its_allowance():
    """Own fit on 4,000 rows: 0.25 + 2.0 s. Two fresh fits (2.8 s) do not fit 1 s: one on a sixteenth does."""
    frame, fit_s = _frame(4_000), 0.25 + 5e-4 * 4_000
    started = time.process_time()
    got = probe.probe(probe.Fitting(Slow, Budget.of(120), 0), Slow(), frame, fit_s=fit_s, predict_s=0.001)
    spent = time.process_time() - started
    assert spent <= 1.0 + 0.15  # the allowance, and the slack of one step of the fit
    rows = [int(r) for r, _ in got.points_fit]
    assert rows == [250, 4_000]  # a sixteenth, fresh, against the candidate's own fit
    t = fixed_and_marginal(got.points_fit)
    # hand-computed: (2.25 - (0.25 + 0.125)) / 3,750 rows = 0.5 ms a row, 0.25 s fixed (CPU accounting on a
    # loaded machine adds up to ~0.1 s to the small fit, which the fixed part absorbs)
    assert t.per_row_s == pytest.approx(5e-4, rel=0.15) and 0.2 < t.fixed_s < 0.45


def test_a_probe_fit_that_would_overrun_the_allowance_is_cut_in_time():
    frame = _frame(40_000)  # a sixteenth is 2,500 rows: 1.5 s, past the 1 s allowance
    started = time.perf_counter()
    pts = probe.fit_points(probe.Fitting(Slow, Budget.of(120), 0), frame, 20.25 / 2, allowance=Allowance(1.0))
    assert time.perf_counter() - started < 1.6 and pts == []  # cut; the own fit alone is all per-row


def test_a_cost_extrapolated_from_small_data_is_marked():
    price = CostSection(usd_per_cpu_hour=3.6, rows_in_production=1_000_000, retrains_per_month=1,
                        predictions_per_month=0)  # $0.001 a CPU second
    # fit 0.30 s at 100 rows and 0.33 s at 400: never twice, the per-row part did not show
    flat = Row(name="rule", status=Status.OK, fit_s=0.33, predict_s=0.001,
               fit_points=[[100, 0.30], [400, 0.33]], predict_points=[[10, 1e-4], [100, 1e-3]])
    cost = cost_of(flat, price, 400, 100)
    assert fixed_and_marginal(flat.fit_points).small and cost.estimated
    # the reading it extrapolates: 0.03 s / 300 rows = 1e-4 s a row, x 1e6 rows + 0.29 s fixed = 100.29 s = $0.10
    assert cost.monthly_usd == pytest.approx(0.001 * (0.29 + 1e-4 * 1e6))
    tiny = Row(name="mean", status=Status.OK, fit_s=1e-6, predict_s=1e-6,
               fit_points=[[100, 1e-6], [400, 1e-6]], predict_points=[[10, 1e-5], [100, 1e-4]])
    assert cost_of(tiny, price, 400, 100).estimated  # however small: no bound holds beyond the sizes timed
    shown = Row(name="tree", status=Status.OK, fit_s=0.2, predict_s=0.001,
                fit_points=[[100, 0.05], [400, 0.2]], predict_points=[[10, 1e-4], [100, 1e-3]])
    assert not cost_of(shown, price, 400, 100).estimated  # four times the time at four times the rows
    one = Row(name="tuned", status=Status.OK, fit_s=20.0, predict_s=0.001, fit_points=[],
              predict_points=[[10, 1e-4], [100, 1e-3]])
    assert not cost_of(one, price, 400, 100).estimated  # one size: all per-row, the stated conservative reading


class Jump(Candidate):
    """Fit costs 0.05 s of CPU up to 400 rows, then 1 ms a row more (a regime the small sizes cannot show)."""

    def fit(self, frame, *, budget, seed):
        rows = len(frame.train)
        for _ in range(50):
            burn((0.05 + (1e-3 * rows if rows > 400 else 0.0)) / 50)
        return self

    def predict(self, frame):
        return pd.Series(0.0, index=frame.holdout.index)


def test_a_probe_cut_past_the_sizes_timed_is_kept_as_a_lower_bound_and_marked():
    frame = _frame(400)
    started = time.process_time()
    got = probe.probe(probe.Fitting(Jump, Budget.of(120), 0), Jump(), frame, fit_s=0.05, predict_s=0.001)
    assert time.process_time() - started <= 1.15
    sizes = [int(r) for r, _ in got.points_fit]
    assert sizes[:2] == [100, 400] and sizes[-1] > 400 and got.fit_censored
    # the cut size would take 0.05 + 1e-3 x rows; what it had spent when cut is below that, and above the plateau
    rows, spent = got.points_fit[-1]
    assert 0.2 < spent < 0.05 + 1e-3 * rows
    row = Row(name="jump", status=Status.OK, fit_s=0.05, predict_s=0.001, fit_points=got.points_fit,
              predict_points=got.points_predict, fit_censored=got.fit_censored)
    assert cost_of(row, CostSection(), 400, 100).estimated


def test_an_operation_that_bills_nothing_at_any_size_is_not_an_estimate():
    assert not fixed_and_marginal([(589, 0.0), (2357, 0.0), (603392, 0.0)]).small
    assert fixed_and_marginal([(589, 0.0), (2357, 1e-4), (9428, 1.5e-4)]).small


def test_the_box_cuts_on_cpu_and_leaves_the_signals_as_it_found_them():
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGPROF, signal.SIGALRM)}
    with pytest.raises(ProbeCut) as cut:
        with boxed(0.2):
            burn(5.0)
    assert cut.value.on_cpu
    assert {sig: signal.getsignal(sig) for sig in before} == before
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0) and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with boxed(5.0):  # a block that ends in time leaves no timer behind to fire later
        burn(0.05)
    burn(0.1)
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
