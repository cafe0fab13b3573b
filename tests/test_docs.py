"""The documentation is tested: every TOML block validates, every relative link resolves, README stays short.

How a ```toml block is checked (README.md and docs/**/*.md):

* Every block must parse with ``tomllib``.
* A block with a ``[data]`` or ``[problem]`` table is a **whole experiment**: it is written to a temporary
  folder and must pass ``bakeoff.validate`` (which loads its data and builds the frame).
* Any other block is a **fragment** (a section to add to an experiment): its top-level tables replace
  those of a known-good base experiment, ``experiments/breast_cancer.toml`` unless the info string
  names another (```toml base=experiments/cdnow/purchases.toml```), and the result must validate.
* Relative paths in a block (``source``, ``database``, ``split.file``, a ``[[candidate]]`` ``file``) are
  read from the repository root, as if the config file sat there; a base's own paths from its folder,
  which is also importable (``class = "my_models:..."`` next to ``experiments/custom/custom.toml``).
* ```toml requires=spark``` (or ``ray``, ``mlflow``): validated only when that extra is installed,
  skipped with the reason otherwise. Starting Spark takes 20-50 s, so a Spark block runs on Spark only when
  a session is already up (the full suite, after ``tests/bakeoff/test_spark.py``, which checks that both
  engines build identical tables); otherwise its config is loaded as written and its data validated on
  the DuckDB engine.
* ```toml not-an-experiment```: parsed only (a ``pyproject.toml`` snippet); such a block may not
  hold any experiment section, so the marker cannot hide a fragment from validation.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import shutil
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASE = "experiments/breast_cancer.toml"
SECTIONS = {"experiment", "data", "problem", "score", "timebox", "cost", "ladder", "candidate", "choose",
            "executor", "checks", "track", "value"}
EXTRAS = {"spark": "pyspark", "ray": "ray", "mlflow": "mlflow"}
OPTIONS = ("base=", "requires=", "not-an-experiment")
README_MAX_LINES = 150


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int
    info: tuple[str, ...]
    text: str

    @property
    def where(self) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{path}:{self.line}"


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def fenced_blocks(path: Path, text: str | None = None) -> list[Block]:
    """The ``` blocks of a Markdown text, with their info string split into words."""
    lines = (path.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks, start, info, body = [], 0, (), []
    for number, line in enumerate(lines, 1):
        fence = re.match(r"^ {0,3}```(.*)$", line)
        if start and fence and not fence.group(1).strip():
            blocks.append(Block(path, start, info, "\n".join(body) + "\n"))
            start = 0
        elif start:
            body.append(line)
        elif fence:
            start, info, body = number, tuple(fence.group(1).split()), []
    assert not start, f"{path}:{start}: a code block is never closed"
    return blocks


def toml_blocks() -> list[Block]:
    return [b for p in markdown_files() for b in fenced_blocks(p) if b.info[:1] == ("toml",)]


def options(block: Block) -> dict[str, str]:
    """The words after ``toml`` in the info string, checked against the known ones."""
    out = {}
    for word in block.info[1:]:
        assert word.startswith(OPTIONS), f"{block.where}: unknown option '{word}' after ```toml; expected {OPTIONS}"
        key, _, value = word.partition("=")
        out[key] = value
    return out


def toml_text(doc: dict[str, Any]) -> str:
    """A TOML document for a parsed experiment: tables, [[candidate]] arrays, inline tables for the rest."""
    out: list[str] = []
    for name, value in doc.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                out += ["", f"[[{_key(name)}]]", *(f"{_key(k)} = {_value(v)}" for k, v in item.items())]
        elif isinstance(value, dict):
            out += ["", f"[{_key(name)}]", *(f"{_key(k)} = {_value(v)}" for k, v in value.items())]
        else:
            out.insert(0, f"{_key(name)} = {_value(value)}")
    return "\n".join(out) + "\n"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _absolute_paths(doc: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The experiment with relative paths that exist under ``folder`` made absolute."""

    def absolute(value: Any) -> Any:
        if isinstance(value, str) and not Path(value).is_absolute() and (folder / value).exists():
            return str(folder / value)
        return value

    doc = json.loads(json.dumps(doc, default=str))  # a deep copy (dates come back as text, which TOML reads)
    data, problem = doc.get("data", {}), doc.get("problem", {})
    for key in ("source", "database"):
        if key in data:
            data[key] = absolute(data[key])
    if isinstance(problem.get("split"), dict) and "file" in problem["split"]:
        problem["split"]["file"] = absolute(problem["split"]["file"])
    for candidate in doc.get("candidate", []):
        if "file" in candidate:
            candidate["file"] = absolute(candidate["file"])
    return doc


def experiment_of(block: Block) -> tuple[dict[str, Any], Path | None]:
    """The experiment a block stands for and the folder its base lives in (None: a whole experiment)."""
    doc = _absolute_paths(tomllib.loads(block.text), ROOT)
    opts = options(block)
    if "base" not in opts and ({"data", "problem"} & doc.keys()):
        return doc, None
    base = ROOT / opts.get("base", DEFAULT_BASE)
    assert base.is_file(), f"{block.where}: base experiment '{base}' does not exist"
    unknown = set(doc) - SECTIONS
    assert not unknown, f"{block.where}: a fragment with tables that are no experiment section: {sorted(unknown)}"
    return {**_absolute_paths(tomllib.loads(base.read_text(encoding="utf-8")), base.parent), **doc}, base.parent


def check_block(block: Block, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Parse the block and, unless it is marked not-an-experiment, validate it; returns the summary."""
    import bakeoff

    doc = tomllib.loads(block.text)
    opts = options(block)
    if "not-an-experiment" in opts:
        held = sorted(SECTIONS & doc.keys())
        assert not held, f"{block.where}: marked not-an-experiment but holds experiment sections {held}"
        return "parsed"
    if "requires" in opts:
        extra = opts["requires"]
        assert extra in EXTRAS, f"{block.where}: requires={extra}; expected one of {sorted(EXTRAS)}"
        if importlib.util.find_spec(EXTRAS[extra]) is None:
            pytest.skip(f'{block.where}: the {extra} extra is not installed (pip install -e ".[{extra}]")')
        if extra == "spark" and shutil.which("java") is None:
            pytest.skip(f"{block.where}: Spark needs Java, which is not on PATH")
    experiment, base_folder = experiment_of(block)
    if base_folder is not None:
        monkeypatch.syspath_prepend(str(base_folder))
    path = folder / "experiment.toml"
    path.write_text(toml_text(experiment), encoding="utf-8")
    if opts.get("requires") == "spark" and not _spark_is_up():
        bakeoff.load_experiment(path)  # the config as written: engine, master, spark_conf and their rules
        path.write_text(toml_text({**experiment, "data": {**experiment["data"], "engine": "duckdb"}}), encoding="utf-8")
    return bakeoff.validate(path).summary


def _spark_is_up() -> bool:
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession() is not None


BLOCKS = toml_blocks()


@pytest.mark.parametrize("block", BLOCKS, ids=[b.where for b in BLOCKS])
def test_toml_block_parses_and_validates(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = check_block(block, tmp_path, monkeypatch)
    assert summary.startswith(("OK", "parsed")), f"{block.where}: {summary}"


def test_the_docs_hold_toml_blocks_of_every_kind() -> None:
    kinds = {"whole": 0, "fragment": 0, "based": 0}
    for block in BLOCKS:
        opts = options(block)
        if "not-an-experiment" in opts:
            continue
        whole = "base" not in opts and {"data", "problem"} & tomllib.loads(block.text).keys()
        kinds["whole" if whole else "based" if "base" in opts else "fragment"] += 1
    assert all(kinds.values()), kinds


BROKEN = '''\
# A page with a mistake

```toml
[timebox]
totl = "5m"
```

```toml
[problem]
kind = "binary"
target = "benign"

[data]
builtin = "breast_cancer"
```

```toml
[data]
builtin = "breast_cancer"
[problem]
kind = "binary"
target = "no_such_column"
```

```toml
[timebox
total = "5m"
```

```toml base=experiments/cdnow/purchases.toml
[value]
policy = "top_fraction"
fraction = 0.1
value_per_true_positive = 10.0
```

```toml fragmnet
[timebox]
total = "5m"
```

```toml not-an-experiment
[timebox]
total = "5m"
```
'''


def test_the_checker_catches_broken_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bakeoff import BakeoffError

    typo, good, bad_column, bad_toml, wrong_payoff, bad_option, mislabelled = fenced_blocks(
        tmp_path / "broken.md", BROKEN)
    with pytest.raises(BakeoffError, match="totl"):
        check_block(typo, tmp_path, monkeypatch)  # a fragment is validated on the base, so a typo fails
    assert check_block(good, tmp_path, monkeypatch).startswith("OK")
    with pytest.raises(BakeoffError, match="no_such_column"):
        check_block(bad_column, tmp_path, monkeypatch)  # a whole experiment loads its data
    with pytest.raises(tomllib.TOMLDecodeError):
        check_block(bad_toml, tmp_path, monkeypatch)
    with pytest.raises(BakeoffError, match="value_per_true_positive"):
        check_block(wrong_payoff, tmp_path, monkeypatch)  # on a customer-base base, a binary payoff is wrong
    with pytest.raises(AssertionError, match="unknown option"):
        check_block(bad_option, tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="not-an-experiment"):
        check_block(mislabelled, tmp_path, monkeypatch)


def test_a_spark_block_is_checked_without_starting_spark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bakeoff import BakeoffError

    pytest.importorskip("pyspark", reason='the spark extra is not installed: pip install -e ".[spark]"')
    text = '[data]\nbuiltin = "cdnow_sample"\nengine = "spark"\nbuckets = 2\n'
    block = Block(tmp_path / "spark.md", 1, ("toml", "requires=spark", "base=experiments/cdnow/purchases.toml"), text)
    with pytest.raises(BakeoffError, match="buckets"):
        check_block(block, tmp_path, monkeypatch)  # Spark partitions the work itself: refused as written


def test_a_fragment_replaces_whole_tables_of_its_base() -> None:
    fragment = Block(ROOT / "x.md", 1, ("toml",), "[score]\nbootstrap = 200\n")
    merged, folder = experiment_of(fragment)
    assert merged["score"] == {"bootstrap": 200} and merged["problem"]["target"] == "benign"
    assert folder == ROOT / "experiments" and tomllib.loads(toml_text(merged)) == merged
    based = Block(ROOT / "x.md", 1, ("toml", "base=docs/examples/churn.toml"),
                  '[data]\nsource = "docs/examples/churn_eu.csv"\ndelimiter = ";"\n')
    merged, folder = experiment_of(based)
    assert merged["data"] == {"source": str(ROOT / "docs" / "examples" / "churn_eu.csv"), "delimiter": ";"}
    assert merged["problem"]["target"] == "churned" and folder == ROOT / "docs" / "examples"
    whole = Block(ROOT / "x.md", 1, ("toml",), (ROOT / "docs" / "examples" / "churn.toml").read_text())
    merged, folder = experiment_of(whole)
    assert folder is None and merged["data"] == {"source": "churn.csv"}  # not under the root: left relative


def _section_models(experiment: Any) -> dict[str, Any]:
    """Each section of the experiment file -> its model class (``[[candidate]]`` -> one table's model)."""
    out = {}
    for name, field in type(experiment).model_fields.items():
        kinds = [field.annotation, *typing.get_args(field.annotation)]
        kinds += [inner for kind in kinds for inner in typing.get_args(kind)]
        model = next((k for k in kinds if hasattr(k, "model_fields")), None)
        if model is not None:
            out[name] = model
    return out


def undocumented(text: str, models: dict[str, Any]) -> list[str]:
    """Fields of each section that its ``## `[section]``` part of configuration.md does not name."""
    missing = []
    for name, model in models.items():
        head = "[[candidate]]" if name == "candidate" else f"[{name}]"
        found = re.search(rf"^## `{re.escape(head)}`\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        section = found.group(1) if found else ""
        for field_name, field in model.model_fields.items():
            keys = [field_name, *getattr(field.annotation, "model_fields", {})]  # [problem].split's keys too
            missing += [f"{head} {key}" for key in keys if not re.search(rf"\b{key}\b", section)]
    return missing


def test_configuration_documents_every_section_and_field() -> None:
    import bakeoff

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    models = _section_models(bakeoff.load_experiment(ROOT / DEFAULT_BASE))
    assert set(models) == SECTIONS, "a new section: add it to SECTIONS and to docs/configuration.md"
    assert not undocumented(text, models), f"docs/configuration.md does not document {undocumented(text, models)}"
    assert undocumented(text.replace("probe_cache", "cache").replace("stratify", "strata"), models) == [
        "[problem] stratify", "[cost] probe_cache"]


def test_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; at most {README_MAX_LINES}"


def test_work_diaries_are_gone() -> None:
    assert not (ROOT / "docs" / "notes").exists(), "docs/notes/ is history; it lives in issues and git"


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def relative_links(path: Path) -> list[tuple[int, str]]:
    """Relative link and image targets of a Markdown file (code left out), with their line numbers."""
    out, in_code = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(r"^ {0,3}```", line):
            in_code = not in_code
            continue
        if in_code:
            continue
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
                out.append((number, target))
    return out


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_files(path: Path) -> None:
    broken = []
    for number, target in relative_links(path):
        file = (path.parent / target.split("#")[0]).resolve()
        if not file.exists():
            broken.append(f"{path.relative_to(ROOT)}:{number}: {target}")
    assert not broken, "links to missing files:\n" + "\n".join(broken)


def test_the_link_checker_sees_links(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("See [the guide](docs/configuration.md#data), `[not](a.md)`, [web](https://x.org).\n"
                    "```toml\n# [not a link](b.md)\n```\n![a picture](c.png) [missing](nowhere.md \"title\")\n")
    assert relative_links(page) == [(1, "docs/configuration.md#data"), (5, "c.png"), (5, "nowhere.md")]
