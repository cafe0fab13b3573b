"""The command line: a thin Typer layer over the public API.

Exit codes: 0 the bake-off completed (even with failed rows), 2 bad config or data,
1 an internal error.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer

from bakeoff.core.defaults import DEFAULT_DB

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="bakeoff: simple baselines first — a timeboxed bake-off with a trade-off table.")

Config = Annotated[Path, typer.Argument(help="Experiment TOML file.")]


def _console(width: int | None = None) -> Any:
    """stdout as Rich sees it: the terminal's own width, or ``width`` (``--width``; 120 when piped)."""
    from rich.console import Console

    console = Console(stderr=False, highlight=False, width=width)
    if width is None and not console.is_terminal:
        console = Console(stderr=False, highlight=False, width=120)
    return console


DEBUG = "--debug"  # anywhere on the command line: full tracebacks on the terminal


def _debug() -> bool:
    return DEBUG in sys.argv[1:]


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option(DEBUG, help="Show full tracebacks (errors, internal errors, FAILED rows).")
                     ] = False,
) -> None:
    """bakeoff: simple baselines first."""


def _guard(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from bakeoff.core.errors import BakeoffError, Interrupted

    try:
        return fn(*args, **kwargs)
    except Interrupted as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(130) from None
    except BakeoffError as exc:
        if _debug():
            traceback.print_exc()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None


@app.command()
def run(
    config: Config,
    timebox: Annotated[str | None, typer.Option(help='Total time box, e.g. "2m" (overrides [timebox].total).')] = None,
    seed: Annotated[int | None, typer.Option(help="Experiment seed (overrides [experiment].seed).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default runs/<name>/<timestamp>/).")] = None,
    engine: Annotated[str | None, typer.Option(help="Executor: local (default), ray or inline.")] = None,
    workers: Annotated[int | None, typer.Option(help="Candidates run at once (default: the number of cores).")
                       ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Reuse candidates finished by an interrupted run.")] = False,
    db: Annotated[Path, typer.Option("--db", help="Run-history file the run is recorded in.")] = DEFAULT_DB,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress; print only the table and the choice.")
                     ] = False,
    width: Annotated[int | None, typer.Option(help="Output width in columns (default: the terminal's).")] = None,
) -> None:
    """Run the bake-off described by CONFIG and print the trade-off table."""
    from bakeoff.report.live import progress_display

    console = _console(width)
    progress = False if quiet else progress_display(console)
    if progress:
        progress("phase", {"text": "starting"})  # the heavy imports below take seconds on a cold start
    from bakeoff import run as run_bakeoff
    from bakeoff.climb.reserve import process_start
    from bakeoff.report.terminal import render

    result = _guard(run_bakeoff, config, timebox=timebox, seed=seed, out=out, engine=engine, workers=workers,
                    progress=progress, resume=resume, history=db, started=process_start())
    render(result, console, quiet=quiet)
    if _debug():
        for row in result.rows:
            if row.traceback:
                typer.echo(f"--- {row.name} ({row.status.value}) ---\n{row.traceback}", err=True)


DbOption = Annotated[Path, typer.Option("--db", help="Run-history file.")]


@app.command()
def history(
    experiment: Annotated[str | None, typer.Argument(help="Only runs of this experiment.")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """List recorded runs, newest first."""
    from bakeoff.store.history import history as list_runs

    runs = _guard(list_runs, experiment, db)
    if runs.empty:
        typer.echo("no runs recorded")
        return
    typer.echo(runs.to_string(index=False, float_format=lambda x: f"{x:.4g}"))


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="Earlier run: id, unique suffix, or [experiment:]previous.")],
    run_b: Annotated[str, typer.Argument(help="Later run: id, unique suffix, or [experiment:]latest.")],
    db: DbOption = DEFAULT_DB,
    force: Annotated[bool, typer.Option("--force", help="Compare runs of different experiments anyway.")] = False,
) -> None:
    """Show what changed per candidate between two runs of one experiment (the sprint-over-sprint view)."""
    from bakeoff.store.history import compare as diff_runs

    rows, notes = _guard(diff_runs, run_a, run_b, db, force=force)
    for note in notes:
        typer.echo(note)
    typer.echo(rows.to_string(index=False, float_format=lambda x: f"{x:+.4g}" if x < 0 else f"{x:.4g}"))


@app.command()
def demo(
    run: Annotated[str, typer.Argument(help="Run folder or run-history id.")],
    candidate: Annotated[str | None, typer.Option(help="Candidate (default: the chosen one).")] = None,
    per_case: Annotated[int, typer.Option("--n", help="Rows per case.")] = 3,
) -> None:
    """Write demo.csv: real holdout rows showing typical, best and worst cases."""
    from bakeoff.export.pack import demo as make_demo

    rows = _guard(make_demo, run, candidate, per_case)
    typer.echo(rows.to_string(float_format=lambda x: f"{x:.4g}"))


@app.command()
def export(
    run: Annotated[str, typer.Argument(help="Run folder or run-history id.")],
    to: Annotated[Path, typer.Option(help="Destination folder.")],
    candidate: Annotated[str | None, typer.Option(help="Candidate to export (default: the chosen one).")] = None,
) -> None:
    """Export a candidate (the chosen one unless --candidate): model or rule SQL, feature SQL, model card, score.py."""
    from bakeoff.export.pack import export as do_export
    from bakeoff.export.pack import picked

    name, standing = _guard(picked, run, candidate)
    dest = _guard(do_export, run, name, to)
    typer.echo(f"exported {name} ({standing}) to {dest}")


@app.command()
def validate(config: Config) -> None:
    """Check CONFIG and its data; run nothing."""
    from bakeoff.api import validate as validate_config

    checked = _guard(validate_config, config)
    typer.echo(f"{config}: {checked.summary}")


@app.command()
def candidates() -> None:
    """List the ladder: rung, name, family and what each candidate does."""
    from bakeoff.candidates.registry import known_names, load_class

    rows = []
    for name, (target, params) in known_names().items():
        try:
            cls = load_class(target)
        except Exception as exc:  # a broken plugin is listed, not an internal error
            rows.append((9, name, "?", f"cannot be loaded from {target}: {type(exc).__name__}: {exc}"))
            continue
        summary = cls.summary
        if params.get("file"):
            from bakeoff.query.files import read_sql

            summary = read_sql(params["file"]).meta.get("summary", summary)
        rows.append((cls.rung, name, cls.family, summary))
    for rung, name, family, summary in sorted(rows, key=lambda r: r[0]):
        typer.echo(f"{rung}  {name:<22} {family:<8} {summary}")


def main() -> None:
    """Entry point of the ``bakeoff`` script."""
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C works even if a launcher ignored it
    if DEBUG in sys.argv[2:]:  # accepted after the command too: it is an option of the whole program
        sys.argv = [sys.argv[0], DEBUG, *[a for a in sys.argv[1:] if a != DEBUG]]
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:  # internal errors: one line (the traceback kept in a file), exit 1
        text = traceback.format_exc()
        if _debug():
            typer.echo(text, err=True)
        typer.echo(f"internal error: {type(exc).__name__}: {exc}{_keep_traceback(text)}", err=True)
        sys.exit(1)


def _keep_traceback(text: str) -> str:
    """Write an internal error's traceback to ``runs/internal-error.txt``; say where (or nothing)."""
    from bakeoff.core.defaults import RUNS

    path = RUNS / "internal-error.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError:
        return ""
    return f" (traceback in {path}; --debug prints it)"


if __name__ == "__main__":
    main()
