"""The terminal report: whole columns dropped and named, money never cropped, words never eaten as Rich markup,
and the decision before the statistics."""

from __future__ import annotations

import dataclasses
import re

import pytest
from rich.console import Console

from bakeoff import run
from bakeoff.config.experiment import experiment_from_dict
from bakeoff.core.money import usd_cell
from bakeoff.report.format import headers
from bakeoff.report.headline import decision, evidence
from bakeoff.report.markdown import markdown
from bakeoff.report.terminal import render

RAW = {"experiment": {"name": "bc_terminal"}, "data": {"builtin": "breast_cancer"},
       "problem": {"kind": "binary", "target": "benign", "key": "row_id"}, "score": {"bootstrap": 50},
       "ladder": {"include": ["mean", "sql_quantile_buckets", "glm", "decision_tree", "random_forest"]},
       "value": {"policy": "threshold", "value_per_true_positive": 2000.0, "value_per_false_positive": -100000.0,
                 "population_per_month": 1000},
       "choose": {"rule": "max_net_value"}}
BORDER = "│┃┓┫┩┤┘┐"


@pytest.fixture(scope="module")
def result():
    return run(experiment_from_dict(RAW), write=False, progress=False)


def _text(result, width: int, **options) -> str:
    console = Console(width=width, record=True, force_terminal=False, highlight=False)
    render(result, console, **options)
    return console.export_text()


@pytest.mark.parametrize("width", [80, 100, 120])
def test_the_table_fits_and_says_exactly_which_columns_it_left_out(result, width):
    text = _text(result, width)
    table = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and all(len(line) <= width and line[-1] in BORDER + "━─" for line in table)  # nothing cropped
    shown = {h.strip() for line in table if line.startswith("┃") for h in line.strip("┃").split("┃")}
    left_out = re.search(r"Left out to fit \d+ columns: (.*?) \(all in", " ".join(text.split()))
    dropped = set(left_out.group(1).split(", ")) if left_out else set()
    assert shown | dropped == set(headers(result)) and not shown & dropped
    assert {"candidate", "ROC AUC", "$/month", "net $/mo (CI)"} <= shown  # never dropped
    flat = " ".join(text.split())
    for row in result.rows:  # every money cell is there whole, in the short format
        if row.ok:
            assert usd_cell(row.monthly_usd) in flat


def test_every_sentence_and_note_is_printed_as_written_not_as_markup(result):
    notes = ["Probe figures come from the cache ([cost] probe_cache = false measures them again).",
             "every other candidate at most 120s ([timebox] per_candidate)", "[bold]not markup[/bold]"]
    marked = dataclasses.replace(result, notes=notes, sentences=[*result.sentences, "a [red]literal[/red] word"])
    flat = " ".join(_text(marked, 400).split())
    for note in notes:
        assert note in flat
    for sentence in [decision(marked), evidence(marked)]:
        assert " ".join(sentence.split()) in flat


def test_the_decision_comes_first_in_business_words_and_the_statistics_are_folded(result):
    head = decision(result)
    assert head.startswith(f"Use {result.chosen}.") and "interval" not in head and "e-0" not in head
    assert re.search(r"a month", head) and "×" not in head  # sub-dollar costs: amounts, never a ratio
    assert evidence(result).startswith(f"Evidence on {result.n_holdout:,} holdout rows: glm nets $")
    page = markdown(result)
    assert page.index(head) < page.index(result.reason) < page.index("| rung |")
    assert f"<details><summary>The choice rule in full</summary>\n\n{result.reason}" in page
    quiet = " ".join(_text(result, 120, quiet=True).split())
    assert " ".join(head.split()) in quiet and "Evidence" not in quiet


def test_a_script_sees_plain_progress_lines_by_default_and_nothing_with_progress_false(capfd):
    raw = {**RAW, "ladder": {"include": ["mean", "glm"]}, "value": {}, "choose": {}}
    raw = {k: v for k, v in raw.items() if v}
    run(experiment_from_dict(raw), write=False)
    err = capfd.readouterr().err
    assert re.search(r"\[\s*\d+\.\ds\] climbing 2 candidates", err)
    assert re.search(r"OK rung 0 mean", err) and re.search(r"OK rung 2 glm", err)
    run(experiment_from_dict(raw), write=False, progress=False)
    assert capfd.readouterr() == ("", "")
