"""Locate the bundled SQL files and read their metadata headers.

A SQL file starts with ``-- key: value`` comment lines (``name``, ``task``,
``params``, ``summary``); the first line that is not such a comment ends the
header. Indented comment lines continue the previous value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bakeoff.core.errors import ConfigError

_HEADER = re.compile(r"^--\s*([a-z_]+)\s*:\s*(.*)$")


@dataclass(frozen=True)
class SqlFile:
    """A SQL file: its text and its parsed header."""

    path: Path
    text: str
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The ``name`` header, or the file stem."""
        return self.meta.get("name", self.path.stem)

    @property
    def tasks(self) -> tuple[str, ...]:
        """The tasks the file declares in its ``task`` header (empty: any)."""
        raw = self.meta.get("task", "")
        return tuple(t.strip() for t in raw.split(",") if t.strip())

    @property
    def params(self) -> dict[str, str]:
        """Default parameters from the ``params`` header (``a=1, b=x``)."""
        out: dict[str, str] = {}
        for part in self.meta.get("params", "").split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                out[k.strip()] = v.strip()
        return out


def sql_root() -> Path:
    """The folder holding the bundled ``features/`` and ``rules/`` SQL files."""
    return Path(str(resources.files("bakeoff") / "sql"))


def read_sql(path: str | Path) -> SqlFile:
    """Read a SQL file and its header; relative paths resolve against the bundled folder.

    Raises:
        ConfigError: If the file does not exist.
    """
    p = Path(path)
    if not p.is_absolute() and not p.is_file():
        rel = p.parts[1:] if p.parts and p.parts[0] == "sql" else p.parts
        p = sql_root().joinpath(*rel)
    if not p.is_file():
        raise ConfigError(f"SQL file '{path}' does not exist.")
    text = p.read_text(encoding="utf-8")
    return SqlFile(path=p, text=text, meta=_parse_header(text))


def _parse_header(text: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        match = _HEADER.match(stripped)
        if match and not line.startswith("--  "):
            last = match.group(1)
            meta[last] = match.group(2).split("  (")[0].strip()
        elif last:
            meta[last] += " " + stripped.lstrip("-").strip()
    return meta
