"""Seeds: every candidate's seed derives from (experiment seed, candidate name); no global RNG anywhere."""

from __future__ import annotations

import hashlib


def derive_seed(experiment_seed: int, name: str) -> int:
    """A candidate's seed: stable in (experiment seed, candidate name), independent of the ladder."""
    digest = hashlib.sha256(f"{experiment_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF
