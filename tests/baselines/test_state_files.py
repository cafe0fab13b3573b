"""Built-in candidates write model files that load without running code, and predict the same in a fresh process.

Each model is fitted here, written with :func:`bakeoff.candidates.modelfile.dump_model`, then loaded and asked for
predictions on the same holdout in a new Python process (no state shared with this one); the predictions must be
identical, bit for bit. A file naming a class outside the built-in ladder is refused before anything is imported.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

from bakeoff import prepare  # noqa: F401 - the frames are built by eval of FRAMES
from bakeoff.candidates.contract import Budget
from bakeoff.candidates.modelfile import dump_model, load_model
from bakeoff.candidates.state import HEAD, ModelFileError, is_state_file
from bakeoff.config.experiment import load_experiment  # noqa: F401 - as above
from baselines.btyd import BGNBD, ParetoNBD
from baselines.glm import GLM
from baselines.naive import Mean, Median, RunRate
from baselines.trees import DecisionTree, HistGBM, RandomForest
from baselines.xgb import TunedXGBoost, XGBoost
from tests.conftest import ROOT, tabular  # noqa: F401 - as above

FRAMES = {
    "binary": "prepare(tabular('binary'))[0].without_truth()",
    "regression": "prepare(tabular('regression'))[0].without_truth()",
    "purchases": "prepare(load_experiment(ROOT / 'experiments/cdnow/purchases.toml'))[0].without_truth()",
    "spend": "prepare(load_experiment(ROOT / 'experiments/cdnow/spend.toml'))[0].without_truth()",
}
CASES = [("mean", "binary", Mean), ("median", "regression", Median), ("run_rate", "purchases", RunRate),
         ("pareto_nbd", "purchases", ParetoNBD), ("bg_nbd", "spend", BGNBD), ("xgboost", "binary", XGBoost),
         ("xgboost_tuned", "regression", lambda: TunedXGBoost(max_trials=4, folds=2, remember=False)),
         ("glm", "binary", GLM), ("glm_regression", "regression", GLM), ("glm_purchases", "purchases", GLM),
         ("glm_spend", "spend", GLM), ("decision_tree", "binary", DecisionTree),
         ("random_forest", "regression", RandomForest), ("hist_gbm", "purchases", HistGBM)]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Every case fitted here and written to a file, with its predictions in this process."""
    folder = tmp_path_factory.mktemp("models")
    frames = {kind: eval(code) for kind, code in FRAMES.items()}  # noqa: S307 - the fixed texts above
    expected = {}
    for name, kind, make in CASES:
        cand = make().fit(frames[kind], budget=Budget.of(120), seed=3)
        (folder / f"{name}.model").write_bytes(dump_model(cand))
        expected[name] = cand.predict(frames[kind]).to_numpy(float)
    return folder, expected


def test_every_built_in_model_file_is_data_not_a_pickle(written):
    folder, _ = written
    for name, _, _ in CASES:
        data = (folder / f"{name}.model").read_bytes()
        assert is_state_file(data) and b"\x80\x04\x95" not in data[:64], name  # a zip, not pickle protocol 4
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert all(n == HEAD or n.startswith("parts/") for n in archive.namelist())


def test_a_fresh_process_predicts_exactly_what_the_fitted_model_did(written):
    folder, expected = written
    script = textwrap.dedent(f"""
        import pickle, sys
        import numpy as np
        from bakeoff import prepare  # noqa: F401 - the frames are built by eval of FRAMES
        from bakeoff.candidates.modelfile import load_model
        from bakeoff.config.experiment import load_experiment  # noqa: F401 - as above
        from tests.conftest import ROOT, tabular  # noqa: F401 - as above
        frames = {{kind: eval(code) for kind, code in {FRAMES!r}.items()}}
        # libraries may use pickle when they import; the model files may not
        import lifetimes, sklearn.ensemble, skops.io, statsmodels.api, xgboost
        pickle.loads = pickle.load = pickle.Unpickler = None  # a safe file must load without unpickling anything
        for name, kind in {[(n, k) for n, k, _ in CASES]!r}:
            model = load_model(open(f"{folder}/{{name}}.model", "rb").read())
            np.save(f"{folder}/{{name}}.npy", model.predict(frames[kind]).to_numpy(float))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for name, _, _ in CASES:
        assert np.array_equal(np.load(folder / f"{name}.npy"), expected[name]), name


def _with_class(data: bytes, target: str) -> bytes:
    """A copy of a model file whose head names another class."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.namelist():
            body = source.read(item)
            if item == HEAD:
                head = json.loads(body)
                body = json.dumps({**head, "class": target}).encode()
            archive.writestr(item, body)
    return out.getvalue()


def test_a_file_naming_any_other_class_is_refused_before_it_is_imported(written, monkeypatch):
    import importlib

    folder, _ = written
    data = (folder / "mean.model").read_bytes()
    imported = []
    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *a: imported.append(name) or real(name, *a))
    for target in ("os:system", "subprocess:Popen", "tests.conftest:tabular"):
        with pytest.raises(ModelFileError, match="not a built-in candidate"):
            load_model(_with_class(data, target))
    assert imported == []
    with pytest.raises(ModelFileError, match="damaged"):
        load_model(data[: len(data) // 2])


def test_the_same_model_file_loads_into_the_same_model_in_this_process(written):
    folder, expected = written
    frame = eval(FRAMES["binary"])  # noqa: S307 - a fixed text above
    model = load_model((folder / "xgboost.model").read_bytes())
    assert np.array_equal(model.predict(frame).to_numpy(float), expected["xgboost"])
    assert model.describe()["objective"] == "binary:logistic"


def test_a_tree_file_holding_a_type_outside_the_trusted_list_is_refused(written):
    import skops.io as sio

    from baselines import trees

    folder, _ = written
    data = (folder / "decision_tree.model").read_bytes()
    original = trees.TRUSTED
    try:
        trees.TRUSTED = frozenset()  # as if the file held a type nobody vetted
        with pytest.raises(ModelFileError, match="not trusted"):
            load_model(data)
    finally:
        trees.TRUSTED = original
    part = zipfile.ZipFile(io.BytesIO(data)).read("parts/model.skops")
    assert "sklearn.tree._tree.Tree" in sio.get_untrusted_types(data=part)  # what skops alone would not load
