"""The public surface: :func:`run`, :func:`validate` and :func:`prepare`.

The command line (:mod:`bakeoff.cli`) and notebooks call the same three functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bakeoff.runner import prepare, run

if TYPE_CHECKING:
    from bakeoff.config import Experiment
    from bakeoff.frame import Frame
    from bakeoff.registry import Spec

__all__ = ["Validation", "prepare", "run", "validate"]


@dataclass(frozen=True)
class Validation:
    """What :func:`validate` found: the experiment, its frame and its ladder, and a one-paragraph summary."""

    experiment: Experiment
    frame: Frame
    ladder: tuple[Spec, ...]
    origin: str

    @property
    def summary(self) -> str:
        """The line ``bakeoff validate`` prints, plus the training/holdout dates when the split is by time."""
        frame = self.frame
        text = (f"OK — {frame.problem.kind} problem, target '{frame.problem.target}', {len(frame.train):,} training /"
                f" {len(frame.holdout):,} holdout rows, {len(frame.features)} features, {len(self.ladder)} candidates.")
        return f"{text}\n{frame.problem.dates}" if frame.problem.dates else text


def validate(config: str | Path | Experiment) -> Validation:
    """Check a config and its data and run nothing.

    Args:
        config: an experiment TOML path or a loaded :class:`~bakeoff.config.Experiment`.

    Returns:
        The loaded experiment, its frame and its resolved ladder.

    Raises:
        BakeoffError: a :class:`~bakeoff.errors.ConfigError` or :class:`~bakeoff.errors.DataError` naming the
            file, field or column at fault.
    """
    from bakeoff.config import Experiment, load_experiment
    from bakeoff.guards import check_sql_rules
    from bakeoff.registry import resolve_ladder
    from bakeoff.track import require_mlflow

    exp = config if isinstance(config, Experiment) else load_experiment(config)
    require_mlflow(exp.track)
    specs = resolve_ladder(exp)  # candidate parameters first: no data needed
    frame, origin = prepare(exp)
    check_sql_rules(specs, frame)
    return Validation(experiment=exp, frame=frame, ladder=tuple(specs), origin=origin)
