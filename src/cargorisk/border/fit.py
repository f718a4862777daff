"""Training and honest evaluation of the border wait model, and the hour x weekday heatmaps.

Evaluation 1, across crossings: fit on BOTA alone and predict Ysleta's open cells, and the
reverse (the elasticity is then the 0.5 prior, not fitted on the target). Evaluation 2, across
months: hold out March, June, September and December, fit on the other months of both
crossings, predict the held-out months. Baselines get the same training cells: the overall mean
wait, and the mean by hour of day. MAE is over cells that were open.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd

from cargorisk._io import atomic_path
from cargorisk.border.ports import crossing_table
from cargorisk.border.waits import (
    GAMMA_SHAPE,
    BorderWaitModel,
    observed_profiles,
    save_wait_model,
)
from cargorisk.config import Settings
from cargorisk.network.places import normalise
from cargorisk.sources import load_table

HELD_OUT_MONTHS = (3, 6, 9, 12)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def model_file(settings: Settings) -> Path:
    """Where the fitted border wait model lives."""
    return settings.models_dir / "border_waits.json"


def score_cells(
    model: BorderWaitModel, train: pd.DataFrame, test: pd.DataFrame, crossing: str
) -> dict[str, float]:
    """MAE of the model's *modelled* path and of the two baselines on the open test cells."""
    open_test = test[test["is_open"]]
    truth = open_test["wait_min"].to_numpy()
    keys = open_test.index.to_frame(index=False)
    modelled = [
        model.level(crossing) * model.shape(d, h, crossing) * float(model.season_[m])
        for m, d, h in keys.itertuples(index=False)
    ]
    train_open = train[train["is_open"]]
    by_hour = train_open.groupby(level="hour")["wait_min"].mean()
    hourly = keys["hour"].map(by_hour).fillna(train_open["wait_min"].mean()).to_numpy()
    return {
        "model": float(np.mean(np.abs(np.asarray(modelled) - truth))),
        "overall_mean": float(np.mean(np.abs(train_open["wait_min"].mean() - truth))),
        "hour_of_day_mean": float(np.mean(np.abs(hourly - truth))),
        "cells": len(truth),
    }


def evaluate_waits(observed: dict[str, pd.DataFrame], crossings: pd.DataFrame) -> pd.DataFrame:
    """Both evaluations (see module docstring): one row per test with the three MAEs."""
    rows = []
    names = list(observed)
    for source in names:
        for target in (n for n in names if n != source):
            model = BorderWaitModel(elasticity=0.5).fit({source: observed[source]}, crossings)
            model.levels_.pop(target, None)
            model.own_shape_.pop(target, None)
            rows.append(
                {
                    "test": f"fit {source}, predict {target}",
                    **score_cells(model, observed[source], observed[target], target),
                }
            )
    months = lambda cells, keep: cells[cells.index.get_level_values("month").isin(HELD_OUT_MONTHS) != keep]  # noqa: E731
    training = {c: months(cells, True) for c, cells in observed.items()}
    model = BorderWaitModel().fit(training, crossings)
    model.season_[:] = np.where(model.season_.index.isin(HELD_OUT_MONTHS), 1.0, model.season_)
    for crossing, cells in observed.items():
        rows.append(
            {
                "test": f"held-out months, {crossing}",
                **score_cells(model, training[crossing], months(cells, False), crossing),
            }
        )
    return pd.DataFrame(rows)


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
    """Fit on all observed cells, evaluate, save the model with its card, write heatmaps."""
    crossings = crossing_table(graph, settings.processed_dir)
    observed = observed_profiles(load_table("cbp_wait_profile", settings.processed_dir), crossings)
    evaluation = evaluate_waits(observed, crossings)
    model = BorderWaitModel().fit(observed, crossings)
    card = {
        "observed_crossings": list(observed),
        "elasticity": model.elasticity_,
        "assumptions": [
            "crossings without CBP wait history: wait = level x shape(weekday, hour) x season(month)",
            "level scales with the crossing's trucks per year to the power 'elasticity', fitted on the "
            "observed crossings' mean waits and volumes",
            "opening hours of modelled crossings follow the busiest observed crossing (Ysleta)",
            f"individual waits ~ gamma(shape {GAMMA_SHAPE}) around the mean, for p50/p90",
        ],
        "evaluation": evaluation.round(3).to_dict(orient="records"),
    }
    folder = settings.models_dir / "border"
    for row in crossings.itertuples():
        plot_heatmap(model, row.crossing, 3, folder / f"wait_{row.port_code}_{slug(row.crossing)}.png")
    return model, evaluation, save_wait_model(model, model_file(settings), card)
