"""The candidate frame on disk, written once and memory-mapped by every worker.

The train and holdout parts go into uncompressed Arrow IPC files; a worker maps them,
so their pages live once in the OS page cache whichever number of workers read them,
and numeric columns without missing values become pandas columns without a copy.
Floating-point NaN is stored as a value (not as an Arrow null), which keeps the
zero-copy path for feature columns with gaps. The small rest of the frame (problem,
feature names, training times) is pickled beside them.
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pandas as pd

from bakeoff.frame import Frame

PARTS = ("train", "holdout")
INDEX = "__index__"


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


def _array(s: pd.Series):  # noqa: ANN202 - a pyarrow Array (pyarrow is imported lazily)
    import pyarrow as pa

    if s.dtype.kind in "fiub":
        return pa.array(s.to_numpy(), from_pandas=False)  # NaN stays a float value: zero-copy back
    return pa.Array.from_pandas(s)


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
