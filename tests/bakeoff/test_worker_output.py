"""What a candidate prints in its worker goes to the row's warnings, never onto the terminal's live display."""

from __future__ import annotations

from pathlib import Path

from bakeoff import run

NOISY = '''
import os
import numpy as np
from bakeoff import Candidate


class Noisy(Candidate):
    family = "custom"
    rung = 2
    tasks = ("binary",)
    kinds = ("binary",)
    summary = "the training share, loudly"

    def fit(self, frame, *, budget, seed):
        print("hello from the candidate", flush=True)
        os.write(2, b"and from C code on stderr\\n")  # what a library's native layer prints
        self.share_ = float(np.mean(frame.y_train))
        return self

    def predict(self, frame):
        return np.full(len(frame.holdout), self.share_)
'''

CONFIG = '''
[experiment]
name = "noisy"
[data]
builtin = "breast_cancer"
[problem]
kind = "binary"
target = "benign"
key = "row_id"
[score]
bootstrap = 20
[ladder]
include = ["mean"]
[[candidate]]
name = "noisy"
class = "noisy:Noisy"
'''


def test_a_candidates_output_is_kept_off_the_terminal_and_reported_on_its_row(tmp_path: Path, capfd) -> None:
    (tmp_path / "noisy.py").write_text(NOISY)
    (tmp_path / "noisy.toml").write_text(CONFIG)
    result = run(tmp_path / "noisy.toml", write=False, progress=False)
    seen = capfd.readouterr()
    assert "hello from the candidate" not in seen.out + seen.err
    assert "from C code" not in seen.out + seen.err
    row = next(r for r in result.rows if r.name == "noisy")
    assert row.ok and row.warnings[-2:] == ["printed: hello from the candidate", "printed: and from C code on stderr"]
