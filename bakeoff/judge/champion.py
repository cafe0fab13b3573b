"""Does any challenger beat last sprint's champion? Judged like the table judges any pair."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bakeoff.candidates.champion import NAMES

if TYPE_CHECKING:
    from bakeoff.core.records import Row
    from bakeoff.judge.scoring import Scores


def verdict(rows: list[Row], scores: Scores) -> dict[str, Any] | None:
    """Does any challenger beat the champion (not retrained)? Judged like the table judges any pair."""
    champ = next((r for r in rows if r.name == NAMES[0] and r.ok), None)
    if champ is None:
        return None
    ok = [r.name for r in rows if r.ok]
    challengers = [n for n in ok if n not in NAMES]
    m = scores.primary
    better = [n for n in challengers if shown_better(scores, ok, n, champ.name)]
    label = f"{m.label} ({'higher' if m.higher_is_better else 'lower'} is better)"
    if better:
        best = max(better, key=lambda n: scores.metrics[n][m.name] * (1 if m.higher_is_better else -1))
        text = (f"Challengers beat the champion ({champ.params.get('candidate') if champ.params else ''}, not "
                f"retrained) on {label}: {', '.join(better)}; the evidence standard of the table "
                f"({scores.confidence:.0%} simultaneous paired bootstrap) says so. Best of them: {best}.")
    else:
        text = (f"No challenger beats the champion ({champ.params.get('candidate') if champ.params else ''}, not "
                f"retrained) on {label} with the table's evidence standard ({scores.confidence:.0%} simultaneous "
                "paired bootstrap): keeping it is defensible.")
    return {"champion": champ.name, "beaten_by": better, "sentence": text}


def shown_better(scores: Scores, family: list[str], first: str, second: str) -> bool:
    """The table's evidence says ``a`` is better than ``b`` (within the table's family of candidates)."""
    j = scores.judge(tuple(family))
    return bool(j.shown_better(j.index(first), j.index(second)))
