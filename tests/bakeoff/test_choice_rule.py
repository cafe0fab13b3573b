"""The choice rule on constructed tables: a cost tie goes to the better estimate; upkeep prices complexity."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bakeoff.config.experiment import ChooseSection, CostSection, experiment_from_dict
from bakeoff.core.errors import ConfigError
from bakeoff.cost.model import upkeep_of, upkeep_text
from bakeoff.judge.choice import choose, tolerance_for
from bakeoff.judge.front import DEFAULT_MARGINS, annotated, with_verdicts
from tests.bakeoff.choice_cases import cases

CASES = {c.name: c for c in cases()}


@pytest.mark.parametrize("name", list(CASES))
def test_each_constructed_case_gets_the_answer_of_the_rule(name):
    case = CASES[name]
    rows, scores = case.table()
    by = {r.name: r for r in rows}
    tol, _ = tolerance_for(case.metric, ChooseSection())
    best = max(rows, key=lambda r: r.metrics[case.metric])
    pick = choose(rows, scores, ChooseSection())
    assert pick.name == case.expected, pick.reason
    chosen = by[pick.name]
    lead = best.metrics[case.metric] - chosen.metrics[case.metric]
    if DEFAULT_MARGINS.cheaper(chosen, best):  # a real saving: the evidence must not show the gap beyond tolerance
        assert chosen.shortfall_low <= tol
    else:  # nothing saved: the best's lead on the point estimate is within the tolerance
        assert lead <= tol
    for other in rows:  # no candidate that costs about as much leads the chosen one by more than the tolerance
        if not DEFAULT_MARGINS.cheaper(chosen, other):
            assert other.metrics[case.metric] - chosen.metrics[case.metric] <= tol


def test_the_cost_tied_case_is_what_it_says():
    rows, _ = CASES["cost_tied_real_gap"].table()
    by = {r.name: r for r in rows}
    gap = by["glm"].metrics["roc_auc"] - by["sql_rule"].metrics["roc_auc"]
    assert 0.03 < gap and by["sql_rule"].shortfall_low == 0.0  # 4x the tolerance, not shown
    assert not DEFAULT_MARGINS.cheaper(by["sql_rule"], by["glm"])


def test_the_old_benefit_of_the_doubt_still_holds_against_a_real_saving():
    rows, scores = CASES["cheap_rule_costly_model"].table()
    pick = choose(rows, scores, ChooseSection())
    assert pick.name == "sql_rule" and "costs $0.01 a month to run (xgboost_tuned: $5.00)" in pick.reason


def test_reason_says_why_a_tie_went_to_the_better_estimate():
    rows, scores = CASES["cost_tied_real_gap"].table()
    reason = choose(rows, scores, ChooseSection()).reason
    assert "sql_rule costs about as much" in reason
    assert "more than the tolerance: with nothing to save, the better estimate wins" in reason
    rows, scores = CASES["cost_tied_small_gap"].table()
    reason = choose(rows, scores, ChooseSection()).reason
    assert reason.startswith("Chose sql_rule: it costs about as much as the best, glm")
    assert "within the tolerance (0.01); with a lead that small, the lower-rung candidate is kept" in reason


def test_simplest_within_and_shown_within_follow_the_same_tie_rule():
    rows, scores = CASES["cost_tied_real_gap"].table()
    assert choose(rows, scores, ChooseSection(rule="simplest_within")).name == "glm"
    assert choose(rows, scores, ChooseSection(evidence="shown_within")).name == "glm"
    rows, scores = CASES["cost_tied_small_gap"].table()
    assert choose(rows, scores, ChooseSection(rule="simplest_within")).name == "sql_rule"


def test_upkeep_turns_a_tie_into_a_trade_exactly_as_hand_computed():
    """$150 a month to keep the GLM alive: the rule at $0.00002 is now cheaper by a real margin, and its
    shortfall is not shown to exceed the tolerance (lower bound 0), so the rule is chosen."""
    rows, scores = CASES["cost_tied_real_gap"].table()
    cost = CostSection(upkeep_usd_per_month={"glm": 150.0, "1": 0.0})
    rows = [replace(row, family=family) for row, family in zip(rows, ("sql", "glm"), strict=True)]
    rows = [replace(row, cost=replace(row.cost, monthly_usd=row.cost.monthly_usd + upkeep_of(row, cost)))
            for row in rows]
    by = {r.name: r for r in rows}
    assert by["glm"].cost.monthly_usd == pytest.approx(150.00004) and by["sql_rule"].cost.monthly_usd == 0.00002
    rows = annotated(rows, scores)
    pick = choose(rows, scores, ChooseSection())
    assert pick.name == "sql_rule"
    assert "It costs under $0.01 a month to run (glm: $150.00)" in pick.reason
    assert upkeep_text(cost) == (" Upkeep a month ([cost] upkeep_usd_per_month), added to each candidate's monthly "
                                 "cost: glm $150, rung 1 $0; other candidates $0.")


def test_upkeep_keys_are_checked():
    raw = {"data": {"builtin": "diabetes"}, "problem": {"kind": "regression", "target": "progression"}}
    with pytest.raises(ConfigError, match=r"upkeep_usd_per_month has key 'trees'; .*Did you mean 'tree'\?"):
        experiment_from_dict({**raw, "cost": {"upkeep_usd_per_month": {"trees": 400}}})
    exp = experiment_from_dict({**raw, "cost": {"upkeep_usd_per_month": {"tree": 400, "5": 800}}})
    assert exp.cost.upkeep_usd_per_month == {"tree": 400.0, "5": 800.0}


# -- never worse than doing nothing clever ([value]) ----------------------------------------------------------------

def _value_case(y, preds, rungs):
    import numpy as np

    from bakeoff.config.sections import ValueSection
    from bakeoff.core.records import Cost, Row, Status, Value
    from bakeoff.judge.value import Decision, Resamples, evaluate

    section = ValueSection(fraction=0.1, margin=0.3, cost_per_contact=5.0)
    y = np.asarray(y, dtype=float)
    idx = np.random.default_rng(0).integers(0, len(y), size=(200, len(y)))
    rep = evaluate(Decision(section, "customer_base", "spend", len(y)), y, preds, {n: 0.0 for n in preds}, {},
                   Resamples(lambda: [idx], 0.95))
    rows = [Row(name=n, rung=rungs[n], status=Status.OK, cost=Cost(monthly_usd=0.0),
                value=Value(**rep.candidates[n].fields())) for n in preds]
    return rep, rows


def test_nothing_chosen_when_mailing_everybody_earns_more():
    """Every customer spends $40: contacting one earns 0.3 x 40 - 5 = $7, so everybody earns $7,000 on 1,000
    customers while any top-10% list earns 100 x $7 = $700."""
    import numpy as np

    from bakeoff.judge.choice import choose_net_value
    from bakeoff.judge.words import below_sentences

    y = np.full(1000, 40.0)
    rng = np.random.default_rng(1)
    rep, rows = _value_case(y, {"run_rate": rng.random(1000), "glm": rng.random(1000)}, {"run_rate": 0, "glm": 2})
    assert rep.trivial["acting on everybody"][0] == pytest.approx(7000.0)
    assert rep.candidates["glm"].value == pytest.approx(700.0)
    pick = choose_net_value(rep, rows, ChooseSection(), confidence=0.95)
    assert pick.name is None
    assert pick.reason.startswith("No candidate nets more a month than acting on everybody ($7k)")
    assert "Doing nothing clever is the verdict: keep acting on everybody." in pick.reason
    rows = with_verdicts(rows, pick.judged)
    assert all(r.value.below == "acting on everybody" for r in rows)  # shown: every resample agrees
    assert below_sentences(rep, rows, 0.95)[0] == ("run_rate is worth less than acting on everybody: it nets $700 "
                                                   "a month against $7k (shown at 95% confidence).")


def test_a_model_below_everybody_is_flagged_and_never_chosen():
    """10% of customers spend $200 (contact earns $55), the rest nothing (contact costs $5): everybody earns
    100 x 55 - 900 x 5 = $1,000; a model that ranks the spenders first earns 100 x 55 = $5,500."""
    import numpy as np

    from bakeoff.judge.choice import choose_net_value
    from bakeoff.report.format import value_cells

    y = np.r_[np.full(100, 200.0), np.zeros(900)]
    rng = np.random.default_rng(2)
    preds = {"mean": np.full(1000, 20.0), "xgboost": y + rng.random(1000)}
    rep, rows = _value_case(y, preds, {"mean": 0, "xgboost": 4})
    assert rep.trivial["acting on everybody"][0] == pytest.approx(1000.0)
    assert rep.candidates["xgboost"].value == pytest.approx(5500.0)
    pick = choose_net_value(rep, rows, ChooseSection(), confidence=0.95)
    by = {r.name: r for r in with_verdicts(rows, pick.judged)}
    assert pick.name == "xgboost" and by["xgboost"].value.below is None
    assert by["mean"].value.below.startswith("acting on everybody")  # random targeting: ~$100 a month
    assert " < everybody" in value_cells(by["mean"].value)[1]


def test_upkeep_is_not_diluted_by_the_ratio_margin():
    """Upkeep is declared, not measured: $100 + $0.01 against $150 + $5 is a real $55 saving, although under 2x."""
    rows, scores = CASES["cheap_rule_costly_model"].table()
    keep = {"sql_rule": 100.0, "xgboost_tuned": 150.0}
    rows = [replace(r, cost=replace(r.cost, monthly_usd=r.cost.monthly_usd + keep[r.name], upkeep_usd=keep[r.name]))
            if r.name in keep else r for r in rows]
    by = {r.name: r for r in rows}
    assert DEFAULT_MARGINS.cheaper(by["sql_rule"], by["xgboost_tuned"])
    rows = annotated(rows, scores)
    assert choose(rows, scores, ChooseSection()).name == "sql_rule"


def test_a_dearer_pick_is_not_called_a_tie():
    rows, scores = CASES["cost_tied_small_gap"].table()
    changed = {"sql_rule": lambda r: replace(r, cost=replace(r.cost, monthly_usd=50.0)),  # the simpler one costs more
               "glm": lambda r: replace(r, fit_s=100.0)}  # ... and fits faster, so it stays on the front
    rows = annotated([changed[r.name](r) if r.name in changed else r for r in rows], scores)
    pick = choose(rows, scores, ChooseSection(rule="simplest_within"))
    assert pick.name == "sql_rule" and "a tie" not in pick.reason
    assert "It costs $50.00 a month to run (glm: under $0.01)." in pick.reason


def test_without_resamples_a_trivial_policy_is_a_point_comparison():
    import numpy as np

    from bakeoff.config.sections import ValueSection
    from bakeoff.core.records import Cost, Row, Status, Value
    from bakeoff.judge.choice import choose_net_value
    from bakeoff.judge.value import Decision, Resamples, evaluate
    from bakeoff.judge.words import below_sentences

    y = np.full(100, 40.0)
    section = ValueSection(fraction=0.1, margin=0.3, cost_per_contact=5.0)
    rep = evaluate(Decision(section, "customer_base", "spend", 100), y, {"glm": np.arange(100.0)}, {"glm": 0.0}, {},
                   Resamples(lambda: [], 0.95))
    rows = [Row(name="glm", rung=2, status=Status.OK, cost=Cost(monthly_usd=0.0),
                value=Value(**rep.candidates["glm"].fields()))]
    rows = with_verdicts(rows, choose_net_value(rep, rows, ChooseSection(), confidence=0.95).judged)
    assert rows[0].value.below == "acting on everybody (point)"
    assert "on the point estimate, not shown" in below_sentences(rep, rows, 0.95)[0]


def test_a_choice_made_on_accuracy_moves_off_a_candidate_worth_less_than_doing_nothing():
    """cost_tied_small_gap chooses sql_rule on ROC AUC; under [value] it nets $100 a month, glm $1,000, and
    acting on everybody $500: the rule is applied again without sql_rule, and glm is chosen."""
    from types import SimpleNamespace

    from bakeoff.core.records import Value
    from bakeoff.judge.choice import keep_above_trivial

    rows, scores = CASES["cost_tied_small_gap"].table()
    first = choose(rows, scores, ChooseSection())
    assert first.name == "sql_rule"
    rows = [replace(row, value=Value(value_usd_month=net, net_usd_month=net))
            for row, net in zip(rows, (100.0, 1000.0), strict=True)]
    report = SimpleNamespace(trivial={"acting on everybody": (500.0, None), "acting on nobody": (0.0, None)})
    name, reason = keep_above_trivial(report, rows, first.name, first.reason,
                                      lambda keep: choose(keep, scores, ChooseSection()))
    assert name == "glm"
    assert reason.startswith("sql_rule nets $100 a month under [value], less than acting on everybody ($500), "
                             "so it is not chosen. Chose glm")
    rows[1] = replace(rows[1], value=Value(value_usd_month=200.0, net_usd_month=200.0))
    name, reason = keep_above_trivial(report, rows, first.name, first.reason, lambda keep: None)
    assert name is None and reason.endswith("doing nothing clever is the verdict, keep acting on everybody.")


def test_the_report_states_the_upkeep(tmp_path):
    from bakeoff import run

    raw = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign", "key": "row_id"},
           "score": {"bootstrap": 50}, "ladder": {"include": ["mean", "glm"]},
           "cost": {"upkeep_usd_per_month": {"glm": 150}}}
    res = run(experiment_from_dict(raw), out=tmp_path / "out", history=None)
    glm = next(r for r in res.rows if r.name == "glm")
    assert glm.cost.upkeep_usd == 150.0 and glm.cost.monthly_usd >= 150.0
    text = (tmp_path / "out" / "report.md").read_text()
    assert "Upkeep a month ([cost] upkeep_usd_per_month), added to each candidate's monthly cost: glm $150" in text


def test_a_champion_chosen_on_net_value_is_kept_by_name():
    import numpy as np

    from bakeoff.judge.choice import choose_net_value

    y = np.r_[np.full(100, 200.0), np.zeros(900)]
    rng = np.random.default_rng(2)
    rep, rows = _value_case(y, {"mean": np.full(1000, 20.0), "champion": y + rng.random(1000)},
                            {"mean": 0, "champion": 4})
    rows[1] = replace(rows[1], family="champion",
                      params={"candidate": "xgboost", "champion_of": "spend/20261207T180512"})
    pick = choose_net_value(rep, rows, ChooseSection(), confidence=0.95)
    assert pick.name == "champion"
    assert pick.reason.startswith("Keep xgboost from 2026-12-07: no challenger is shown to net more. "
                                  "Chose champion (xgboost, run 20261207T180512): it nets $5.5k a month")
