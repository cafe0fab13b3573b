"""Data checks and drift."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ChecksSection(BaseModel):
    """``[checks]``: expectations that refuse a run, and drift thresholds that flag features."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_rows: int | None = Field(None, ge=1)
    max_null_rate: float | dict[str, float] | None = None
    ranges: dict[str, tuple[float | None, float | None]] = {}
    psi: float = Field(0.2, gt=0)
    drift: bool = True
