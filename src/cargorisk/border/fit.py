"""Training of the border wait model: hours, fit, honest evaluation (:mod:`.evaluate`), the
model card, and the hour x weekday heatmaps."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd

from cargorisk._io import atomic_path
from cargorisk._text import normalise
from cargorisk.border.evaluate import evaluate_waits, season_check, uncertain_crossings
from cargorisk.border.hours import PortHours, build_port_hours, weekend_holdout
from cargorisk.border.ports import crossing_table
from cargorisk.border.waits import (
    GAMMA_SHAPE,
    BorderWaitModel,
    model_file,
    observed_profiles,
    open_spans,
    save_wait_model,
)
from cargorisk.config import Settings
from cargorisk.errors import DataSourceError
from cargorisk.sources import load_table

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# the published season facts' port texts and the crossings they are about
SEASON_PORTS = {
    "Nogales": "Mariposa",
    "Pharr": "Pharr International Bridge",
    "Otay Mesa": "Otay Mesa Commercial",
}


def facts_table(name: str, settings: Settings) -> pd.DataFrame | None:
    """A published-facts table, or None when it is not built (the documented fallback: hours
    from CBP's observations and the defaults, no season cross-check)."""
    try:
        return load_table(name, settings.processed_dir)
    except DataSourceError:
        return None


def plot_heatmap(model: BorderWaitModel, crossing: str, month: int, path: Path) -> Path:
    """Hour x weekday heatmap of the expected wait (grey = closed) as PNG."""
    heat = model.heat(crossing, month)
    fig, ax = plt.subplots(figsize=(5.2, 6))
    image = ax.imshow(heat.to_numpy(), aspect="auto", cmap="magma_r", vmin=0)
    ax.set_facecolor("#d9d9d9")
    ax.set(
        xticks=range(7),
        xticklabels=WEEKDAYS,
        yticks=range(0, 24, 2),
        ylabel="hour (local)",
        title=f"{crossing}\nexpected commercial wait, month {month} (min)",
    )
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return path


def slug(name: str) -> str:
    """File-name form of a crossing name."""
    return normalise(name).replace(" ", "_")


def train_wait_model(
    settings: Settings, graph: nx.MultiDiGraph
) -> tuple[BorderWaitModel, pd.DataFrame, Path]:
    """Build the hours, fit on all observed cells, evaluate, save the model with its card and
    the crossing table, write heatmaps."""
    crossings = crossing_table(graph, settings.processed_dir)
    observed = observed_profiles(load_table("cbp_wait_profile", settings.processed_dir), crossings)
    table = build_port_hours(facts_table("facts_port_hours", settings), crossings, open_spans(observed))
    hours = PortHours(table)
    evaluation = evaluate_waits(observed, crossings, hours)
    model = BorderWaitModel().fit(observed, crossings, hours)
    model.uncertain_ = uncertain_crossings(evaluation, crossings, list(observed))
    card = {
        "observed_crossings": list(observed),
        "elasticity": model.elasticity_,
        "carry_over_h": model.carry_over_h_,
        "assumptions": [
            "crossings without CBP wait history: wait = max(level x shape(weekday, hour) x season(month), "
            "backlog at opening)",
            "level scales with the crossing's trucks per year to the power 'elasticity', fitted on the "
            "observed crossings' mean waits and volumes; below the smallest observed volume it falls in "
            "proportion to volume (a queue's light-traffic limit)",
            "season: the crossing's own calendar-month truck index (BTS per port, CBP per Texas bridge; "
            "trucks per day over the trend, 8 years, 2020 out) to the power 'elasticity'",
            "hours: each crossing's own, from CBP's observations, the published facts and the CBP feed "
            "(its one string as weekday hours, not '24 hrs/day'; border/hours.py); 'hours assumed' where "
            "none is sourced, a weekend day then as most crossings whose hours that day are stated",
            "backlog: the arrivals of the last 'carry_over_h' hours of a closure queue at opening, served "
            "at the busiest hour's rate; carry_over_h fitted on the observed opening-hour waits",
            f"individual waits ~ gamma(shape {GAMMA_SHAPE}) around the mean, for p50/p90",
            "CBP's history has only General commercial lanes: FAST waits are read from a live feed only",
        ],
        "evaluation": evaluation.round(3).to_dict(orient="records"),
        "weekend_hours_holdout": weekend_holdout(table).to_dict(orient="records"),
        "uncertain": sorted(model.uncertain_),
        "season_check": season_check(model, facts_table("facts_port_seasons", settings), SEASON_PORTS),
    }
    folder = settings.models_dir / "border"
    for row in crossings.itertuples():
        plot_heatmap(model, row.crossing, 3, folder / f"wait_{row.port_code}_{slug(row.crossing)}.png")
    return model, evaluation, save_wait_model(model, model_file(settings), card, crossings)
