"""MLflow tracking (optional extra ``bakeoff[mlflow]``): one parent run per bake-off, one nested run per candidate.

``[track] mlflow = "<tracking uri>"`` (``sqlite:///mlflow.db``, ``http://host:5000``, ...) turns it on.
The parent run carries the experiment's settings, the chosen candidate and the report,
``results.json`` and ``tradeoff.csv`` as artifacts; each nested run carries a candidate's
metrics, interval, timings, cost, status and its pickled model or rule SQL. ``mlflow`` is
imported only here and only when tracking is on.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TrackSection(BaseModel):
    """``[track]``: where runs are logged (nothing by default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mlflow: str | None = None
    experiment: str | None = None
