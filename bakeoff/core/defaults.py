"""Defaults that several layers share, written once (cheap to import: the CLI reads them for --help)."""

from __future__ import annotations

import os
from pathlib import Path

RUNS = Path("runs")
DEFAULT_DB = RUNS / "bakeoff.duckdb"  # the run history every written run is recorded in


def cache_root() -> Path:
    """Where what bakeoff keeps between runs lives: ``$BAKEOFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/bakeoff``, else
    ``~/.cache/bakeoff`` (cost probes in ``probes/``, the tuned rung's searches in ``studies/``)."""
    if os.environ.get("BAKEOFF_CACHE_DIR"):
        return Path(os.environ["BAKEOFF_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bakeoff"
