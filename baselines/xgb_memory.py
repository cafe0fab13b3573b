"""What ``xgboost_tuned`` remembers between runs: a settled search is replayed on the same data, and its best
settings are tried early on new data.

A re-run of the same sprint (the demo, a notebook run again, CI) would re-tune the same trials to the same best
loss. A search that ended on its own (``stopped_by`` is ``settled`` or ``max_trials``: the same on every machine
that reaches it) is kept as a **study**: its trial history, its best trial, the refit model in XGBoost's own
UBJSON format (no pickle) and the seconds the whole fit took. It is replayed only when everything that sets its
outcome is the same: the candidate's settings (search, settle rule, fixed hyperparameters, the objective and
threads of its base keywords), the search's own source code (with the design matrix and the metrics), the data
(a digest of the design matrix, target and folds), the seed, the trials run at once, the versions of XGBoost,
Optuna, NumPy and scikit-learn, and the machine (its seconds are billed again); and only when this run's box
is at least as long as the search took (a shorter box would have cut it). A search the box cut is not kept: a
longer box would have gone on. A study that cannot be read or loaded is searched again.

A replayed fit is **billed what it cost when it ran** (:meth:`bakeoff.candidates.contract.Capabilities.
billed_fit`): in production each retrain tunes again, so the table's costs, flags and choice do not move
because a cache was warm. On **new data** (any other digest, same settings) the previous sprint's best
settings (of a search on the same target and feature columns) are enqueued right after the library default and
the two starting points (a warm start): the search
still runs and settles on the new data, and the row says it started warm. Same seed and same cache state give
the same trials.

Folder: ``studies/`` under :func:`bakeoff.core.defaults.cache_root`; one JSON entry and one model file per study,
written atomically, and one ``latest`` entry per candidate setting for the warm start. ``remember = false`` on
the candidate turns both off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import pickle
import platform
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bakeoff.core.defaults import cache_root
from bakeoff.core.jsonable import plain

LIBRARIES = ("xgboost", "optuna", "numpy", "scikit-learn")
SETTINGS = ("max_trials", "folds", "metric", "trial_timeout", "settle", "settle_gain", "settle_noise", "patience",
            "max_rounds")
KEPT = ("settled", "max_trials")  # searches that ended on their own; a box-cut one depends on the machine


@dataclass(frozen=True)
class Memory:
    """Where one search's study and its setting's latest best live."""

    folder: Path
    study: str  # everything that sets the outcome
    setting: str  # the same without the data: the previous sprint's best, for a warm start

    @classmethod
    def of(cls, search: Any, lineage: dict[str, Any]) -> Memory:
        """The memory of ``search`` (a :class:`baselines.xgb_search.Search`, before it runs).

        ``lineage`` names the table the search tunes for (target and feature columns): the previous sprint's
        best settings are offered only to a search on the same table, never to another experiment's.
        """
        cand = search.cand
        setting = {"class": f"{type(cand).__module__}:{type(cand).__qualname__}",
                   "settings": {k: getattr(cand, k, None) for k in SETTINGS}, "params": cand.params,
                   "base": {k: v for k, v in search.base_kw.items() if k != "random_state"},
                   "task": search.task, "metric": search.metric, "seed": search.seed, "workers": search.workers,
                   "lineage": lineage, "code": _code_digest(), "versions": _versions(), "machine": _machine()}
        data = hashlib.blake2b(digest_size=20)
        for part in (search.X, search.y, *[idx for fold in search.folds for idx in fold]):
            data.update(_array_bytes(part))
        text = json.dumps(plain(setting), sort_keys=True, default=str)
        setting_key = hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
        study_key = hashlib.blake2b((setting_key + data.hexdigest()).encode(), digest_size=20).hexdigest()
        return cls(cache_root() / "studies", study_key, setting_key)

    def recall(self) -> dict[str, Any] | None:
        """The study of this very search, or None (absent, unreadable, or without its model file)."""
        entry = _read(self.folder / f"{self.study}.json")
        try:
            return {**entry, "model": (self.folder / f"{self.study}.ubj").read_bytes()} if entry else None
        except OSError:
            return None

    def previous_best(self) -> dict[str, Any] | None:
        """The best searched settings of the latest study with the same setting on other data, or None."""
        entry = _read(self.folder / f"{self.setting}.latest.json")
        if entry is None or entry.get("study") == self.study or not entry.get("params"):
            return None
        return entry

    def remember(self, entry: dict[str, Any], model: bytes, params: dict[str, Any]) -> None:
        """Keep a study (its entry and model) and note its best settings as the setting's latest.

        A cache that cannot be written (a read-only home, a full disk) is simply not used: the search
        already ran, and the row is the same without it.
        """
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        latest = {"study": self.study, "created": created, "params": params}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write(self.folder / f"{self.study}.ubj", model)
            _write(self.folder / f"{self.study}.json", json.dumps(plain({**entry, "created": created})).encode())
            _write(self.folder / f"{self.setting}.latest.json", json.dumps(plain(latest)).encode())
        except OSError:
            return


def _array_bytes(array: Any) -> bytes:
    values = np.asarray(array)
    if values.dtype == object:
        return pickle.dumps(values.tolist(), protocol=4)
    return np.ascontiguousarray(values).tobytes() + str(values.dtype).encode() + str(values.shape).encode()


def _code_digest() -> str:
    """The source of the search, its design matrix and its scores: a change to how it runs is a new study."""
    from bakeoff.candidates import metrics

    here = Path(__file__).parent
    files = [here / name for name in ("xgb.py", "xgb_cv.py", "xgb_search.py", "xgb_memory.py", "_features.py")]
    text = b"".join(path.read_bytes() for path in [*files, Path(metrics.__file__)])
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def _machine() -> dict[str, Any]:
    """The machine a study's seconds were measured on (a replay bills them): host, cores, processor."""
    return {"host": socket.gethostname(), "cores": os.cpu_count(), "processor": platform.processor(),
            "machine": platform.machine()}


def _versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = ""
    return out


def _read(path: Path) -> dict[str, Any] | None:
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a reader never sees half a file)."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
