"""TOML experiment file -> frozen, validated :class:`Experiment`.

Every problem with the file becomes a :class:`~bakeoff.core.errors.ConfigError` whose
one-line message names the file, the section and field, what was expected and
what was found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from bakeoff.config.messages import first_error
from bakeoff.config.sections import ChecksSection, TrackSection, ValueSection, check_split_keys, problems
from bakeoff.core.durations import parse_duration
from bakeoff.core.errors import ConfigError, did_you_mean

CUSTOMER_TARGETS = ("purchases", "active", "spend")

def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ValueError(f'must be a positive duration like "90s" or "5m"; {exc}') from None


Seconds = Annotated[float, BeforeValidator(_duration)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExperimentSection(_Section):
    """``[experiment]``: the name and the seed every candidate's seed derives from."""

    name: str = "experiment"
    seed: int = Field(0, ge=0)
    description: str = ""


class DataSection(_Section):
    """``[data]``: exactly one of ``source``, ``table``, ``query`` or ``builtin``."""

    source: str | None = None
    table: str | None = None
    database: str | None = None
    query: str | None = None
    builtin: str | None = None
    buckets: int = Field(1, ge=1, le=4096)
    delimiter: str | None = Field(None, min_length=1, max_length=1)
    decimal: Literal[".", ","] | None = None
    date_format: str | None = Field(None, pattern=r"%")
    memory_limit: str | None = Field(None, pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
    temp_directory: str | None = None
    engine: Literal["duckdb", "spark"] = "duckdb"
    master: str = "local[*]"
    spark_conf: dict[str, str] = {}

    @model_validator(mode="after")
    def _one_source(self) -> DataSection:
        given = [k for k in ("source", "table", "query", "builtin") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "needs exactly one of source, table, query or builtin; "
                f"got {', '.join(given) if given else 'none'}"
            )
        if self.table and not self.database:
            raise ValueError("'table' needs 'database' (a .duckdb file)")
        if self.engine == "spark" and self.buckets > 1:
            raise ValueError('engine = "spark" partitions the work itself; drop buckets (DuckDB passes only)')
        return self


class SplitSection(_Section):
    """``[problem].split``: random (stratified), by time, a fixed holdout, or by group (see ``bakeoff.data.splits``)."""

    method: Literal["random", "time", "fixed", "group"] = "random"
    holdout: float = Field(0.25, gt=0, lt=1)
    stratify: bool = True
    column: str | None = None
    cutoff: dt.date | None = None
    value: str | int | bool | None = None
    file: str | None = None
    table: str | None = None

    @model_validator(mode="after")
    def _method_needs(self) -> SplitSection:
        check_split_keys(self.method, self.column, self.cutoff, self.file, self.table)
        return self


class ProblemSection(_Section):
    """``[problem]``: what is predicted, for whom, and how the holdout is cut."""

    kind: Literal["binary", "regression", "count", "customer_base"]
    target: str
    key: str | None = None
    features: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    split: SplitSection = SplitSection()
    segments: tuple[str, ...] = ()
    entity: str | None = None
    time: str | None = None
    amount: str | None = None
    acquired: str | None = None
    calibration_end: dt.date | None = None
    holdout_end: dt.date | None = None
    horizon: Seconds | None = None
    label_window: Seconds | None = None
    positive: str | int | float | bool | None = None
    partial_holdout: bool = False

    @model_validator(mode="after")
    def _customer_base_keys(self) -> ProblemSection:
        if self.kind != "customer_base":
            return self
        if self.target not in CUSTOMER_TARGETS:
            raise ValueError(f"target must be one of {', '.join(CUSTOMER_TARGETS)} for customer_base")
        missing = [k for k in ("entity", "time", "calibration_end") if getattr(self, k) is None]
        if missing:
            raise ValueError(f"customer_base needs {', '.join(missing)}")
        if (self.holdout_end is None) == (self.horizon is None):
            raise ValueError('customer_base needs either holdout_end = "YYYY-MM-DD" or horizon = "39w"')
        if self.target == "spend" and self.amount is None:
            raise ValueError('target = "spend" needs amount = "<amount column>"')
        return self

    @property
    def horizon_days(self) -> float:
        """The holdout window in days (customer_base only)."""
        if self.horizon is not None:
            return self.horizon / 86400.0
        assert self.holdout_end is not None and self.calibration_end is not None
        return float((self.holdout_end - self.calibration_end).days)


class ScoreSection(_Section):
    """``[score]``: the primary metric, the extra metrics and the bootstrap settings."""

    primary: str | None = None
    metrics: tuple[str, ...] | None = None
    bootstrap: int = Field(500, ge=0, le=100_000)
    confidence: float = Field(0.95, gt=0.5, lt=1)


class TimeboxSection(_Section):
    """``[timebox]``: the total box, the per-candidate box and the box of a box-filling tuner.

    A tuner (``xgboost_tuned``) searches until it settles or its box is spent, so its strength is set by
    its box, not by its rows. Its box is ``tuner`` when given; otherwise ``per_candidate`` when the config
    sets that, else what is left of the total box when it starts (less the scoring reserve): with
    several workers it starts first and the rest of the ladder climbs beside it, so the top rung is not
    starved while most of the box goes unused.
    """

    total: Seconds = 600.0
    per_candidate: Seconds = 120.0
    tuner: Seconds | None = None

    def tuner_box(self) -> float:
        """The box of a box-filling candidate before the total box's remainder caps it (inf: the rest)."""
        if self.tuner is not None:
            return self.tuner
        return self.per_candidate if "per_candidate" in self.model_fields_set else math.inf


class CostSection(_Section):
    """``[cost]``: the price and scale model that turns CPU-seconds into dollars."""

    usd_per_cpu_hour: float = Field(0.05, ge=0)
    rows_in_production: int | None = Field(None, gt=0)
    retrains_per_month: float = Field(4, ge=0)
    predictions_per_month: float = Field(1_000_000, ge=0)
    prediction_calls_per_month: float = Field(30, gt=0)
    negligible_usd: float = Field(1.0, ge=0)  # a month: smaller cost gaps are ties (timing noise, no budget line)
    # dollars a month of keeping a candidate in production, by family ("glm", "xgboost") or rung ("3")
    upkeep_usd_per_month: dict[str, Annotated[float, Field(ge=0)]] = {}
    probe_cache: bool = True  # reuse cost probes of the same candidate, data, versions and machine


class LadderSection(_Section):
    """``[ladder]``: which candidates climb (names or families)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    early_stop: bool = False
    margin: float | None = Field(None, ge=0)  # None: the [choose] tolerance of the primary metric
    champion: str | None = None
    champion_retrain: bool = False
    train_sample: int = Field(100_000, ge=0)
    sample_from_rung: int = Field(3, ge=0, le=9)


class CandidateSection(BaseModel):
    """``[[candidate]]``: a named candidate of a family plus that family's own keys."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    family: str | None = None
    rung: int | None = Field(None, ge=0, le=9)

    @property
    def params(self) -> dict[str, Any]:
        """The family-specific keys."""
        return dict(self.model_extra or {})


class ChooseSection(_Section):
    """``[choose]``: the rule that names the chosen candidate."""

    rule: Literal["best", "cheapest_within", "simplest_within", "max_net_value"] = "cheapest_within"
    tolerance: float | None = Field(None, ge=0)  # None: the primary metric's default (docs/configuration.md)
    relative: bool | None = None  # None: the primary metric's default kind
    evidence: Literal["not_shown_worse", "shown_within"] = "not_shown_worse"
    max_monthly_usd: float | None = Field(None, gt=0)
    max_predict_ms_per_1k: float | None = Field(None, gt=0)


class ExecutorSection(_Section):
    """``[executor]``: where candidates run."""

    engine: Literal["local", "ray", "inline"] = "local"
    workers: int | None = Field(None, ge=1, le=1024)
    threads: int = Field(1, ge=1, le=256)
    memory_mb: int | None = Field(None, gt=0)
    address: str | None = None
    num_cpus: int | None = Field(None, ge=1)


class Experiment(_Section):
    """A validated experiment: everything a run needs except the data itself."""

    experiment: ExperimentSection = ExperimentSection()
    data: DataSection
    problem: ProblemSection
    score: ScoreSection = ScoreSection()
    timebox: TimeboxSection = TimeboxSection()
    cost: CostSection = CostSection()
    ladder: LadderSection = LadderSection()
    candidate: tuple[CandidateSection, ...] = ()
    choose: ChooseSection = ChooseSection()
    executor: ExecutorSection = ExecutorSection()
    checks: ChecksSection = ChecksSection()
    track: TrackSection = TrackSection()
    value: ValueSection | None = None
    path: Path | None = None

    @property
    def base_dir(self) -> Path:
        """The folder that relative paths in the file are resolved against."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def name(self) -> str:
        """The experiment name."""
        return self.experiment.name

    def fingerprint(self, *, ignore: tuple[str, ...] = ()) -> str:
        """THE config hash: 16 hex digits of SHA-256 over the validated experiment (its file path aside).

        Two runs with the same fingerprint ran the same experiment (the history's ``config_hash``
        and the report footer show it). ``ignore`` leaves sections out, e.g. ``("timebox",)`` for
        the resume key: a resumed run may get another box.
        """
        text = self.model_dump_json(exclude={"path", *ignore})
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def seed(self) -> int:
        """The experiment seed."""
        return self.experiment.seed


def load_experiment(path: str | Path, **overrides: Any) -> Experiment:
    """Read, validate and return the experiment in ``path``.

    Args:
        path: A TOML file.
        **overrides: ``timebox`` (total duration), ``seed``, ``engine`` override the file.

    Raises:
        ConfigError: If the file is missing, is not valid TOML, or fails validation.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file '{path}' does not exist.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file.") from None
    return experiment_from_dict(raw, path=path, **overrides)


def experiment_from_dict(raw: dict[str, Any], *, path: Path | None = None, **overrides: Any) -> Experiment:
    """Validate a parsed TOML document (see :func:`load_experiment`)."""
    raw = _apply_overrides(dict(raw), overrides)
    where = str(path) if path else "<config>"
    try:
        exp = Experiment.model_validate({**raw, "path": path})
    except ValidationError as exc:
        raise ConfigError(f"{where}: {first_error(exc, Experiment)}") from None
    _check_candidates(exp, where)
    if exp.value is not None and (mistake := problems(exp.value, exp.problem.kind, exp.problem.target)):
        raise ConfigError(f"{where}: {mistake}")
    if exp.choose.rule == "max_net_value" and exp.value is None:
        raise ConfigError(f'{where}: [choose] rule = "max_net_value" needs a [value] section '
                          "(see experiments/README.md).")
    return exp


def _apply_overrides(raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    sections = {"timebox": ("timebox", "total"), "seed": ("experiment", "seed"),
                "engine": ("executor", "engine"), "per_candidate": ("timebox", "per_candidate"),
                "workers": ("executor", "workers")}
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in sections:
            raise ConfigError(f"Unknown override '{key}'.{did_you_mean(key, sections)}")
        section, field = sections[key]
        raw[section] = {**raw.get(section, {}), field: value}
    if overrides.get("timebox") is not None:
        _clamp_per_candidate(raw["timebox"])
    return raw


def _clamp_per_candidate(box: dict[str, Any]) -> None:
    """A total box given on the command line wins over a larger per-candidate or tuner box in the file."""
    try:
        total = parse_duration(box["total"])
        per = parse_duration(box.get("per_candidate", TimeboxSection().per_candidate))
    except ValueError:
        return  # reported by validation
    if per > total:
        box["per_candidate"] = total
    try:
        if "tuner" in box and parse_duration(box["tuner"]) > total:
            box["tuner"] = total
    except ValueError:
        return  # reported by validation


FAMILIES = ("naive", "sql", "glm", "btyd", "tree", "xgboost", "sklearn")


def _check_upkeep(exp: Experiment, where: str) -> None:
    """Each ``[cost] upkeep_usd_per_month`` key names a family of the ladder or a rung 0-9."""
    known = [*FAMILIES, *(c.family for c in exp.candidate if c.family)]
    for key in exp.cost.upkeep_usd_per_month:
        if key not in known and not (key.isdigit() and 0 <= int(key) <= 9):
            raise ConfigError(f"{where}: [cost].upkeep_usd_per_month has key '{key}'; expected a family "
                              f"({', '.join(FAMILIES)}) or a rung 0-9.{did_you_mean(key, known)}")


def _check_candidates(exp: Experiment, where: str) -> None:
    names = [c.name for c in exp.candidate]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{where}: [[candidate]] names must be unique; '{dupes[0]}' appears twice.")
    if exp.data.engine == "spark" and exp.problem.kind != "customer_base":
        raise ConfigError(f'{where}: [data].engine = "spark" computes customer summaries; it needs '
                          f'[problem].kind = "customer_base" (got "{exp.problem.kind}").')
    if exp.data.engine == "spark" and exp.problem.acquired:
        raise ConfigError(f'{where}: [problem].acquired is checked by the DuckDB engine only; drop it or use '
                          '[data].engine = "duckdb".')
    _check_upkeep(exp, where)
    if exp.timebox.tuner is not None and exp.timebox.tuner > exp.timebox.total:
        raise ConfigError(f"{where}: [timebox].tuner ({exp.timebox.tuner:g}s) must not exceed [timebox].total "
                          f"({exp.timebox.total:g}s); leave it out to give the tuner the rest of the total box.")
    if "per_candidate" in exp.timebox.model_fields_set and exp.timebox.per_candidate > exp.timebox.total:
        raise ConfigError(
            f"{where}: [timebox].per_candidate ({exp.timebox.per_candidate:g}s) must not exceed "
            f"[timebox].total ({exp.timebox.total:g}s)."
        )
