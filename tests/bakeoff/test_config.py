from __future__ import annotations

import pytest

from bakeoff.config.experiment import experiment_from_dict, load_experiment
from bakeoff.core.durations import parse_duration
from bakeoff.core.errors import ConfigError

BASE = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign"}}


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("5m", 300), ("1h30m", 5400), ("39w", 39 * 604800),
                                          ("250ms", 0.25), (12, 12), ("2.5m", 150)])
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["-5", "0s", "five", "", "5x", True])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_negative_timebox_message_names_field():
    with pytest.raises(ConfigError) as err:
        experiment_from_dict({**BASE, "timebox": {"total": "-5"}})
    assert "The 'total' field of [timebox] must be a positive duration" in str(err.value)
    assert "Got '-5' instead" in str(err.value)


@pytest.mark.parametrize("raw,expected", [
    ({**BASE, "timbox": {}}, "Did you mean 'timebox'?"),
    ({**BASE, "problem": {**BASE["problem"], "segmnts": []}}, "Did you mean 'segments'?"),
    ({**BASE, "problem": {"kind": "binary"}}, "missing the required field 'target'"),
    ({"data": {}, "problem": BASE["problem"]}, "exactly one of source, table, query or builtin"),
    ({**BASE, "problem": {**BASE["problem"], "kind": "binari"}}, "Got 'binari' instead"),
    ({**BASE, "timebox": {"total": "1m", "per_candidate": "2m"}}, "must not exceed"),
    ({**BASE, "problem": {"kind": "customer_base", "target": "purchases"}}, "needs entity, time, calibration_end"),
    ({**BASE, "candidate": [{"name": "a", "family": "sql"}, {"name": "a", "family": "sql"}]}, "unique"),
])
def test_config_errors(raw, expected):
    with pytest.raises(ConfigError) as err:
        experiment_from_dict(raw)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_toml_syntax_error_names_line(write_config):
    path = write_config('[experiment]\nname = "x"\nseed = = 3\n')
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    assert "line 3" in str(err.value) and str(path) in str(err.value)


def test_overrides_and_defaults(write_config):
    path = write_config('[data]\nbuiltin = "breast_cancer"\n[problem]\nkind = "binary"\ntarget = "benign"\n')
    exp = load_experiment(path, timebox="2m", seed=7)
    assert exp.timebox.total == 120 and exp.seed == 7
    assert exp.base_dir == path.parent
    assert exp.problem.split.holdout == 0.25


def test_missing_file():
    with pytest.raises(ConfigError, match="does not exist"):
        load_experiment("nowhere/exp.toml")


def test_fingerprint_is_the_one_config_hash(tmp_path):
    raw = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign"}}
    a = experiment_from_dict(raw)
    b = experiment_from_dict(raw, path=tmp_path / "elsewhere.toml")
    assert a.fingerprint() == b.fingerprint() and len(a.fingerprint()) == 16  # the file's path aside
    assert experiment_from_dict(raw, seed=1).fingerprint() != a.fingerprint()
    longer = experiment_from_dict(raw, timebox="20m")
    assert longer.fingerprint() != a.fingerprint()
    assert longer.fingerprint(ignore=("timebox",)) == a.fingerprint(ignore=("timebox",))


def test_retired_trial_key_says_where_the_trial_box_lives():
    raw = {"data": {"builtin": "breast_cancer"}, "problem": {"kind": "binary", "target": "benign"},
           "timebox": {"trial": "10s"}}
    with pytest.raises(ConfigError, match=r"Unknown key 'trial' in \[timebox\]\. It was never read.*trial_timeout"):
        experiment_from_dict(raw)


def test_an_override_keeps_the_default_per_candidate_box_out_of_the_check(write_config):
    """A 1-minute total box with no per_candidate, run with --seed: the 2-minute default is not the user's."""
    from bakeoff.api import with_overrides

    path = write_config('[data]\nbuiltin = "diabetes"\n[problem]\nkind = "regression"\ntarget = "progression"\n'
                        '[timebox]\ntotal = "1m"\n')
    exp = with_overrides(path, None, 1, None, 2)
    assert exp.seed == 1 and exp.executor.workers == 2 and exp.timebox.total == 60
