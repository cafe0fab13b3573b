"""Fixed holdouts (flag column, separate file or table) and group splits, and their errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from bakeoff import prepare
from bakeoff.config.experiment import load_experiment
from bakeoff.core.errors import BakeoffError, ConfigError


def rows(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": np.arange(n), "shop": np.repeat(np.arange(n // 4), 4), "x": rng.normal(size=n),
                         "y": np.tile([0, 0, 1, 1], n // 4)})


def config(split: str, key: str = 'key = "id"', data: str = 'source = "data.csv"') -> str:
    return (f'[data]\n{data}\n[problem]\nkind = "binary"\ntarget = "y"\n{key}\nsplit = {split}\n'
            '[score]\nbootstrap = 0\n[ladder]\ninclude = ["mean"]\n')


def setup(tmp_path: Path, split: str, df: pd.DataFrame | None = None, **kw: str) -> Path:
    (df if df is not None else rows()).to_csv(tmp_path / "data.csv", index=False)
    path = tmp_path / "exp.toml"
    path.write_text(config(split, **kw))
    return path


def test_group_split_keeps_each_entity_on_one_side(tmp_path: Path) -> None:
    frame, _ = prepare(load_experiment(setup(tmp_path, '{ method = "group", column = "shop", holdout = 0.3 }')))
    shops = rows().set_index("id")["shop"]
    train_shops, hold_shops = set(shops[frame.train.index]), set(shops[frame.holdout.index])
    assert not train_shops & hold_shops
    assert len(hold_shops) == round(15 * 0.3)  # 15 shops, 30% of them
    assert len(frame.holdout) == 4 * len(hold_shops)
    assert "shop" not in frame.features  # the entity column is no feature


def test_group_split_is_seeded(tmp_path: Path) -> None:
    path = setup(tmp_path, '{ method = "group", column = "shop" }')
    a, _ = prepare(load_experiment(path))
    b, _ = prepare(load_experiment(path))
    c, _ = prepare(load_experiment(path, seed=7))
    assert a.holdout.index.equals(b.holdout.index)
    assert not a.holdout.index.equals(c.holdout.index)


@pytest.mark.parametrize("flag", [
    [False, True] * 30, [0, 1] * 30, ["train", "test"] * 30, ["TRAIN", "Holdout"] * 30])
def test_fixed_flag_column(tmp_path: Path, flag: list) -> None:
    df = rows().assign(part=flag)
    frame, _ = prepare(load_experiment(setup(tmp_path, '{ method = "fixed", column = "part" }', df)))
    assert list(frame.holdout.index) == list(range(1, 60, 2))
    assert "part" not in frame.features


def test_fixed_flag_with_named_value(tmp_path: Path) -> None:
    df = rows().assign(sprint=["s1", "s2", "s3"] * 20)
    frame, _ = prepare(load_experiment(setup(tmp_path, '{ method = "fixed", column = "sprint", value = "s3" }', df)))
    assert list(frame.holdout.index) == list(range(2, 60, 3))


def test_fixed_holdout_file(tmp_path: Path) -> None:
    df = rows()
    df.iloc[40:].to_parquet(tmp_path / "hold.parquet")
    path = setup(tmp_path, '{ method = "fixed", file = "hold.parquet" }', df.iloc[:40])
    frame, _ = prepare(load_experiment(path))
    assert list(frame.holdout.index) == list(range(40, 60))
    assert list(frame.train.index) == list(range(40))


def test_fixed_holdout_table(tmp_path: Path) -> None:
    df = rows()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.register("df", df)
    con.execute("CREATE TABLE tr AS SELECT * FROM df WHERE id < 45; CREATE TABLE te AS SELECT * FROM df WHERE id >= 45")
    con.close()
    path = setup(tmp_path, '{ method = "fixed", table = "te" }', data='table = "tr"\ndatabase = "w.duckdb"')
    frame, _ = prepare(load_experiment(path))
    assert len(frame.holdout) == 15 and len(frame.train) == 45


def bad(tmp_path: Path, split: str, df: pd.DataFrame | None = None, **kw: str) -> str:
    path = setup(tmp_path, split, df, **kw)
    with pytest.raises(BakeoffError) as err:
        prepare(load_experiment(path))
    return str(err.value)


def test_overlap_by_key_is_refused(tmp_path: Path) -> None:
    df = rows()
    df.iloc[30:].to_csv(tmp_path / "hold.csv", index=False)
    msg = bad(tmp_path, '{ method = "fixed", file = "hold.csv" }', df.iloc[:35])
    assert "hold.csv" in msg and "5 holdout rows share a 'id'" in msg


def test_overlap_of_identical_rows_without_key(tmp_path: Path) -> None:
    df = rows()
    df.iloc[[3, 50, 51]].to_csv(tmp_path / "hold.csv", index=False)
    msg = bad(tmp_path, '{ method = "fixed", file = "hold.csv" }', df.iloc[:40], key="")
    assert "1 holdout rows are identical to training rows" in msg


def test_holdout_file_missing_a_column(tmp_path: Path) -> None:
    rows().iloc[40:].drop(columns="x").to_csv(tmp_path / "hold.csv", index=False)
    msg = bad(tmp_path, '{ method = "fixed", file = "hold.csv" }', rows().iloc[:40])
    assert "hold.csv" in msg and "misses column 'x'" in msg


def test_empty_holdout_side_names_the_column(tmp_path: Path) -> None:
    msg = bad(tmp_path, '{ method = "fixed", column = "part" }', rows().assign(part=False))
    assert "split column 'part' leaves the holdout side empty (0 of 60" in msg


def test_unknown_labels_ask_for_value(tmp_path: Path) -> None:
    msg = bad(tmp_path, '{ method = "fixed", column = "part" }', rows().assign(part=["a", "b"] * 30))
    assert "set value" in msg and "'part'" in msg


def test_group_with_one_entity(tmp_path: Path) -> None:
    assert "at least 2 entities" in bad(tmp_path, '{ method = "group", column = "shop" }', rows().assign(shop=1))


@pytest.mark.parametrize("split, words", [
    ('{ method = "group" }', 'method = "group" needs column'),
    ('{ method = "fixed" }', 'method = "fixed" needs exactly one of'),
    ('{ method = "fixed", column = "a", file = "b.csv" }', 'exactly one of'),
    ('{ method = "random", file = "b.csv" }', 'they need method = "fixed"'),
])
def test_config_errors(tmp_path: Path, split: str, words: str) -> None:
    path = setup(tmp_path, split)
    with pytest.raises(ConfigError, match=words):
        load_experiment(path)


def test_cli_exit_2_on_empty_side(tmp_path: Path) -> None:
    path = setup(tmp_path, '{ method = "fixed", column = "part" }', rows().assign(part=1))
    out = subprocess.run([sys.executable, "-m", "bakeoff.cli", "validate", str(path)], capture_output=True,
                         text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "'part'" in out.stderr and "Traceback" not in out.stderr
