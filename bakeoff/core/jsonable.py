"""The one JSON cleaner: any value bakeoff writes (results.json, checkpoints, history, MLflow) made plain.

numpy is not imported here (the live display imports this layer before the heavy libraries): numpy
values are recognised when numpy is already loaded, which it is wherever they can exist.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import sys
from typing import Any


def plain(value: Any, *, finite: bool = False) -> Any:
    """``value`` as JSON-ready Python: enums to their value, dataclasses and mappings to dicts (string keys),
    sequences and numpy arrays to lists, numpy scalars to Python numbers.

    Args:
        value: What to clean, nested to any depth.
        finite: Also turn NaN and infinities into None (what JSON readers other than Python accept).
    """
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), finite=finite) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): plain(v, finite=finite) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, finite=finite) for v in value]
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray):
        return plain(value.tolist(), finite=finite)
    if numpy is not None and isinstance(value, numpy.generic):
        value = value.item()
    if finite and isinstance(value, float) and not math.isfinite(value):
        return None
    return value
