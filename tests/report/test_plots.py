"""The report's figures read right off a screenshot: each label at its own dot, no label over another, dollar
ticks, far-off trivial policies as arrows, a monotone Pareto step, and no text under 11 px at 560 px wide.

Positions are read back from the drawn figure (display pixels), not from the placement code.
"""

from __future__ import annotations

import itertools
import re
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.text import Text

from bakeoff import run
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.money import usd_axis
from bakeoff.core.records import Cost, Row, Status, Value
from bakeoff.data.frame import Problem
from bakeoff.report import plots
from bakeoff.report.labels import DOT_PT

DISPLAY_PX, SMALLEST_PX = 560, 11
FIGURES = ("frontier", "value_frontier", "value_curves", "fit_times", "calibration")

# (name, primary metric, monthly $, on the Pareto front, net value a month): the CDNOW "active" run that was
# mislabelled: sub-cent rules in one column, near-equal AUCs, a constant predictor far off the scale.
ACTIVE = [("mean", 0.5, 3.9e-7, False, -21960), ("run_rate", 0.7598, 2.5e-6, True, 54154),
          ("sql_threshold", 0.7190, 1.9e-4, False, 22398), ("sql_quantile_buckets", 0.6772, 1.2e-4, False, 46750),
          ("sql_recency", 0.6247, 0.0, False, 24206), ("sql_rfm_quintiles", 0.7394, 7.5e-5, True, 49916),
          ("glm", 0.7801, 2.5e-4, True, 56614), ("pareto_nbd", 0.7712, 1.1e-4, True, 54917),
          ("bg_nbd", 0.7569, 3.1e-6, True, 54917), ("decision_tree", 0.7397, 2.2e-4, False, 45500),
          ("random_forest", 0.7570, 0.029, True, 54238), ("hist_gbm", 0.7457, 0.043, True, 51523),
          ("xgboost", 0.6882, 1.0e-3, True, 50250), ("xgboost_tuned", 0.7611, 1.25, False, 52540)]
# A count problem (lower is better) with rules far off the scale.
PURCHASES = [("mean", 2.585, 3.3e-7, False), ("run_rate", 7.09, 1.7e-6, False), ("sql_threshold", 2.16, 2.4e-4, False),
             ("sql_quantile_buckets", 1.795, 1.2e-4, True), ("sql_rfm_quintiles", 1.785, 5.5e-5, True),
             ("sql_run_rate", 7.09, 0.0, False), ("glm", 2.647, 2.8e-4, False), ("pareto_nbd", 1.594, 2.2e-5, True),
             ("bg_nbd", 1.599, 5.1e-5, True), ("decision_tree", 1.688, 2.1e-4, True),
             ("random_forest", 1.622, 0.086, True), ("hist_gbm", 1.652, 0.040, True), ("xgboost", 2.05, 9.9e-4, False),
             ("xgboost_tuned", 1.55, 2.1, True)]


def _row(name: str, metric: str, score: float, usd: float, pareto: bool, net: float | None = None) -> Row:
    value = None if net is None else Value(net_usd_month=net, net_low=net - abs(net) * 0.2 - 3000,
                                           net_high=net + abs(net) * 0.2 + 3000)
    return Row(name=name, status=Status.OK, metrics={metric: score}, cost=Cost(monthly_usd=usd), pareto=pareto,
               value=value, fit_s=0.01 + usd)


def _result(rows: list[Row], primary: str, chosen: str, *, task: str = "binary", value: object = None):
    problem = Problem(kind="binary" if task == "binary" else "count", task=task, target="y", key="id")
    return SimpleNamespace(rows=rows, primary=primary, chosen=chosen, problem=problem, calibration={}, value=value)


def _value_report(rows: list[Row], leaders: tuple[str, ...], everybody: float, oracle: float) -> SimpleNamespace:
    shares = np.linspace(0, 1, 21)
    curves = {r.name: (shares, r.value.net_usd_month * 4 * shares * (1 - shares) + everybody * shares ** 6)
              for r in rows}
    return SimpleNamespace(leaders=leaders, oracle=oracle, nobody=0.0, everybody=everybody, curves=curves,
                           oracle_curve=(shares, oracle * 2 * np.minimum(shares, 1 - shares)),
                           candidates={r.name: SimpleNamespace(net=r.value.net_usd_month) for r in rows},
                           policy="top_fraction", section=SimpleNamespace(fraction=0.2))


def active_like():
    rows = [_row(n, "roc_auc", s, c, p, v) for n, s, c, p, v in ACTIVE]
    leaders = ("run_rate", "sql_rfm_quintiles", "glm", "pareto_nbd", "bg_nbd", "random_forest", "hist_gbm",
               "xgboost", "xgboost_tuned")
    return _result(rows, "roc_auc", "glm", value=_value_report(rows, leaders, -109_800, 120_000))


def purchases_like():
    return _result([_row(n, "poisson_deviance", s, c, p) for n, s, c, p in PURCHASES], "poisson_deviance",
                   "pareto_nbd", task="count")


def squashing_everybody():
    """breast_cancer: candidates net about $0.5M a month, acting on everybody loses $36.2M."""
    rows = [_row(n, "roc_auc", s, c, p, v) for n, s, c, p, v in [
        ("mean", 0.5, 1.7e-7, True, 0.0), ("sql_threshold", 0.916, 3.2e-4, True, 0.0),
        ("glm", 0.9923, 1.1e-3, True, 584_795), ("random_forest", 0.9940, 0.0102, True, 573_099),
        ("xgboost", 0.9923, 5.3e-4, False, 152_047), ("xgboost_tuned", 0.9950, 5.69, True, 643_269)]]
    return _result(rows, "roc_auc", "glm", value=_value_report(rows, ("glm", "xgboost_tuned"), -36_175_439, 1_251_462))


def crowded():
    """Sixteen candidates, all on the front, within a hair of each other in accuracy and cost."""
    rows = [_row(f"candidate_number_{i:02d}", "roc_auc", 0.80 + 0.0004 * i, 0.004 * (1 + 0.03 * i), True,
                 50_000 + 100 * i) for i in range(16)]
    names = tuple(r.name for r in rows)
    return _result(rows, "roc_auc", names[3], value=_value_report(rows, names, -1e6, 80_000))


SCENARIOS = {"active": active_like, "purchases": purchases_like, "squashing": squashing_everybody,
             "crowded": crowded}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _axes(fig):
    return fig.axes[0]


def _dots(fig) -> dict[str, np.ndarray]:
    """Each candidate's dot, in display pixels, read from the drawn figure (``pt-`` / ``val-`` ids)."""
    ax = _axes(fig)
    out = {}
    for art in [*ax.collections, *ax.lines]:
        gid = art.get_gid() or ""
        if gid.startswith(("pt-", "val-")):
            xy = art.get_offsets()[0] if gid.startswith("pt-") else art.get_xydata()[0]
            out[gid.split("-", 1)[1]] = ax.transData.transform(xy)
    return out


def _labels(fig) -> dict[str, Text]:
    return {t.get_gid().split("-", 1)[1]: t for t in _axes(fig).texts if (t.get_gid() or "").startswith("label-")}


def _table_cells(fig) -> list[Text]:
    return [cell.get_text() for ax in fig.axes for table in ax.tables for cell in table.get_celld().values()]


def _table_text(fig) -> set[str]:
    return {t.get_text() for t in _table_cells(fig)}


def _texts(fig) -> list[Text]:
    """Every text of the figure, the legend table's cells included (``findobj`` does not reach them)."""
    return [*fig.findobj(Text), *_table_cells(fig)]


def _named(result, fig) -> set[str]:
    """Who must carry a name: the chosen, the best, the Pareto front (value plot: the leaders)."""
    ok = [r for r in result.rows if r.status is Status.OK]
    if fig.axes[0].get_title().startswith("Net value"):
        best = max(ok, key=lambda r: r.value.net_usd_month).name
        return {result.chosen, best, *result.value.leaders}
    higher = result.primary == "roc_auc"
    best = (max if higher else min)(ok, key=lambda r: r.metrics[result.primary]).name
    return {result.chosen, best, *(r.name for r in ok if r.pareto)}


def _drawn(scenario: str, figure: str):
    fig = getattr(plots, figure)(SCENARIOS[scenario]())
    if fig is not None:
        fig.canvas.draw()
    return fig


def _check_labels(result, fig) -> None:
    """Each label is anchored at its own dot and its leader ends there; no two labels overlap; no label hides a
    dot; the chosen, the best and the front carry their names (or, with no room, are in the table)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    dots, labels, listed = _dots(fig), _labels(fig), _table_text(fig)
    reach = DOT_PT * fig.dpi / 72 + 2
    for key, label in labels.items():
        assert np.allclose(_axes(fig).transData.transform(label.xy), dots[key], atol=0.5), key
        end = label.arrow_patch.get_path().vertices[-1]  # display pixels once drawn
        assert np.hypot(*(end - dots[key])) <= reach, (key, end, dots[key])
    boxes = {k: Text.get_window_extent(t, renderer) for k, t in labels.items()}
    for (one, a), (two, b) in itertools.combinations(boxes.items(), 2):
        assert not a.overlaps(b), (one, two)
    for key, box in boxes.items():
        assert not any(box.contains(*xy) for xy in dots.values()), key
    names = {k for k, t in labels.items() if not t.get_text().isdigit()}
    assert _named(result, fig) <= names | listed
    assert labels[result.chosen].get_text().startswith(f"{result.chosen} ✔")


@pytest.mark.parametrize("figure", ["frontier", "value_frontier"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_plot_labels_sit_at_their_own_dots_without_overlap(scenario, figure):
    result = SCENARIOS[scenario]()
    fig = getattr(plots, figure)(result)
    if fig is None:
        pytest.skip("no value section")
    _check_labels(result, fig)


@pytest.mark.parametrize("scenario", ["active", "purchases"])
def test_plot_points_without_a_name_are_numbered_and_listed_in_the_figure(scenario):
    result = SCENARIOS[scenario]()
    fig = _drawn(scenario, "frontier")
    listed, labels = _table_text(fig), _labels(fig)
    others = {r.name for r in result.rows} - _named(result, fig)
    assert others and others <= listed
    numbered = {k: t.get_text() for k, t in labels.items() if t.get_text().isdigit()}
    assert set(numbered) <= others
    texts = [t.get_text() for t in _texts(fig)]
    assert not any("hover" in t for t in texts)
    for key, number in numbered.items():
        assert number in listed and key in listed


@pytest.mark.parametrize("scenario", ["active", "purchases", "squashing"])
def test_plot_pareto_line_is_a_step_in_cost_order(scenario):
    fig = _drawn(scenario, "frontier")
    (step,) = [line for line in _axes(fig).lines if line.get_drawstyle() == "steps-post"]
    xs, ys = step.get_xdata(), step.get_ydata()
    assert np.all(np.diff(xs) >= 0)
    higher = SCENARIOS[scenario]().primary == "roc_auc"
    assert np.all(np.diff(ys) >= 0) if higher else np.all(np.diff(ys) <= 0)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_plot_cost_ticks_read_as_dollars(scenario):
    for figure in ("frontier", "value_frontier"):
        fig = _drawn(scenario, figure)
        if fig is None:
            continue
        ticks = [t.get_text() for t in _axes(fig).get_xticklabels() if t.get_text()]
        assert ticks, figure
        for tick in ticks:
            assert re.fullmatch(r"<\$0\.01|\$0\.\d\d|\$\d+(\.\d+)?[kMB]?", tick), tick
    assert [usd_axis(v) for v in (1e-9, 0.004, 0.01, 0.1, 1, 100, 999.7, 1500, 2e6)] == [
        "<$0.01", "<$0.01", "$0.01", "$0.10", "$1", "$100", "$1k", "$1.5k", "$2M"]
    assert usd_axis(0) == "$0" and "e" not in usd_axis(1e-12)


def test_plot_far_trivial_policy_is_an_arrow_at_the_edge_not_the_axis_limit():
    fig = _drawn("squashing", "value_frontier")
    ax = _axes(fig)
    low, high = ax.get_ylim()
    assert low > -2e6 and high < 2e6  # the candidates keep the height of the plot
    arrows = {t.get_text(): t for t in ax.texts if t.arrow_patch is not None and not t.get_gid()}
    assert "act on everybody: -$36.2M" in arrows
    tip = arrows["act on everybody: -$36.2M"].xy
    assert tip[1] == 0.0 and arrows["act on everybody: -$36.2M"].xycoords == "axes fraction"  # at the bottom edge
    assert not any(abs(line.get_ydata()[0] + 36_175_439) < 1 for line in ax.lines if len(line.get_ydata()) == 2)
    curves = _drawn("squashing", "value_curves")
    assert _axes(curves).get_ylim()[0] > -2e6
    assert any(t.get_text().startswith("curves fall to -$") for t in _axes(curves).texts)


def _svg_smallest_px(text: str) -> float:
    """The smallest font of an inline SVG, in screen pixels when the SVG is shown DISPLAY_PX wide."""
    width = float(re.search(r'viewBox="0 0 ([\d.]+) [\d.]+"', text).group(1))
    sizes = [float(s) for s in re.findall(r"font(?:-size)?:[^;\"]*?([\d.]+)px", text)]
    return min(sizes) * DISPLAY_PX / width


def _check_text_sizes(result) -> int:
    """Every text of every figure drawn for ``result`` is at least 11 px at 560 px wide; returns how many figures."""
    drawn = 0
    for figure in FIGURES:
        fig = getattr(plots, figure)(result)
        if fig is None:
            continue
        drawn += 1
        width_pt = fig.get_size_inches()[0] * 72
        for text in _texts(fig):
            if text.get_visible() and text.get_text().strip():
                px = text.get_fontsize() * DISPLAY_PX / width_pt
                assert px >= SMALLEST_PX, (figure, text.get_text(), text.get_fontsize())
        assert _svg_smallest_px(plots.svg(fig)) >= SMALLEST_PX, figure  # as the page shows it (tight box)
    return drawn


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_plot_smallest_text_is_at_least_11px_at_560px_wide(scenario):
    result = SCENARIOS[scenario]()
    result.calibration = {r.name: [{"predicted": p, "actual": p, "bin": i} for i, p in enumerate((0.1, 0.5, 0.9))]
                          for r in result.rows}
    assert _check_text_sizes(result) == (5 if result.value is not None else 3)


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """A small real run with a [value] section (breast_cancer: acting on everybody loses millions)."""
    raw = {"experiment": {"name": "plots"}, "data": {"builtin": "breast_cancer"},
           "problem": {"kind": "binary", "target": "benign", "key": "row_id"}, "score": {"bootstrap": 50},
           "ladder": {"include": ["mean", "sql_quantile_buckets", "glm", "decision_tree"]},
           "candidate": [{"name": "sql_quantile_buckets", "family": "sql", "file": "rules/quantile_buckets.sql",
                          "feature": "worst_radius"}],
           "value": {"policy": "threshold", "value_per_true_positive": 2000.0,
                     "value_per_false_positive": -100000.0, "population_per_month": 1000}}
    return run(experiment_from_dict(raw), write=False, history=None, progress=False,
               checkpoint_dir=tmp_path_factory.mktemp("checkpoints"))


def test_plot_real_run_figures_are_labelled_and_readable(real_run):
    _check_labels(real_run, plots.frontier(real_run))
    _check_labels(real_run, plots.value_frontier(real_run))
    assert _check_text_sizes(real_run) == 5
    ax = _axes(plots.value_frontier(real_run))
    assert ax.get_ylim()[0] > real_run.value.everybody / 5  # acting on everybody is an arrow, not the limit
    assert any(t.get_text().startswith("act on everybody: -$") for t in ax.texts)


def test_plot_same_result_same_picture():
    assert plots.svg(plots.frontier(active_like())) == plots.svg(plots.frontier(active_like()))
    assert plots.svg(plots.value_frontier(active_like())) == plots.svg(plots.value_frontier(active_like()))
