"""A fitted candidate as data: the model file that loads without running code.

A built-in candidate says what it learned in :meth:`to_state` (numbers, names and texts as JSON, and
binary parts in their library's own code-free format, such as XGBoost's UBJSON) and is rebuilt from it by
``from_state``. The file is a zip holding ``bakeoff-model.json`` (format, class, state, part names) and
the parts under ``parts/``. Loading it imports only a class on :func:`allowed` (the built-in ladder and the
champion wrapper), named in the file as ``module:Class``; any other name is refused before anything is
imported, so a file that was replaced or altered cannot make the loader run code of its choosing. A
candidate without ``to_state`` (a user's class) is still written as a pickle (:mod:`bakeoff.candidates.modelfile`).
"""

from __future__ import annotations

import importlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from bakeoff.core.errors import BakeoffError
from bakeoff.core.jsonable import plain

FORMAT = "bakeoff-model/1"
CHAMPION = "bakeoff.candidates.champion:Champion"  # the wrapper around last sprint's model
HEAD = "bakeoff-model.json"
ZIP_MAGIC = b"PK\x03\x04"


class ModelFileError(BakeoffError):
    """A model file that cannot be trusted or read (refused before anything in it runs)."""


@dataclass(frozen=True)
class State:
    """What a fitted candidate learned: JSON values, and binary parts in code-free formats."""

    values: dict[str, Any]
    parts: dict[str, bytes] = field(default_factory=dict)


def allowed() -> frozenset[str]:
    """The classes a model file may name: every built-in candidate, and the champion that wraps one."""
    from bakeoff.candidates.registry import LADDER

    return frozenset({target for target, _ in LADDER.values()} | {CHAMPION})


def state_of(cand: Any) -> State | None:
    """``cand.to_state()``, or None when its class has no safe format (or it cannot give one)."""
    to_state = getattr(cand, "to_state", None)
    return to_state() if callable(to_state) else None


def dump(cand: Any, state: State) -> bytes:
    """The model file of ``cand``, whose :func:`state_of` is ``state``."""
    target = f"{type(cand).__module__}:{type(cand).__qualname__}"
    head = {"format": FORMAT, "class": target, "state": plain(state.values), "parts": sorted(state.parts)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HEAD, json.dumps(head, sort_keys=True))
        for name, data in sorted(state.parts.items()):
            archive.writestr(f"parts/{name}", data)
    return out.getvalue()


def is_state_file(data: bytes) -> bool:
    """True when ``data`` is a model file in this format (a zip), not a pickle."""
    return data[:4] == ZIP_MAGIC


def load(data: bytes) -> Any:
    """The candidate in a model file, rebuilt by its class's ``from_state``; refused unless the class is allowed.

    Raises:
        ModelFileError: Not this format, a class that is not a built-in candidate, or a damaged file.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            head = json.loads(archive.read(HEAD))
            target = head.get("class") if isinstance(head, dict) else None
            if head.get("format") != FORMAT or not isinstance(target, str):
                raise ModelFileError(f"not a {FORMAT} model file")
            if target not in allowed():
                raise ModelFileError(f"the model file names '{target}', which is not a built-in candidate; "
                                     "refusing to load it")
            parts = {name: archive.read(f"parts/{name}") for name in head.get("parts", [])}
    except (zipfile.BadZipFile, KeyError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"the model file is damaged ({type(exc).__name__}: {exc})") from None
    module, name = target.split(":")
    cls = getattr(importlib.import_module(module), name)
    return cls.from_state(State(head.get("state") or {}, parts))
