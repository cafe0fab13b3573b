"""The one-line messages of config errors: where, what was expected, what was found, did you mean."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from bakeoff.core.errors import did_you_mean

RETIRED = {("timebox", "trial"): " It was never read: a tuned candidate's per-trial box is its own key, e.g. "
                                 "trial_timeout = 20 (seconds) in its [[candidate]] table."}


def first_error(exc: ValidationError, root: type[BaseModel]) -> str:
    """One line for the first validation error: the field, what was expected and what was found.

    Args:
        exc: The pydantic error.
        root: The experiment model, to name the sections and keys a misspelled one could mean.
    """
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    if err["type"] == "extra_forbidden":
        return _unknown_key(loc, root)
    if err["type"] == "missing":
        return f"{_where(loc[:-1])} is missing the required field '{loc[-1]}'."
    msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if str(err["type"]).startswith(("date_", "datetime_")):
        msg = 'must be a date written YYYY-MM-DD, e.g. "2024-06-30"'
    if err["type"] == "string_pattern_mismatch" and loc[-1:] == ["date_format"]:
        msg = 'must be a strptime format such as "%d/%m/%Y" or "%m/%d/%Y"'
    got = err.get("input")
    field = _where(loc)
    if isinstance(got, dict) or not loc or loc[-1].isdigit() and len(loc) == 1:
        return f"{field}: {msg}."
    return f"The '{loc[-1]}' field of {_where(loc[:-1])} {_as_clause(msg)}. Got {got!r} instead."


def _as_clause(msg: str) -> str:
    low = msg[0].lower() + msg[1:] if msg else msg
    low = low.replace("input should be", "must be", 1)
    return low if low.startswith(("must", "needs")) else f"must be valid: {low}"


def _unknown_key(loc: list[str], root: type[BaseModel]) -> str:
    parent = loc[:-1]
    if not parent:
        known = [f for f in root.model_fields if f != "path"]
        return f"Unknown section [{loc[-1]}].{did_you_mean(loc[-1], known)}"
    model: Any = root
    for part in parent:
        if part.isdigit():
            continue
        model = _field_model(model, part)
    known = list(model.model_fields) if model is not None else []
    hint = RETIRED.get((parent[0], loc[-1]), "") if len(parent) == 1 else ""
    return f"Unknown key '{loc[-1]}' in {_where(parent)}.{hint or did_you_mean(loc[-1], known)}"


def _field_model(model: Any, field: str) -> Any:
    info = model.model_fields.get(field) if model is not None else None
    if info is None:
        return None
    ann = info.annotation
    for candidate in (ann, *getattr(ann, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _where(loc: list[str]) -> str:
    if not loc:
        return "the file"
    head, rest = loc[0], [p for p in loc[1:]]
    if head == "candidate" and rest and rest[0].isdigit():
        label = f"[[candidate]] #{int(rest[0]) + 1}"
        rest = rest[1:]
    else:
        label = f"[{head}]"
    return label + "".join(f".{p}" for p in rest)
