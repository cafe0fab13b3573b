"""Cost-probe results kept between runs, so a re-run on the same data does not time the same thing again.

The cost probes (:mod:`bakeoff.cost.probe`) time each candidate's fit and predict at several sizes.
On a small problem they take most of a run's wall time (about a second per candidate against
tens of milliseconds of fitting), and a re-run of the same experiment on the same data (the
sprint demo, a notebook run again, CI) would measure exactly the same thing again.

An entry is reused only when everything that sets the measured seconds is the same: the
candidate (its ``module:Class``, its parameters, the source of its module and the modules beside
it, and of any ``.sql`` file a parameter names), the data (a digest of the frame files the
worker reads, which hold every training and holdout row), the threads it was allowed, its seed,
the library versions, the source of bakeoff's own modules, and the machine (host name, CPU
model, core count). New data each sprint means new probes. A box-filling tuner is never cached:
its model depends on how many trials its box allowed, not only on its data and seed. An entry
older than :data:`MAX_AGE_DAYS` is measured again: a machine's load and its neighbours change.
The cache is off on the Ray engine, whose probes run on other machines than the key would name.

Folder: ``$BAKEOFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/bakeoff``, else ``~/.cache/bakeoff``;
``[cost] probe_cache = false`` turns the cache off. One small JSON file per entry, written
atomically, so workers running side by side never see half an entry.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import json
import os
import platform
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bakeoff.core.defaults import cache_root
from bakeoff.cost.probe import Probed

MAX_AGE_DAYS = 30
LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "xgboost", "statsmodels", "duckdb", "lifetimes", "optuna",
             "pyarrow")


def folder() -> Path:
    """Where entries live (see the module docstring)."""
    return cache_root() / "probes"


def digest_files(paths: list[Path]) -> str:
    """A digest of the frame files a worker reads (names and bytes), in a stable order."""
    h = hashlib.blake2b(digest_size=20)
    for path in sorted(paths):
        for part in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if part.is_file() and part.name != "owner":
                h.update(part.name.encode())
                with part.open("rb") as fh:
                    h.update(hashlib.file_digest(fh, "blake2b").digest())
    return h.hexdigest()


@functools.cache
def machine_environment() -> dict[str, Any]:
    """What a probe's timings depend on beside the candidate and the data: versions, code, machine."""
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            versions[lib] = None
    code = _folder_digest(Path(__file__).resolve().parents[1])  # the package: the probing code and all it calls
    return {"python": sys.version, "libraries": versions, "probe_code": code, "host": socket.gethostname(),
            "cpu": _cpu_model(), "cores": os.cpu_count(), "machine": platform.machine()}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _folder_digest(folder: Path) -> str:
    """A digest of the Python files in ``folder`` and its subfolders."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(folder.rglob("*.py")):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@functools.cache
def _source_digest(cls: type) -> str:
    """The candidate's module and its siblings (shared helpers of a candidate package)."""
    try:
        return _folder_digest(Path(inspect.getfile(cls)).resolve().parent)
    except (OSError, TypeError):
        return "unknown"


def _sql_texts(params: dict[str, Any]) -> list[str]:
    """The text of every ``.sql`` file a parameter names (a rule edited in its file is probed again)."""
    from bakeoff.core.errors import ConfigError
    from bakeoff.query.files import read_sql

    texts = []
    for value in params.values():
        if isinstance(value, str) and value.endswith(".sql"):
            try:
                texts.append(read_sql(value).text)
            except (ConfigError, OSError):
                texts.append("missing")
    return texts


def key(target: str, params: dict[str, Any], cls: type, data: str, threads: int, seed: int) -> str:
    """The entry's name: a digest of everything that sets the probes' seconds."""
    doc = {"target": target, "params": params, "source": _source_digest(cls), "sql": _sql_texts(params),
           "data": data, "threads": threads, "seed": seed, "environment": machine_environment()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=repr).encode()).hexdigest()


def lookup(name: str, root: Path | None = None) -> Probed | None:
    """The stored probes for ``name``, or None when absent, unreadable or older than :data:`MAX_AGE_DAYS`."""
    path = (root or folder()) / f"{name}.json"
    try:
        doc = json.loads(path.read_text())
        if time.time() - float(doc["created"]) > MAX_AGE_DAYS * 86400:
            return None
        return Probed(doc["predict"], doc["fit"], bool(doc["warehouse"]), bool(doc.get("fit_censored", False)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(name: str, probed: Probed, root: Path | None = None) -> None:
    """Keep ``probed`` under ``name`` (atomically; a cache that cannot be written is simply not used)."""
    root = root or folder()
    doc = {"created": time.time(), "predict": probed.points_predict, "fit": probed.points_fit,
           "fit_censored": probed.fit_censored,
           "warehouse": probed.warehouse}
    tmp = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, default=float)
        os.replace(tmp, root / f"{name}.json")
    except (OSError, TypeError, ValueError):
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
