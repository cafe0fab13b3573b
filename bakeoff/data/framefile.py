"""The candidate frame on disk, written once and memory-mapped by every worker.

The train and holdout parts go into uncompressed Arrow IPC files; a worker maps them,
so their pages live once in the OS page cache whichever number of workers read them,
and numeric columns without missing values become pandas columns without a copy.
Floating-point NaN is stored as a value (not as an Arrow null), which keeps the
zero-copy path for feature columns with gaps. The small rest of the frame (problem,
feature names, training times) is pickled beside them.

The files live in a work folder per run (:func:`work_folder`), removed when the run ends. A run
killed outright (``kill -9``, the machine's OOM killer) cannot remove its own, so each new run
first removes the folders whose owner process on this machine is gone: at scale they hold
gigabytes of frame files.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import socket
import tempfile
from pathlib import Path

import pandas as pd

from bakeoff.data.frame import Frame

PARTS = ("train", "holdout")
INDEX = "__index__"
PREFIX = "bakeoff-"
OWNER = "owner"


def work_folder(root: Path | None = None) -> Path:
    """A new work folder under ``root`` (default: the temp directory), after removing dead runs' folders."""
    root = Path(tempfile.gettempdir()) if root is None else root
    remove_orphans(root)
    path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    (path / OWNER).write_text(f"{socket.gethostname()} {os.getpid()}")
    return path


def remove_orphans(root: Path) -> list[Path]:
    """Remove the work folders under ``root`` whose owner process on this host has exited; return them.

    A folder without an owner file (another tool's, or one being created) or owned by another host
    is left alone.
    """
    removed = []
    for folder in root.glob(PREFIX + "*"):
        try:
            host, pid = (folder / OWNER).read_text().split()
            owner = int(pid)
        except (OSError, ValueError):
            continue
        if host == socket.gethostname() and not _alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def write_frame(frame: Frame, folder: Path) -> Path:
    """Write ``frame`` into ``folder`` (created) and return it."""
    import pyarrow as pa

    folder.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        df = getattr(frame, part)
        arrays = [_array(pd.Series(df.index, name=INDEX)), *(_array(df[c]) for c in df.columns)]
        table = pa.Table.from_arrays(arrays, names=[INDEX, *map(str, df.columns)])
        with pa.OSFile(str(folder / f"{part}.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
    rest = dataclasses.replace(frame, train=frame.train.iloc[:0], holdout=frame.holdout.iloc[:0])
    (folder / "rest.pkl").write_bytes(pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL))
    return folder


def _array(series: pd.Series):  # noqa: ANN202 - a pyarrow Array (pyarrow is imported lazily)
    import pyarrow as pa

    if series.dtype.kind in "fiub":
        return pa.array(series.to_numpy(), from_pandas=False)  # NaN stays a float value: zero-copy back
    return pa.Array.from_pandas(series)


def read_frame(folder: Path) -> Frame:
    """The frame written by :func:`write_frame`, its parts memory-mapped."""
    import pyarrow as pa

    rest: Frame = pickle.loads((folder / "rest.pkl").read_bytes())
    parts = {}
    for part in PARTS:
        template = getattr(rest, part)
        with pa.memory_map(str(folder / f"{part}.arrow")) as source:
            table = pa.ipc.open_file(source).read_all()
        df = table.to_pandas(split_blocks=True, self_destruct=False)
        df = df.set_index(INDEX)
        df.index.name = template.index.name
        parts[part] = df.astype(template.dtypes.to_dict()) if len(template.columns) else df
    return dataclasses.replace(rest, **parts)
