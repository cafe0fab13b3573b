"""Ctrl-C through the Python API: a documented outcome carrying the partial result, never a bare KeyboardInterrupt."""

from __future__ import annotations

import json

import pytest

from bakeoff import run
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.errors import BakeoffError, Interrupted
from bakeoff.core.records import Status

RAW = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign", "key": "row_id"},
       "score": {"bootstrap": 0}, "ladder": {"include": ["mean", "glm", "decision_tree"]},
       "executor": {"engine": "inline"}}


def test_ctrl_c_after_the_first_candidate_raises_interrupted_with_the_partial_result(tmp_path):
    def progress(event: str, row: object) -> None:
        if event == "done":
            raise KeyboardInterrupt  # what Ctrl-C does while the first candidate's row is reported

    with pytest.raises(Interrupted) as caught:
        run(experiment_from_dict(RAW), out=tmp_path / "out", progress=progress, history=tmp_path / "h.duckdb",
            checkpoint_dir=tmp_path / "ckpt")
    exc = caught.value
    assert isinstance(exc, BakeoffError) and "--resume" in str(exc)
    statuses = {r.name: r.status for r in exc.result.rows}
    assert statuses["mean"] is Status.OK
    assert statuses["glm"] is Status.SKIPPED and statuses["decision_tree"] is Status.SKIPPED
    assert exc.out_dir == tmp_path / "out" and exc.result.out_dir == exc.out_dir
    written = json.loads((exc.out_dir / "results.json").read_text())
    assert [c["message"] for c in written["candidates"]][1:] == ["interrupted (Ctrl-C)"] * 2
    assert not (tmp_path / "h.duckdb").exists()  # a partial run is not history


@pytest.mark.parametrize("debug", [False, True])
def test_internal_error_keeps_its_traceback(tmp_path, monkeypatch, capsys, debug):
    from bakeoff import cli

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.setattr("sys.argv", ["bakeoff", "history", *(["--debug"] if debug else [])])
    with pytest.raises(SystemExit) as code:
        cli.main()
    err = capsys.readouterr().err
    assert code.value.code == 1
    assert "internal error: RuntimeError: boom (traceback in runs/internal-error.txt; --debug prints it)" in err
    assert ("Traceback (most recent call last)" in err) is debug
    kept = (tmp_path / "runs" / "internal-error.txt").read_text()
    assert kept.startswith("Traceback") and 'raise RuntimeError("boom")' in kept
