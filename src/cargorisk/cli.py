"""The ``cargorisk`` command line.

Errors that cargorisk raises on purpose print as one line on stderr with exit code 1;
usage errors exit with 2 (click's convention). No traceback reaches the user.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from pathlib import Path

import click

from cargorisk import sources as data_sources  # lazy: each command loads what it uses
from cargorisk._log import stage
from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError, InputError

sources_argument = click.argument("sources", nargs=-1)
MAX_FILE_LINES = 10  # fetch output: above this many files, a source is summarised per action


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress.")
@click.option("-q", "--quiet", is_flag=True, help="No logs or progress bars: the answer and errors only.")
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    help="Folder holding data/, models/ and maps/ (default: the checkout found upward from here, "
    "else the per-user folder; see README 'Where things live').",
)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data folder (default: HOME/data).")
@click.option("--models-dir", type=click.Path(path_type=Path), help="Models folder (default: HOME/models).")
@click.option("--maps-dir", type=click.Path(path_type=Path), help="Maps folder (default: HOME/maps).")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a setting for this run, e.g. --set toll_usd_per_km_mx=0.4 (repeatable).",
)
@click.version_option(package_name="cargorisk")
@click.pass_context
def app(
    ctx: click.Context,
    verbose: bool,
    quiet: bool,
    home: Path | None,
    data_dir: Path | None,
    models_dir: Path | None,
    maps_dir: Path | None,
    overrides: tuple[str, ...],
) -> None:
    """Cargo-theft risk scoring and truck route planning across the Mexico-US border."""
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(home=home, data_dir=data_dir, models_dir=models_dir, maps_dir=maps_dir)
    ctx.obj = settings.with_overrides(overrides)
    ctx.meta["quiet"] = quiet


def say(text: str) -> None:
    """Print a line of the answer (``--quiet`` silences logs and progress, never the answer)."""
    click.echo(text)


@app.group("data")
def data_group() -> None:
    """Fetch, build and inspect the public data sources."""


@data_group.command("fetch")
@sources_argument
@click.option(
    "--mirror",
    type=click.Path(path_type=Path),
    help="Copy from this folder (laid out like ../shared/data) instead of downloading.",
)
@click.option("--force", is_flag=True, help="Fetch again even when up to date.")
@click.pass_obj
def data_fetch(settings: Settings, sources: tuple[str, ...], mirror: Path | None, force: bool) -> None:
    """Copy the raw files from a mirror folder, or download them from the publishers.

    SOURCES are source ids (mirror folder names); all when omitted.
    """
    with stage("fetch raw files") as note:
        results = data_sources.fetch_sources(
            data_sources.select_sources(list(sources)), settings.raw_dir, mirror=mirror, force=force
        )
        note["result"] = f"{len(results)} files"
    for line in fetch_lines(results):
        say(line)


def fetch_lines(results: list) -> list[str]:
    """One line per file; sources with many files (Travel Mapping) get one line per action."""
    lines, groups = [], {}
    for r in results:
        groups.setdefault(r.source, []).append(r)
    for source, files in groups.items():
        if len(files) <= MAX_FILE_LINES:
            lines += [
                f"{r.action:>10}  {source}/{r.file}  {r.bytes:,} B  sha256 {r.sha256[:12]}" for r in files
            ]
            continue
        for action in sorted({r.action for r in files}):
            done = [r for r in files if r.action == action]
            lines.append(f"{action:>10}  {source}/  {len(done):,} files  {sum(r.bytes for r in done):,} B")
    return lines


@data_group.command("build")
@sources_argument
@click.pass_obj
def data_build(settings: Settings, sources: tuple[str, ...]) -> None:
    """Turn the fetched raw files into tidy parquet tables in data/processed/."""
    with stage("build tables") as note:
        built = data_sources.build_sources(
            data_sources.select_sources(list(sources)),
            settings.raw_dir,
            settings.processed_dir,
            skip_unfetched=not sources,
        )
        note["result"] = f"{len(built)} tables"
    for t in built:
        say(f"built  {t.table:<28} {t.rows:>9,} rows  {t.period}")


@data_group.command("status")
@click.pass_obj
def data_status_cmd(settings: Settings) -> None:
    """Show each source and table: fetched or missing, built or not, rows, period covered."""
    rows = data_sources.data_status(settings.raw_dir, settings.processed_dir)
    say(f"{'source':<34} {'table':<28} {'raw':<8} {'built':<6} {'rows':>9}  period")
    for r in rows:
        count = f"{r.rows:,}" if r.rows is not None else "-"
        built = "yes" if r.built else "no"
        say(f"{r.source:<34} {r.table:<28} {r.raw:<8} {built:<6} {count:>9}  {r.period}")
    missing = [r.table for r in rows if not r.built]
    say(
        f"{len(rows) - len(missing)} of {len(rows)} tables built"
        + (": run `cargorisk data fetch` and `cargorisk data build`" if missing else "")
    )


@app.group("network")
def network_group() -> None:
    """Build, inspect, search and export road graphs."""


@network_group.command("info")
@click.argument("source", default="national")
@click.option("--no-tag", is_flag=True, help="Skip state/municipality tagging (no INEGI polygons needed).")
@click.pass_obj
def network_info(settings: Settings, source: str, no_tag: bool) -> None:
    """Summarise a road graph: SOURCE is 'national' (default), 'corridor', a .graphml, .osm or
    line layer."""
    from cargorisk.network import describe_network, load_network  # noqa: PLC0415  (heavy import)

    info = describe_network(load_network(source, settings=settings, tag=not no_tag))
    if info["name"]:
        say(f"{info['name']}" + (f"; data: {info['source']}" if info["source"] else ""))
    say(
        f"nodes {info['nodes']:,}  edges {info['edges']:,}  "
        f"strongly connected components {info['components']}"
    )
    say("node kinds: " + ", ".join(f"{k} {v:,}" for k, v in info["kinds"].items()))
    for label, km in info["km"].items():
        say(f"road km  {label:<14} {km:>10,.0f}")
    rules = info["truck_rules_km"]
    if rules:
        say("road km with truck rules: " + ", ".join(f"{k} {v:,.0f}" for k, v in rules.items()))
    say(
        f"ports of entry with crossing edges: {len(info['ports'])} ({', '.join(info['ports'])}); "
        f"crossings {info['crossings']}"
    )
    for line in build_notes(info):
        say(line)
    for what in ("node", "edge"):
        shares = info[f"{what}_completeness"]
        say(f"{what} attributes: " + ", ".join(f"{a} {v:.0%}" for a, v in shares.items()))
    problems = info["problems"]
    say(f"problems: {len(problems)}" + "".join(f"\n  - {p}" for p in problems[:20]))


def build_notes(info: dict) -> list[str]:
    """What the builder dropped and added (fragments, port links), from the graph metadata."""
    lines = []
    dropped = info.get("dropped")
    if dropped:
        nodes, km = dropped["nodes"], dropped["km"]
        lines.append(f"fragments dropped: {dropped['components']} ({nodes:,} nodes, {km:,.0f} km)")
    links = info.get("port_links") or []
    if links:
        by_source = Counter(link["source"] for link in links)
        longest = sorted(links, key=lambda link: -link["km"])[:3]
        lines.append(
            f"port links: {len(links)} ("
            + ", ".join(f"{n} {src}" for src, n in sorted(by_source.items()))
            + "); longest: "
            + ", ".join(f"{link['bridge']} {link['side']} {link['km']:.1f} km" for link in longest)
        )
    return lines


@network_group.command("place")
@click.argument("queries", nargs=-1, required=True)
@click.pass_obj
def network_place(settings: Settings, queries: tuple[str, ...]) -> None:
    """Resolve place names or 'lat,lon' to nodes of the national graph (each query on its own)."""
    from cargorisk.network import load_gazetteer, load_network  # noqa: PLC0415

    gazetteer = load_gazetteer(load_network(settings=settings), settings)
    failed = 0
    for query in queries:
        try:
            p = gazetteer.resolve(query)
        except CargoRiskError as exc:
            failed += 1
            click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
            continue
        say(
            f"{query} -> {p.name}  node={p.node}  lon={p.lon:.4f} lat={p.lat:.4f}  "
            f"snap={p.snap_km:.1f} km  ({p.source})"
        )
    if failed:
        raise click.exceptions.Exit(1)


@network_group.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--source", default="national", help="Graph to export: national (default), corridor or a file.")
@click.pass_obj
def network_export(settings: Settings, path: Path, source: str) -> None:
    """Save a road graph as GraphML (.graphml) or GeoPackage (.gpkg)."""
    from cargorisk.network import load_network, save_graph  # noqa: PLC0415

    graph = load_network(source, settings=settings)
    save_graph(graph, path)
    say(f"wrote {path} ({graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges)")


@network_group.command("fit-speeds")
@click.option("--dry-run", is_flag=True, help="Fit and report, but keep the current speed model file.")
@click.pass_obj
def network_fit_speeds(settings: Settings, dry_run: bool) -> None:
    """Fit the speed model to the published driving times of data/network/driving_times.csv and
    write data/network/speed_model.json (the national graph is rebuilt with it on next use)."""
    from cargorisk.network import load_gazetteer, load_network, network_dir  # noqa: PLC0415
    from cargorisk.network.speed_fit import (  # noqa: PLC0415
        fit_speed_model,
        read_driving_times,
        report_lines,
        table_checksum,
    )
    from cargorisk.network.speeds import MODEL_FILE  # noqa: PLC0415

    folder = network_dir(settings)
    graph = load_network(settings=settings)
    with stage("fit the speed model"):
        fit = fit_speed_model(graph, load_gazetteer(graph, settings), read_driving_times(folder))
    fit.model.card["table_sha256"] = table_checksum(folder)
    for line in report_lines(fit):
        say(line)
    if not dry_run:
        fit.model.save(folder / MODEL_FILE)
        say(f"wrote {folder / MODEL_FILE}")


@network_group.command("trace")
@click.pass_obj
def network_trace(settings: Settings) -> None:
    """Maintainers: re-derive data/network/edge_geometry.csv from the built road line layers."""
    from cargorisk.network import network_dir  # noqa: PLC0415
    from cargorisk.network.trace import trace_corridor  # noqa: PLC0415

    folder = network_dir(settings)
    out = trace_corridor(
        folder,
        data_sources.load_table("mx_roads_dcw", settings.processed_dir),
        data_sources.load_table("us_roads_ne", settings.processed_dir),
    )
    traced = out["source"].str.startswith("traced").sum()
    say(f"wrote {folder / 'edge_geometry.csv'}: {traced} of {len(out)} roads traced over line layers")


def print_backtest(summary: object) -> None:
    """The backtest summary as an aligned table."""
    say(f"{'set-up':<17} {'predictor':<17} {'poisson_dev':>11} {'mae':>8} {'spearman':>9} {'top5_hit':>9}")
    for name, row in summary.iterrows():  # type: ignore[attr-defined]
        say(
            f"{row['setup']:<17} {name:<17} {row['poisson_deviance']:>11.2f} {row['mae']:>8.1f} "
            f"{row['spearman']:>9.3f} {row['top5_hit_rate']:>9.2f}"
        )


@app.command("train")
@click.option(
    "--incidents",
    type=click.Path(path_type=Path),
    help="Your incident CSV (lat, lon, datetime[, violent, value_usd]) for edge-level risk.",
)
@click.option(
    "--municipal",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="SESNSP's official municipal file (IDM_NM_*.csv, latin1) for current municipal shares "
    "(default: the built 2015-2020 municipal table).",
)
@click.pass_obj
def train_cmd(settings: Settings, incidents: Path | None, municipal: Path | None) -> None:
    """Backtest and fit the theft-risk model on the built data; save it with its model card."""
    from cargorisk.network import load_network  # noqa: PLC0415
    from cargorisk.risk import train  # noqa: PLC0415

    with stage("load the corridor network"):
        graph = load_network(settings=settings)
    with stage("backtest and train the theft model") as note:
        result = train(settings, graph, municipal_file=municipal)
        note["result"] = f"default predictor {result.default}"
    print_backtest(result.summary)
    partial = result.summary[result.summary["setup"] == "partial-year lag"]["poisson_deviance"]
    beats = partial["lightgbm"] < partial[["last_year", "mean_3y", "empirical_bayes"]].min()
    say(
        f"LightGBM {'beats' if beats else 'does not beat'} the baselines on partial-year Poisson deviance; "
        f"default predictor: {result.default} (lowest partial-year deviance without losing on rank)"
    )
    say(f"wrote {result.card_path}")
    from cargorisk.border import train_wait_model  # noqa: PLC0415

    with stage("fit and evaluate the border wait model, write heatmaps"):
        _, evaluation, wait_path = train_wait_model(settings, graph)
    print_wait_evaluation(evaluation)
    print_weekend_holdout(json.loads(wait_path.read_text())["card"]["weekend_hours_holdout"])
    say(f"wrote {wait_path} and hour x weekday heatmaps in {settings.models_dir / 'border'}")
    if incidents is not None:
        from cargorisk.risk.edges import train_edge_model  # noqa: PLC0415

        report = train_edge_model(settings, load_network(settings=settings), incidents)
        say(report.summary())


@app.command("calibrate")
@click.option("--thefts", type=click.IntRange(min=0), help="Thefts in your loss history.")
@click.option("--trips", type=click.FloatRange(min=0, min_open=True), help="Loaded trips in that history.")
@click.option("--km", type=float, help="Loaded km of those trips in Mexico (a fleet history).")
@click.option("--lane", nargs=2, help="ORIGIN DESTINATION: the trips all ran this lane.")
@click.option("--year", type=int, default=2025, show_default=True, help="Year of the theft model.")
@click.option("--reset", is_flag=True, help="Drop the calibration (back to the prior).")
@click.pass_obj
def calibrate_cmd(
    settings: Settings,
    thefts: int | None,
    trips: float | None,
    km: float | None,
    lane: tuple[str, str] | None,
    year: int,
    reset: bool,
) -> None:
    """Scale theft risk to your own losses (a Bayesian update; without options: show the
    calibration in force). E.g. `cargorisk calibrate --thefts 3 --trips 1200 --km 1.1e6`."""
    from cargorisk.risk.calibration import (  # noqa: PLC0415
        CALIBRATION_FILE,
        history_scale,
        load_scale,
        prior_scale,
        save_scale,
    )

    if reset:
        (settings.models_dir / CALIBRATION_FILE).unlink(missing_ok=True)
    if thefts is not None or trips is not None:
        if thefts is None or trips is None:
            msg = "give both --thefts and --trips (and --km or --lane)"
            raise InputError(msg)
        scale = history_scale(settings, thefts=thefts, trips=trips, km=km, lane=lane or None, year=year)
        say(f"wrote {save_scale(settings.models_dir, scale)}")
    scale = load_scale(settings.models_dir, settings.theft_scale_prior_shape)
    low, high = scale.interval()
    if scale.basis == "prior":
        prior = prior_scale(settings.theft_scale_prior_shape).interval()
        say(f"no calibration in force: scale 1.00 (prior, 90% {prior[0]:.2f}-{prior[1]:.2f})")
        return
    say(
        f"calibration in force ({scale.created}): {scale.thefts} thefts in {scale.trips:,.0f} trips "
        f"({scale.basis}); the model expected {scale.expected:.2f}"
    )
    say(f"scale x{scale.mean:.2f} on every theft rate (90% {low:.2f}-{high:.2f})")


@app.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16), help="Worker processes.")
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """The HTTP API (JSON, GeoJSON, lane books; docs at /docs). Listening beyond 127.0.0.1
    needs CARGORISK_API_KEY, which clients send as the X-API-Key header."""
    from cargorisk.service import serve  # noqa: PLC0415

    serve(ctx.obj, host, port, workers, quiet=bool(ctx.meta.get("quiet")))


@app.command("evaluate")
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path),
    help="Write the backtest (per fold and summary) here (default: models/backtest.json).",
)
@click.pass_obj
def evaluate_cmd(settings: Settings, json_path: Path | None) -> None:
    """Rolling-origin backtest of LightGBM and the baselines on the same folds."""
    import json  # noqa: PLC0415

    from cargorisk._io import write_bytes_atomic  # noqa: PLC0415
    from cargorisk.network import load_network  # noqa: PLC0415
    from cargorisk.risk import build_state_panel  # noqa: PLC0415
    from cargorisk.risk.train import evaluate  # noqa: PLC0415

    folds, summary, _ = evaluate(build_state_panel(settings.processed_dir, load_network(settings=settings)))
    print_backtest(summary)
    path = json_path or settings.models_dir / "backtest.json"
    doc = {
        "summary": summary.round(4).reset_index().to_dict(orient="records"),
        "folds": folds.round(4).to_dict(orient="records"),
    }
    write_bytes_atomic(path, (json.dumps(doc, indent=2) + "\n").encode())
    say(f"wrote {path}")


@app.group("risk")
def risk_group() -> None:
    """Predicted theft risk by state and by road edge."""


@risk_group.command("states")
@click.option("--year", type=int, required=True, help="Year to predict (up to one past the data).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
@click.pass_obj
def risk_states(settings: Settings, year: int, as_json: bool) -> None:
    """Per Mexican state for YEAR: the forecast of reported carrier robberies (SESNSP), the
    estimated true incidence with its 90% interval, the correction between them and the theft
    rate per million loaded truck-km that routing uses."""
    from cargorisk.network import load_network  # noqa: PLC0415
    from cargorisk.risk import risk_network  # noqa: PLC0415
    from cargorisk.risk.reporting import state_table  # noqa: PLC0415

    graph = risk_network(settings, load_network(settings=settings), year)
    table = state_table(graph.graph["theft_chain"], graph.graph["theft_incidence"])
    if as_json:
        click.echo(table.round(4).to_json(orient="records", force_ascii=False))
        return
    seen = "observed" in table.columns
    say(f"{'':>2} {'state':<20} {'reported':>9}{' observed' if seen else ''} {'incidence':>9} {'90%':>13} "
        f"{'x':>7} {'sources':>7} {'rate/Mkm':>8}")  # fmt: skip
    for r in table.itertuples(index=False):
        observed = f" {r.observed:8.0f}" if seen else ""
        say(f"{r.cve_ent:>2} {r.state[:20]:<20} {r.predicted:9.1f}{observed} {r.incidence:9.0f} "
            f"{r.low:6.0f}-{r.high:<6.0f} {r.correction:7.1f} {r.sources:>7} {r.rate:8.3f}")  # fmt: skip
    say(
        "reported: SESNSP forecast; incidence: estimated robberies, reported or not (reporting model); "
        "x: incidence over reports at the national rate (1 = reports like the country); sources: "
        "published figures naming the state; rate: per million loaded truck-km, for routing"
    )


@risk_group.command("cargo")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
def risk_cargo(as_json: bool) -> None:
    """Cargo types for --cargo-type and the cargo_type column: share of Mexican cargo thefts
    (cited), assumed share of loaded trips, and the theft multiplier they give."""
    import json  # noqa: PLC0415

    from cargorisk.risk.cargo import THEFT_SOURCES, card_table  # noqa: PLC0415

    rows = card_table()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    say(f"{'cargo type':<20} {'thefts %':>8} {'trips %':>8} {'theft x':>8}")
    say(f"{'general':<20} {'':>8} {'':>8} {1.0:8.2f}")
    for row in rows:
        say(
            f"{row['cargo_type']:<20} {row['theft_pct']:8.1f} {row['assumed_trips_pct']:8.1f} "
            f"{row['multiplier']:8.2f}"
        )
    say("thefts: " + "; ".join(THEFT_SOURCES) + ". trips: assumed (no published breakdown).")


@risk_group.command("explain")
@click.argument("state")
@click.option("--year", type=int, required=True, help="Year of the prediction.")
@click.pass_obj
def risk_explain(settings: Settings, state: str, year: int) -> None:
    """Why STATE's risk is what it is for YEAR: what drives its reported forecast (LightGBM
    contributions), how the reporting model corrects it and which municipalities carry it."""
    import math  # noqa: PLC0415

    from cargorisk.network import load_network  # noqa: PLC0415
    from cargorisk.risk import risk_network, state_drivers  # noqa: PLC0415
    from cargorisk.risk.attach import municipal_shares  # noqa: PLC0415
    from cargorisk.sources import load_table  # noqa: PLC0415

    graph = load_network(settings=settings)
    drivers = state_drivers(settings, graph, year, state)
    risky = risk_network(settings, graph, year)
    chain = risky.graph["theft_chain"]
    say(
        f"{state} {year}: predicted {chain.loc[state, 'reported']:.0f} reported carrier robberies "
        f"(default predictor: {chain.attrs['predicted'].set_index('state').loc[state, 'predictor']}); "
        "drivers vs last year's count:"
    )
    for text, value in drivers:
        say(f"  {'+' if value > 0 else '-'} {text}: x{math.exp(value):.2f}")
    incidence = risky.graph["theft_incidence"]
    if incidence is not None:
        row = incidence.loc[state]
        say(
            f"estimated incidence {row['incidence']:,.0f} robberies "
            f"(90%: {row['low']:,.0f}-{row['high']:,.0f}), "
            f"x{row['correction']:.1f} its reports at the national reporting rate; "
            f"{int(row['sources'])} published source(s) name it"
        )
    names = load_table("mx_municipality_names", settings.processed_dir).set_index("cvegeo")["municipality"]
    shares = municipal_shares(risky, state)
    say(f"where its risk lies ({len(shares)} municipalities with roads on the graph; largest shares):")
    for code, share in shares.head(6).items():
        say(f"  {names.get(code, code)}: {share:.0%}")
    say(f"rate {chain.loc[state, 'rate']:.3f} thefts per million loaded truck-km (state mean)")


@risk_group.command("edges")
@click.option("--year", type=int, required=True, help="Year of the state predictions.")
@click.option(
    "--top",
    type=click.IntRange(1, 100_000),
    default=15,
    show_default=True,
    help="How many stretches to list.",
)
@click.option("--state", "state", help="Only this state's stretches.")
@click.option(
    "--min-km", type=click.FloatRange(min=0), default=10.0, show_default=True,
    help="Leave out stretches shorter than this (a few hundred metres of city street say little).",
)  # fmt: skip
@click.pass_obj
def risk_edges(settings: Settings, year: int, top: int, state: str | None, min_km: float) -> None:
    """The road stretches with the highest theft rate for YEAR: each road within each
    municipality once, with its rate, the chance that one loaded trip over it is robbed, its
    modelled trucks a day and its share of its state's robberies."""
    from cargorisk.network import load_network  # noqa: PLC0415
    from cargorisk.risk import risk_network  # noqa: PLC0415
    from cargorisk.risk.attach import stretch_risk_table  # noqa: PLC0415
    from cargorisk.sources import load_table  # noqa: PLC0415

    graph = risk_network(settings, load_network(settings=settings), year)
    names = load_table("mx_municipality_names", settings.processed_dir).set_index("cvegeo")["municipality"]
    table = stretch_risk_table(graph, names.to_dict())
    if state is not None:
        if state not in set(table["state"]):
            msg = f"unknown state {state!r}; choose from {sorted(set(table['state']))}"
            raise InputError(msg)
        table = table[table["state"] == state]
    table = table[table["km"] >= min_km]
    say(f"{'road':<14} {'municipality':<24} {'state':<18} {'km':>6} {'rate/Mkm':>9} {'P(theft)':>9} "
        f"{'trucks/d':>8} {'state %':>7}")  # fmt: skip
    for r in table.head(top).itertuples(index=False):
        say(f"{r.ref[:14]:<14} {r.municipality[:24]:<24} {r.state[:18]:<18} {r.km:>6,.0f} "
            f"{r.theft_rate:>9.3f} "
            f"{r.theft_prob:>9.2e} {r.trucks_per_day:>8,.0f} {r.state_share:>7.1%}")  # fmt: skip


def print_wait_evaluation(evaluation: object) -> None:
    """Border wait evaluation: held-out MAE (min) of the model and the three baselines."""
    head = f"{'border wait test (MAE, min)':<48} {'model':>6} {'zero':>6} {'h-o-w':>6} {'volume':>7}"
    say(head + "  beats naive")
    for row in evaluation.itertuples(index=False):  # type: ignore[attr-defined]
        test = f"{row.test}, {row.crossing}"
        say(
            f"{test:<48} {row.model:>6.1f} {row.zero:>6.1f} {row.hour_of_week:>6.1f} "
            f"{row.volume_only:>7.1f}  {'yes' if row.beats_naive else 'no'}"
        )


def print_weekend_holdout(rows: list[dict]) -> None:
    """Weekend hours where no source states them, left one crossing out: hours of the day wrong."""
    for day in ("saturday", "sunday"):
        found = [r for r in rows if r["day"] == day]
        if found:
            default = sum(r["default_error_h"] for r in found) / len(found)
            weekday = sum(r["weekday_error_h"] for r in found) / len(found)
            say(
                f"{day} hours assumed, left one of {len(found)} stated crossings out: {default:.1f} h of 24 "
                f"wrong (the weekday hours taken for the weekend, the rule before: {weekday:.1f} h)"
            )


@app.group("border")
def border_group() -> None:
    """Commercial crossings: volumes, opening hours and expected waits."""


def border_context(settings: Settings) -> tuple:
    """The crossing table the wait model was fitted on and the model (no road graph loaded)."""
    from cargorisk.border import load_wait_model_cached, model_file  # noqa: PLC0415

    model, _ = load_wait_model_cached(model_file(settings), settings.cache_dir)
    return model.crossings_, model


@border_group.command("ports")
@click.option(
    "--direction",
    type=click.Choice(["northbound", "southbound", "mx_export"]),
    default="northbound",
    show_default=True,
    help=(
        "Whose hours: a northbound truck's (CBP's within the Mexican export customs', as plans use "
        "them), Mexican customs import (southbound) or export alone (mx_export)."
    ),
)
@click.pass_obj
def border_ports(settings: Settings, direction: str) -> None:
    """Every commercial crossing: trucks per day, growth, a typical weekday wait, and its
    commercial hours (Mon-Fri, Sat, Sun) with their sources."""
    import math  # noqa: PLC0415
    from datetime import datetime  # noqa: PLC0415
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    table, model = border_context(settings)
    say(
        f"{'code':<5} {'crossing':<44} {'trucks/day':>10} {'growth':>7} {'Tue 10:00':>10}  "
        f"{'Mon-Fri':<12} {'Sat':<12} {'Sun':<12}"
    )
    for row in table.itertuples(index=False):
        tuesday = datetime(2026, 3, 3, 10, tzinfo=ZoneInfo(row.time_zone))
        est = model.predict_wait(row.crossing, tuesday, row.time_zone, direction=direction)
        wait = f"{est.mean_min:.0f} min" if est.is_open else "closed"
        source = est.source.split(";")[0]
        if direction == "southbound" and est.is_open:  # CBP's waits are northbound: as plans price it
            wait, source = (
                f"{settings.southbound_wait_min:.0f} min",
                "assumed southbound (southbound_wait_min)",
            )
        growth = "-" if math.isnan(row.growth_12m) else f"{row.growth_12m:+.0%}"
        # the hours plans use: northbound, CBP's within the Mexican export customs'
        spans = {
            k: model.hours_.regular(row.crossing, k, direction) for k in ("weekday", "saturday", "sunday")
        }
        days = [
            spans[k].label() + ("*" if spans[k].assumed else "") for k in ("weekday", "saturday", "sunday")
        ]
        say(
            f"{row.port_code:<5} {row.crossing[:44]:<44} {row.trucks_per_day:>10,.0f} {growth:>7} "
            f"{wait:>10}  {days[0]:<12} {days[1]:<12} {days[2]:<12}"
        )
        uncertain = "; uncertain" if row.crossing in model.uncertain_ else ""
        say(f"      wait {source}{uncertain}; hours: {hours_sources(spans)}")
    say("* hours assumed (no source for that day); holidays: `cargorisk border waits --at <date>`")
    if direction != "northbound":
        say("trucks/day and growth are northbound crossings (BTS counts no southbound trucks)")


def hours_sources(spans: dict) -> str:
    """The sources of a crossing's weekday, Saturday and Sunday hours, each named once."""
    by_source: dict[str, list[str]] = {}
    for kind, label in (("weekday", "Mon-Fri"), ("saturday", "Sat"), ("sunday", "Sun")):
        by_source.setdefault(spans[kind].source, []).append(label)
    return "; ".join(f"{'/'.join(days)}: {source}" for source, days in by_source.items())


@border_group.command("waits")
@click.option(
    "--port",
    "port",
    required=True,
    help="Port, bridge, CBP or Mexican name, city or code (e.g. 'Laredo', 'Colombia', 'Zaragoza', '2304').",
)
@click.option(
    "--at",
    "at",
    required=True,
    help="Arrival time, ISO 8601 (2026-03-02T08:00); without an offset, the port's local time.",
)
@click.option(
    "--local", is_flag=True, hidden=True, help="Kept for old scripts: times without offset are local."
)
@click.option(
    "--waits",
    "waits_file",
    type=click.Path(path_type=Path),
    help="A saved CBP Border Wait Times JSON feed; its readings override the model.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def border_waits(
    settings: Settings, port: str, at: str, local: bool, waits_file: Path | None, as_json: bool
) -> None:
    """Expected commercial wait at a crossing, with p50/p90 and whether it is open."""
    import json  # noqa: PLC0415

    from cargorisk.border import arrival_time, read_live_waits, resolve_crossing  # noqa: PLC0415

    table, model = border_context(settings)
    row = resolve_crossing(port, table)
    when = arrival_time(at, row.time_zone)
    live = read_live_waits(waits_file) if waits_file else None
    est = model.predict_wait(row.crossing, when, row.time_zone, live)
    if as_json:
        click.echo(json.dumps(est.as_record(row.port_code)))
        return
    head = (
        f"{est.crossing} ({row.port_name}, {row.port_code}) at "
        f"{est.local_time:%a %Y-%m-%d %H:%M %Z} ({row.time_zone}): "
    )
    hours = f"hours that day {est.hours} ({est.hours_source}{'; assumed' if est.hours_assumed else ''})"
    if not est.is_open:
        say(head + f"commercial lanes closed{'' if est.source == 'closed' else f' ({est.source})'}; {hours}")
        return
    backlog = f", {est.backlog_min:.0f} of it the queue from the closure" if est.backlog_min >= 1 else ""
    say(
        head
        + f"expected wait {est.mean_min:.0f} min (p50 {est.p50_min:.0f}, p90 {est.p90_min:.0f}{backlog}; "
        f"{est.source}); {hours}"
    )


@border_group.command("heatmap")
@click.option("--port", "port", required=True, help="Port, bridge or port code.")
@click.option("--month", type=click.IntRange(1, 12), default=3, show_default=True)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="PNG path (default: maps/wait_<port>.png)."
)
@click.pass_obj
def border_heatmap(settings: Settings, port: str, month: int, output: Path | None) -> None:
    """Write an hour x weekday heatmap of the expected wait at a crossing."""
    from cargorisk.border import plot_heatmap, resolve_crossing  # noqa: PLC0415
    from cargorisk.border.fit import slug  # noqa: PLC0415

    table, model = border_context(settings)
    row = resolve_crossing(port, table)
    path = output or settings.maps_dir / f"wait_{row.port_code}_{slug(row.crossing)}.png"
    plot_heatmap(model, row.crossing, month, path)
    say(f"wrote {path}")


@app.command("route")
@click.argument("origin")
@click.argument("destination")
@click.option(
    "--depart",
    help="Departure, ISO 8601 (2026-03-02T06:00-06:00); without an offset, the origin's local time.",
)
@click.option("--cargo-value", type=float, help="Declared cargo value, USD (default from settings).")
@click.option(
    "--cargo-type",
    default="general",
    show_default=True,
    help="What the truck carries, e.g. food_beverage, electronics, pharma: scales theft risk "
    "(the types and multipliers: `cargorisk risk cargo`).",
)
@click.option(
    "--objective",
    type=click.Choice(["balanced", "fastest", "safest"], case_sensitive=False),
    default="balanced",
    show_default=True,
)
@click.option("--avoid-state", "avoid_states", multiple=True, help="State to avoid (repeatable).")
@click.option("--avoid-port", "avoid_ports", multiple=True, help="Port or bridge to avoid (repeatable).")
@click.option("--via-port", help="Cross at this port or bridge.")
@click.option("--max-theft-prob", type=float, help="Theft-probability budget for the route.")
@click.option("--team", is_flag=True, help="Two drivers: the truck stops only to change drivers.")
@click.option(
    "--max-time-ratio",
    type=float,
    help="Safest and alternatives take at most this x the fastest's hours (default 1.5).",
)
@click.option(
    "--depart-window", type=float, help="Hours after --depart searched for a better departure (default 24)."
)
@click.option("--pareto", is_flag=True, help="Add the exact time/theft-risk front within the bound.")
@click.option(
    "--crossing-mode",
    default="through",
    show_default=True,
    help="through (one truck door to door) or transfer (yard, transfer carrier, yard; how most loads cross).",
)
@click.option("--year", type=int, default=2025, show_default=True, help="Year of the theft-risk prediction.")
@click.option(
    "--waits", "waits_file", type=click.Path(path_type=Path), help="Saved CBP wait-times feed (JSON)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--map", "map_path", type=click.Path(path_type=Path), help="Write an HTML map (offline) here.")
@click.option("--png", "png_path", type=click.Path(path_type=Path), help="Write a static PNG map here.")
@click.pass_obj
def route_cmd(  # noqa: PLR0913, PLR0917  (one parameter per click option)
    settings: Settings,
    origin: str,
    destination: str,
    depart: str | None,
    cargo_value: float | None,
    cargo_type: str,
    objective: str,
    avoid_states: tuple[str, ...],
    avoid_ports: tuple[str, ...],
    via_port: str | None,
    max_theft_prob: float | None,
    team: bool,
    max_time_ratio: float | None,
    depart_window: float | None,
    pareto: bool,
    crossing_mode: str,
    year: int,
    waits_file: Path | None,
    as_json: bool,
    map_path: Path | None,
    png_path: Path | None,
) -> None:
    """Plan ORIGIN -> DESTINATION: recommended, fastest, safest and alternative routes."""
    from cargorisk.routing import Router  # noqa: PLC0415

    with stage("load network, risk, wait model and costs"):
        router = Router.from_settings(settings, year)
    if waits_file is not None:
        from cargorisk.border import read_live_waits  # noqa: PLC0415

        router.live = read_live_waits(waits_file)
    with stage("plan routes") as note:
        plan = router.plan(
            origin,
            destination,
            depart=depart,
            cargo_value=cargo_value,
            cargo_type=cargo_type,
            objective=objective,
            avoid_states=avoid_states,
            avoid_ports=avoid_ports,
            via_port=via_port,
            max_theft_prob=max_theft_prob,
            team=team,
            max_time_ratio=max_time_ratio,
            depart_window_h=depart_window,
            pareto=pareto,
            crossing_mode=crossing_mode,
        )
        note["result"] = f"{len(plan.routes())} routes, {len(plan.pareto)} Pareto points"
    click.echo(plan.to_json()) if as_json else say(plan.summary())
    if map_path or png_path:
        states = data_sources.load_table("mx_states", settings.processed_dir)
        if map_path:
            from cargorisk.viz import route_map, save_map  # noqa: PLC0415  (folium only here)

            fmap = route_map(plan, router, wait_model=router.wait_model, states=states)
            say(f"wrote {save_map(fmap, map_path)}")
        if png_path:
            from cargorisk.viz import route_png  # noqa: PLC0415  (matplotlib only here)

            say(f"wrote {route_png(plan, router, png_path, states=states)}")


@app.command("matrix")
@click.option("--from", "origins", multiple=True, required=True, help="An origin (repeatable).")
@click.option("--to", "destinations", multiple=True, required=True, help="A destination (repeatable).")
@click.option("--depart", help="Departure, ISO 8601; without an offset, each origin's local time.")
@click.option("--cargo-value", type=float, help="Declared cargo value, USD (default from settings).")
@click.option("--cargo-type", default="general", show_default=True, help="What the trucks carry.")
@click.option(
    "--objective",
    type=click.Choice(["balanced", "fastest", "safest"], case_sensitive=False),
    default="balanced",
    show_default=True,
    help="The search each cell's route comes from (see README: Matrix).",
)
@click.option("--team", is_flag=True, help="Two drivers.")
@click.option(
    "--crossing-mode", default="through", show_default=True, help="through or transfer (see route)."
)
@click.option("--year", type=int, default=2025, show_default=True, help="Year of the theft-risk prediction.")
@click.option("--json", "as_json", is_flag=True, help="Print the matrix as JSON (one array per figure).")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Write one row per pair: .csv or .parquet."
)
@click.pass_obj
def matrix_cmd(  # noqa: PLR0913, PLR0917  (one parameter per click option)
    settings: Settings,
    origins: tuple[str, ...],
    destinations: tuple[str, ...],
    depart: str | None,
    cargo_value: float | None,
    cargo_type: str,
    objective: str,
    team: bool,
    crossing_mode: str,
    year: int,
    as_json: bool,
    output: Path | None,
) -> None:
    """Every --from to every --to: km, hours, crossing, theft risk, expected loss and cost per
    pair, from one search per place (OSRM's table, Valhalla's matrix)."""
    from cargorisk.routing import Router  # noqa: PLC0415

    with stage("load network, risk, wait model and costs"):
        router = Router.from_settings(settings, year)
    with stage("route every pair") as note:
        found = router.matrix(
            list(origins), list(destinations), depart=depart, cargo_value=cargo_value,
            cargo_type=cargo_type, objective=objective, team=team, crossing_mode=crossing_mode,
        )  # fmt: skip
        note["result"] = f"{len(origins)} x {len(destinations)} pairs"
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False))
        return
    table = found.to_frame()
    if output is not None:
        write_pairs(table, output)
        say(f"wrote {output}")
        return
    say(table.to_string(index=False, na_rep="-"))


def write_pairs(table: object, output: Path) -> None:
    """A matrix's pairs as CSV or Parquet, by the file's suffix (written atomically)."""
    from cargorisk._io import atomic_path  # noqa: PLC0415

    if output.suffix.lower() not in (".csv", ".parquet"):
        msg = f"{output}: write the matrix as .csv or .parquet"
        raise InputError(msg)
    with atomic_path(output) as tmp:
        if output.suffix.lower() == ".parquet":
            table.to_parquet(tmp)  # type: ignore[attr-defined]
        else:
            table.to_csv(tmp, index=False)  # type: ignore[attr-defined]


@app.command("score-lanes")
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Scored lanes: .csv, .parquet or .geoparquet (with route geometry).",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--chunk-size",
    type=click.IntRange(1),
    default=50_000,
    show_default=True,
    help="Rows per chunk (bounds memory).",
)
@click.option("--year", type=int, default=2025, show_default=True, help="Year of the theft-risk prediction.")
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"], case_sensitive=False),
    default="local",
    show_default=True,
    help="Local processes, or a Dask cluster.",
)
@click.option("--scheduler", help="Dask scheduler address (default: a LocalCluster of --jobs workers).")
@click.pass_obj
def score_lanes_cmd(
    settings: Settings,
    source: Path,
    output: Path,
    jobs: int,
    chunk_size: int,
    year: int,
    engine: str,
    scheduler: str | None,
) -> None:
    """Score a book of lanes (CSV/Parquet: lane_id, origin, destination[, depart, cargo_value,
    cargo_type, objective]).

    Every row is scored or gets its own error; exit code 3 when some rows failed.
    """
    import os  # noqa: PLC0415

    from cargorisk.batch import score_file  # noqa: PLC0415

    show = (
        sys.stderr.isatty() and not os.environ.get("CI") and not click.get_current_context().meta.get("quiet")
    )
    counts = score_file(
        source,
        output,
        settings=settings,
        year=year,
        jobs=jobs,
        chunk_size=chunk_size,
        progress=show,
        engine=engine,
        scheduler=scheduler,
    )
    say(f"scored {counts['rows']:,} lanes: {counts['ok']:,} ok, {counts['failed']:,} failed; wrote {output}")
    if counts["failed"]:
        raise click.exceptions.Exit(3)


@app.command("doctor")
@click.pass_obj
def doctor_cmd(settings: Settings) -> None:
    """Check data, models, map assets and browser; say exactly what to run (exit 1 on failures)."""
    from cargorisk.doctor import report, run_checks  # noqa: PLC0415

    checks = run_checks(settings)
    click.echo(report(checks))
    if any(c.status == "fail" for c in checks):
        raise click.exceptions.Exit(1)


@app.group("map")
def map_group() -> None:
    """Maps of the whole network."""


@map_group.command("risk")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=Path("maps/risk.html"), show_default=True
)
@click.option("--year", type=int, default=2025, show_default=True)
@click.pass_obj
def map_risk(settings: Settings, output: Path, year: int) -> None:
    """Risk overview: every road of the corridor coloured by theft rate (offline HTML)."""
    from cargorisk.network import load_network  # noqa: PLC0415
    from cargorisk.risk import risk_network  # noqa: PLC0415
    from cargorisk.viz.maps import risk_map, save_map  # noqa: PLC0415

    graph = risk_network(settings, load_network(settings=settings), year)
    fmap = risk_map(graph, data_sources.load_table("mx_states", settings.processed_dir))
    say(f"wrote {save_map(fmap, output)}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    try:
        code = app.main(args=argv, prog_name="cargorisk", standalone_mode=False)
    except CargoRiskError as exc:
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("aborted", err=True)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
