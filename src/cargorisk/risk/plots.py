"""Backtest figure: predicted vs observed per predictor (log axes) and a calibration panel."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from cargorisk._io import atomic_path


def plot_backtest(predictions: pd.DataFrame, path: Path) -> Path:
    """Write the figure for out-of-fold ``predictions`` (predictor, observed, predicted) as PNG."""
    names = list(dict.fromkeys(predictions["predictor"]))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    scatter, calib = axes
    for name in names:
        part = predictions[predictions["predictor"] == name]
        scatter.scatter(part["observed"] + 1, part["predicted"] + 1, s=10, alpha=0.6, label=name)
        bins = pd.qcut(part["predicted"].rank(method="first"), 8, labels=False)
        means = part.groupby(bins)[["predicted", "observed"]].mean()
        calib.plot(means["predicted"], means["observed"], marker="o", label=name)
    top = float(predictions[["observed", "predicted"]].max().max()) * 1.2 + 1
    for ax in axes:
        ax.plot([1, top], [1, top], color="grey", lw=1, ls="--")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
    scatter.set(
        xlabel="observed carrier robberies + 1",
        ylabel="predicted + 1",
        title="Rolling-origin backtest, state x year",
    )
    calib.set(xlabel="mean predicted (octiles)", ylabel="mean observed", title="Calibration")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path


__all__ = ["plot_backtest"]
