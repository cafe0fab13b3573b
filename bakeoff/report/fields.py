"""Read a candidate's fields whether it is a :class:`~bakeoff.core.records.Row` or a plain mapping (cheap to import)."""

from __future__ import annotations

from typing import Any


def val(obj: Any, name: str) -> Any:
    """A field of a row (or of its cost), whether it is a mapping or a dataclass.

    None when ``obj`` is None or a mapping lacks the key; a :class:`~bakeoff.core.records.Row` or
    :class:`~bakeoff.core.records.Cost` without the field raises ``AttributeError`` (a typo fails loudly).
    """
    if obj is None:
        return None
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name)
