"""The one renderer of rule SQL: ``{placeholder}`` filling and the one ``quote()`` of identifiers.

A rule file's text is a template (``str.format`` syntax: ``{name}``, ``{{`` for a literal brace). The
run renders it with :func:`fill` (every placeholder: the problem's names and the rule's parameters);
the report records it rendered with the parameters only (``fill(..., keep_unknown=True)``), and the
export puts the problem's names into that recorded text with :func:`substitute`, which touches
nothing else (the text is no longer a template: its braces are literal). Both use the same
:func:`problem_values`.
"""

from __future__ import annotations

import re
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


PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Already rendered ``text`` with ``{name}`` replaced for the names in ``values`` only (other braces kept)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders left in ``text``, sorted."""
    return sorted(set(PLACEHOLDER.findall(text)))


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
