"""Parse human durations such as ``"90s"``, ``"5m"``, ``"1h30m"``, ``"39w"``, ``"90d"``."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")


def parse_duration(text: str | int | float) -> float:
    """Return the duration in seconds.

    Args:
        text: A string of number+unit parts (``"1h30m"``), or a bare number of seconds.

    Raises:
        ValueError: If the text is not a positive duration.
    """
    if isinstance(text, bool):
        raise ValueError("a duration, not a boolean")
    if isinstance(text, int | float):
        seconds = float(text)
    elif not isinstance(text, str):
        raise ValueError(f"expected a string like \"90s\", got {type(text).__name__}")
    else:
        raw = text.strip().lower().replace(" ", "")
        if not raw or _PART.sub("", raw):
            raise ValueError(f"cannot read {text!r}")
        seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(raw))
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError(f"{text!r} is not positive")
    return seconds


def format_seconds(seconds: float) -> str:
    """Format seconds compactly for tables: ``0.012s``, ``4.2s``, ``3m05s``."""
    if seconds < 1:
        return f"{seconds:.3f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"
