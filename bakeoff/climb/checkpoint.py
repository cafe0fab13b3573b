"""Crash-safe runs: every finished candidate is persisted the moment it completes.

A checkpoint folder (``runs/<name>/.checkpoint-<key>/``) holds one JSON file per
finished candidate and its predictions as ``.npy``; each file is written to a
temporary name and renamed, so a ``kill -9`` never leaves a half-written entry.
``bakeoff run --resume`` reuses the entries whose key matches (same config text,
seed and data) and runs the rest; a completed run removes its checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from bakeoff.config.experiment import Experiment
from bakeoff.core.defaults import RUNS
from bakeoff.core.records import Blobs, Finished, Row, Status


def run_key(exp: Experiment, data_hash: str) -> str:
    """What must match for a resume: the experiment (timebox aside), its seed and the data."""
    text = exp.fingerprint(ignore=("timebox",)) + data_hash
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Checkpoint:
    """One run's persisted rows."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def for_run(cls, exp: Experiment, key: str, base: Path | None = None) -> Checkpoint:
        """The checkpoint folder of this experiment and key."""
        return cls((base or RUNS / exp.name) / f".checkpoint-{key}")

    def save(self, finished: Finished) -> None:
        """Persist one finished candidate, its row and its blobs (each file atomically; the row last)."""
        self.root.mkdir(parents=True, exist_ok=True)
        row, blobs = finished.row, finished.blobs
        name = _safe(row.name)
        if blobs.model:
            model = blobs.model
            _atomic(self.root / f"{name}.pkl", lambda p: p.write_bytes(model))
        if blobs.predictions is not None:
            predictions = np.asarray(blobs.predictions)
            _atomic(self.root / f"{name}.npy", lambda p: np.save(p, predictions))
        if blobs.validation is not None:
            validation = json.dumps(blobs.validation)
            _atomic(self.root / f"{name}.validation.json", lambda p: p.write_text(validation))
        data = json.dumps(row.to_record(), default=str)
        _atomic(self.root / f"{name}.json", lambda p: p.write_text(data))

    def load(self) -> dict[str, Finished]:
        """Finished candidates by name (entries missing their predictions, or unreadable, are ignored)."""
        done: dict[str, Finished] = {}
        if not self.root.is_dir():
            return done
        for path in sorted(self.root.glob("*.json")):
            if path.name.endswith(".validation.json"):
                continue
            try:
                record = json.loads(path.read_text())
                legacy_validation = record.pop("validation", None)  # a row field before blobs left the row
                row = Row.from_record(record)
            except (OSError, ValueError, TypeError):  # torn, or written by another version of the row
                continue
            blobs = Blobs()
            if row.status is Status.OK:
                npy, pkl = path.with_suffix(".npy"), path.with_suffix(".pkl")
                val = path.with_name(f"{path.stem}.validation.json")
                if not npy.is_file():
                    continue
                blobs = Blobs(np.load(npy), pkl.read_bytes() if pkl.is_file() else None,
                              json.loads(val.read_text()) if val.is_file() else legacy_validation)
            done[row.name] = Finished(row, blobs)
        return done

    def clear(self) -> None:
        """Remove the checkpoint after a completed run."""
        shutil.rmtree(self.root, ignore_errors=True)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}{path.suffix}")
    write(tmp)
    os.replace(tmp, path)
