"""Print the choice on constructed cases and on bundled (or given) experiments, with what a reader would weigh.

For each case: the chosen candidate, the best point estimate, the chosen one's gap to it, both monthly
costs and whether they tie within the cost noise margin, and the rule's reason. Constructed cases
(tests/bakeoff/choice_cases.py) carry the answer the rule must give; experiments are run with
``bakeoff.run`` (nothing written) and their choices do not depend on timing. Usage::

    python benchmarks/choices.py                  # constructed cases + the bundled experiments
    python benchmarks/choices.py --cases-only
    python benchmarks/choices.py my.toml other.toml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ["experiments/cdnow/purchases.toml", "experiments/cdnow/active.toml", "experiments/cdnow/spend.toml",
           "experiments/breast_cancer.toml", "experiments/diabetes.toml"]


def line(name: str, rows: list, chosen: str | None, primary: str, higher: bool, reason: str,
         expected: str = "") -> str:
    """One printed block: chosen vs best on the primary metric, their costs, the start of the reason."""
    from bakeoff.judge.front import DEFAULT_MARGINS

    ok = {r.name: r for r in rows if r.ok}
    best = (max if higher else min)(ok.values(), key=lambda r: r.metrics[primary])
    pick = ok.get(chosen or "")
    if pick is None:
        return f"{name}: nothing chosen — {reason[:160]}"
    gap = abs(best.metrics[primary] - pick.metrics[primary])
    usd_p, usd_b = pick.cost.monthly_usd, best.cost.monthly_usd
    tie = "tie" if not DEFAULT_MARGINS.cheaper(pick, best) and not DEFAULT_MARGINS.cheaper(best, pick) else "differ"
    verdict = "" if not expected else ("  [as expected]" if expected == chosen else f"  [EXPECTED {expected}]")
    return (f"{name}: chose {chosen} ({primary} {pick.metrics[primary]:.4g}); best {best.name} "
            f"({best.metrics[primary]:.4g}); gap {gap:.3g}; ${usd_p:.4g} vs ${usd_b:.4g} a month ({tie}){verdict}\n"
            f"    {reason[:300]}{'…' if len(reason) > 300 else ''}")


def constructed() -> None:
    sys.path.insert(0, str(ROOT))
    from bakeoff.config.experiment import ChooseSection
    from bakeoff.judge.choice import choose
    from tests.bakeoff.choice_cases import cases

    for case in cases():
        rows, scores = case.table()
        got = choose(rows, scores, ChooseSection())
        print(line(case.name, rows, got.name, case.metric, True, got.reason, case.expected))


def experiments(paths: list[str]) -> None:
    from bakeoff import run
    from bakeoff.candidates.metrics import METRICS

    for path in paths:
        res = run(ROOT / path if not Path(path).is_absolute() else path, write=False, history=None,
                  progress=lambda *a: None)
        higher = METRICS[res.primary].higher_is_better
        print(line(Path(path).stem, res.rows, res.chosen, res.primary, higher, res.reason), flush=True)
        if res.value is not None:
            nets = {n: v.net for n, v in res.value.candidates.items()}
            top = max(nets, key=nets.get)
            print(f"    net value a month: chosen {nets.get(res.chosen, float('nan')):,.0f}, best {top} "
                  f"{nets[top]:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", help="experiment files (default: the bundled ones)")
    parser.add_argument("--cases-only", action="store_true")
    args = parser.parse_args()
    constructed()
    if not args.cases_only:
        experiments(args.configs or BUNDLED)


if __name__ == "__main__":
    main()
