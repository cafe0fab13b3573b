"""The one renderer of rule SQL: ``{placeholder}`` filling and the one ``quote()`` of identifiers.

A rule file's text is filled in two places: the run (every placeholder: the problem's names and the
rule's parameters) and the export (the problem's names, into the text the run recorded with its
parameters filled in). Both fill through :func:`fill`, with the same :func:`problem_values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def quote(name: str) -> str:
    """A DuckDB-quoted identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def problem_values(target: str, key: str, horizon_weeks: float | None) -> dict[str, str]:
    """What the problem puts in a rule: ``{target}``, ``{key}`` (quoted), ``{target_name}``, ``{horizon_weeks}``."""
    return {"target": quote(target), "key": quote(key), "target_name": target,
            "horizon_weeks": f"{horizon_weeks or 0:.6g}"}


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: Mapping[str, Any], *, keep_unknown: bool = False) -> str:
    """``text`` with every ``{name}`` in ``values`` filled in.

    Args:
        text: Rule SQL with ``{name}`` placeholders (``{{`` and ``}}`` for literal braces).
        values: Placeholder values, already quoted where they are identifiers.
        keep_unknown: Leave placeholders that ``values`` lacks as they are (a partial fill).

    Raises:
        KeyError: Naming the first placeholder ``values`` lacks (unless ``keep_unknown``).
        ValueError, IndexError: On a malformed placeholder.
    """
    return text.format_map(_KeepUnknown(values) if keep_unknown else dict(values))
