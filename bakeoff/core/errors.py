"""The one exception tree of bakeoff.

Every error a user can cause derives from :class:`BakeoffError`; the CLI turns
these into one line on stderr and exit code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class BakeoffError(Exception):
    """Root of every error bakeoff raises on purpose."""


class ConfigError(BakeoffError):
    """The experiment file is malformed or names something that does not exist."""


class DataError(BakeoffError):
    """The data does not fit the problem the experiment describes."""


class CandidateError(BakeoffError):
    """A candidate returned something unusable (wrong length, NaN predictions, ...)."""


class Interrupted(BakeoffError):
    """Ctrl-C stopped the climb: a documented outcome, not a crash.

    Attributes:
        result: The partial :class:`~bakeoff.report.result.Result` (finished candidates scored, the
            others SKIPPED "interrupted (Ctrl-C)"); None when Ctrl-C came before it existed.
        rows: Every candidate's row at the moment of the interrupt.
        blobs: The finished candidates' predictions, models and validation data, by name.
        out_dir: The run folder the partial result was written to (None with ``write=False``).
            ``bakeoff run --resume`` finishes the run from its checkpoint.
    """

    def __init__(self, message: str, rows: list | None = None, result: object = None,
                 out_dir: object = None, blobs: dict | None = None) -> None:
        super().__init__(message)
        self.rows = rows or []
        self.blobs = blobs or {}
        self.result = result
        self.out_dir = out_dir


class NotApplicable(BakeoffError):  # named as a sentence: raise NotApplicable("why")
    """Raised by ``check_applicable``: the candidate does not fit this problem (a SKIPPED row)."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return `` Did you mean 'x'?`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""
