"""Does the verdict tell the business only what the evidence says? Simulations with known truth.

Candidates predict ``f`` (the learnable part of the target) with their own error; the target is
``y = f + noise`` that nobody can learn, so the candidates' errors are correlated as in real
bake-offs. Each repetition scores them on a fresh holdout through the product's own functions
(``score_all`` -> ``annotate`` -> ``choose``) with the default ``[choose]`` rule (cheapest within
the RMSE default tolerance, 2% of the best) and prints, over the repetitions:

1. **family-wise false calls**: 16 equally good candidates; share of runs where the table calls
   at least one difference real (a star, a candidate out of the set of the best, or "shown more
   accurate" in a dominance reason). Goal <= 5%. For reference, the same replicates read with
   the pre-judgement rule (a per-pair percentile interval of the difference with the best).
1b. the same on a **skewed, heavy-tailed target** (centred lognormal noise, as spend is), its own
   seed. For reference, the same replicates with one fixed scale per pair (the bootstrap standard
   deviation, leave-one-out for the replicates): the judgement before the bootstrap-t.
2. **truly worse chosen**: the cheapest candidate is truly worse by 3x the tolerance (RMSE 6%
   above the others); share of runs where it is chosen. Goal <= 5% when the holdout can detect
   that gap (the printed smallest detectable difference is below the gap minus the tolerance).
3. **cheapest equivalent chosen**: in the same runs, share where the cheapest of the truly
   equivalent candidates is chosen. Goal >= 80%.

Simulation 2 runs at the CDNOW holdout size (2,357 rows, where the gap is too small to show:
then the cheap candidate keeps the benefit of the doubt, by design) and at 10,000 rows.

Usage: ``python benchmarks/judgement.py [repetitions] [holdout rows of simulation 1]``
(defaults 200 and 2357).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from bakeoff.config.experiment import ChooseSection
from bakeoff.core.records import Cost, Row, Status
from bakeoff.judge.choice import choose, tolerance_for
from bakeoff.judge.front import annotated
from bakeoff.judge.maxt import Judgement
from bakeoff.judge.scoring import Scores, score_all

K = 16
ROUNDS = 500
NOISE = 1.0  # sd of the unlearnable part of y
ERROR = 0.3  # sd of each equally good candidate's own error
SKEW_SIGMA = 1.5  # log-scale sd of the skewed simulation's unlearnable part (spend-like: a few huge customers)
RULE = ChooseSection()


def holdout(rng: np.random.Generator, n: int, worse_by: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A fresh holdout and K candidates; ``cand00`` has RMSE ``(1 + worse_by)`` times the others'."""
    f = rng.normal(0.0, 2.0, n)
    y = f + rng.normal(0.0, NOISE, n)
    good_mse = NOISE**2 + ERROR**2
    worse_err = np.sqrt(good_mse * (1 + worse_by) ** 2 - NOISE**2)
    preds = {f"cand{i:02d}": f + rng.normal(0.0, worse_err if i == 0 else ERROR, n) for i in range(K)}
    return y, preds


def skewed_holdout(rng: np.random.Generator, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """K equally good candidates on a skewed, heavy-tailed target: centred lognormal noise, as spend is."""
    f = rng.gamma(2.0, 20.0, n)
    y = f + (rng.lognormal(0.0, SKEW_SIGMA, n) - np.exp(SKEW_SIGMA**2 / 2)) * 20.0
    return y, {f"cand{i:02d}": f + rng.normal(0.0, 10.0, n) for i in range(K)}


def fixed_scale_call(scores: Scores, rows: list[Row]) -> bool:
    """The same replicates with every pair scaled by its bootstrap standard deviation (before the bootstrap-t)."""
    names = tuple(r.name for r in rows)
    j = Judgement.from_replicates(names, np.array([scores.metrics[m]["rmse"] for m in names]),
                                  np.column_stack([scores.replicates[m] for m in names]),
                                  higher_is_better=False, confidence=0.95)
    return not all(j.in_best_set(i) for i in range(len(names)))


def table(y: np.ndarray, preds: dict[str, np.ndarray], seed: int) -> tuple[list[Row], Scores, str | None]:
    """The product's rows for one holdout; cand00 is cheapest ($2 a month), then each next one 4x dearer.

    (Dollar gaps above the default $1 noise margin, so "cheaper" means something to a budget.)
    """
    scores = score_all(y, preds, ("rmse",), rounds=ROUNDS, confidence=0.95, seed=seed)
    rows = [Row(name=n, rung=2, status=Status.OK, fit_s=1.0, predict_ms_per_1k=1.0,
                cost=Cost(monthly_usd=2.0 * 4.0**i), metrics=scores.metrics[n]) for i, n in enumerate(preds)]
    rows = annotated(rows, scores)
    return rows, scores, choose(rows, scores, RULE).name


def false_calls(rows: list[Row]) -> bool:
    """Does the table call any difference real?"""
    return any(not r.best_set or any("shown more accurate" in w for w in r.dominance or ()) for r in rows)


def naive_call(scores: Scores, rows: list[Row]) -> bool:
    """The pre-judgement reading: a per-pair 95% percentile interval of the difference with the best."""
    best = min(rows, key=lambda r: scores.metrics[r.name]["rmse"]).name
    reps = scores.replicates
    for r in rows:
        d = reps[r.name] - reps[best]
        if r.name != best and not (np.quantile(d, 0.025) <= 0 <= np.quantile(d, 0.975)):
            return True
    return False


def rate_line(label: str, hits: int, reps: int, goal: str = "") -> str:
    """One printed rate, with its Monte Carlo standard error where a goal is stated."""
    rate = hits / reps
    se = f" (Monte Carlo SE {np.sqrt(rate * (1 - rate) / reps):.1%} with {reps} runs)" if goal else ""
    return f"  {label:<58}{rate:6.1%}   {goal}{se}".rstrip()


def simulation_equal(rng: np.random.Generator, reps: int, n: int) -> None:
    """Simulation 1: equally good candidates; false calls, and the per-pair reading for reference."""
    fw = naive = 0
    for _ in range(reps):
        y, preds = holdout(rng, n, 0.0)
        rows, scores, _ = table(y, preds, int(rng.integers(1 << 31)))
        fw += false_calls(rows)
        naive += naive_call(scores, rows)
    print(f"Simulation 1: {K} equally good candidates, {n:,} holdout rows, {ROUNDS} resamples, {reps} runs")
    print(rate_line("runs with >= 1 false 'real difference' call (judgement):", fw, reps, "goal <= 5%"))
    print(rate_line("same replicates, per-pair interval vs best (before):", naive, reps))


def simulation_skewed(reps: int, n: int) -> None:
    """Simulation 1b: the same on a skewed, heavy-tailed target (its own seed: simulations 1 and 2 unchanged)."""
    rng = np.random.default_rng(20261124)
    fw = fixed = 0
    for _ in range(reps):
        y, preds = skewed_holdout(rng, n)
        rows, scores, _ = table(y, preds, int(rng.integers(1 << 31)))
        fw += false_calls(rows)
        fixed += fixed_scale_call(scores, rows)
    print(f"Simulation 1b: {K} equally good candidates, skewed heavy-tailed target (lognormal noise, "
          f"sigma {SKEW_SIGMA}), {n:,} holdout rows, {reps} runs")
    print(rate_line("runs with >= 1 false 'real difference' call (judgement):", fw, reps, "goal <= 5%"))
    print(rate_line("same replicates, one fixed scale per pair (before):", fixed, reps))


def main(reps: int, n: int, sizes: tuple[int, ...]) -> None:
    """Run the simulations and print the figures."""
    rng = np.random.default_rng(20261123)
    tol = tolerance_for("rmse", RULE)[0]
    t0 = time.perf_counter()
    simulation_equal(rng, reps, n)
    simulation_skewed(reps, n)
    for size in sizes:
        worse, equiv, mde = 0, 0, []
        for _ in range(reps):
            y, preds = holdout(rng, size, 3 * tol)
            rows, scores, chosen = table(y, preds, int(rng.integers(1 << 31)))
            worse += chosen == "cand00"
            equiv += chosen == "cand01"
            j = scores.judge(tuple(r.name for r in rows))
            mde.append(j.detectable(j.best, 0, power=0.95) / j.point[j.best])
        can = np.median(mde) <= 2 * tol
        print(f"Simulation 2: {size:,} holdout rows; the cheapest candidate is truly worse by 3x the tolerance "
              f"(RMSE +{3 * tol:.0%}), 15 equally good ones 4x dearer each; {reps} runs")
        print(f"  smallest shortfall shown beyond the tolerance 95% of the time: tolerance + {np.median(mde):.1%} "
              f"of the best (median); the gap is tolerance + {2 * tol:.0%}: detectable = {'yes' if can else 'no'}")
        goal = "goal <= 5%" if can else "(no goal: the holdout cannot show the gap)"
        print(f"  truly worse candidate chosen:          {worse / reps:6.1%}   {goal}")
        print(f"  cheapest truly equivalent chosen:      {equiv / reps:6.1%}   goal >= 80%")
    print(f"({time.perf_counter() - t0:.0f}s on this machine; timings are noisy, the rates are seeded)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 2357,
         (2357, 10_000))
