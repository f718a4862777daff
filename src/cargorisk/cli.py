"""The ``cargorisk`` command line.

Errors that cargorisk raises on purpose print as one line on stderr with exit code 1;
usage errors exit with 2 (click's convention). No traceback reaches the user.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError
from cargorisk.sources import build_sources, data_status, fetch_sources, select_sources

sources_argument = click.argument("sources", nargs=-1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data folder (default: ./data).")
@click.version_option(package_name="cargorisk")
@click.pass_context
def app(ctx: click.Context, verbose: bool, quiet: bool, data_dir: Path | None) -> None:
    """Cargo-theft risk scoring and truck route planning across the Mexico-US border."""
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Settings.from_env(data_dir=data_dir)
    ctx.meta["quiet"] = quiet


def say(text: str) -> None:
    """Print a result line unless ``--quiet`` was given."""
    if not click.get_current_context().meta.get("quiet"):
        click.echo(text)


@app.group("data")
def data_group() -> None:
    """Fetch, build and inspect the public data sources."""


@data_group.command("fetch")
@sources_argument
@click.option("--mirror", type=click.Path(path_type=Path),
              help="Copy from this folder (laid out like ../shared/data) instead of downloading.")
@click.option("--force", is_flag=True, help="Fetch again even when up to date.")
@click.pass_obj
def data_fetch(settings: Settings, sources: tuple[str, ...], mirror: Path | None, force: bool) -> None:
    """Copy the raw files from a mirror folder, or download them from the publishers.

    SOURCES are source ids (mirror folder names); all when omitted.
    """
    results = fetch_sources(select_sources(list(sources)), settings.raw_dir, mirror=mirror, force=force)
    for r in results:
        say(f"{r.action:>10}  {r.source}/{r.file}  {r.bytes:,} B  sha256 {r.sha256[:12]}")


@data_group.command("build")
@sources_argument
@click.pass_obj
def data_build(settings: Settings, sources: tuple[str, ...]) -> None:
    """Turn the fetched raw files into tidy parquet tables in data/processed/."""
    built = build_sources(select_sources(list(sources)), settings.raw_dir, settings.processed_dir)
    for t in built:
        say(f"built  {t.table:<28} {t.rows:>9,} rows  {t.period}")


@data_group.command("status")
@click.pass_obj
def data_status_cmd(settings: Settings) -> None:
    """Show each source and table: fetched or missing, built or not, rows, period covered."""
    rows = data_status(settings.raw_dir, settings.processed_dir)
    say(f"{'source':<34} {'table':<28} {'raw':<8} {'built':<6} {'rows':>9}  period")
    for r in rows:
        count = f"{r.rows:,}" if r.rows is not None else "-"
        built = "yes" if r.built else "no"
        say(f"{r.source:<34} {r.table:<28} {r.raw:<8} {built:<6} {count:>9}  {r.period}")
    missing = [r.table for r in rows if not r.built]
    say(f"{len(rows) - len(missing)} of {len(rows)} tables built"
        + (": run `cargorisk data fetch` and `cargorisk data build`" if missing else ""))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    try:
        app.main(args=argv, prog_name="cargorisk", standalone_mode=False)
    except CargoRiskError as exc:
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("aborted", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
