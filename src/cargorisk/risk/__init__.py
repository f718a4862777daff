"""Theft risk: the state-level carrier-robbery model, its baselines and backtest, and the
conversion to a theft rate and probability on every road edge."""

from cargorisk.risk.attach import attach_risk, exposure_sensitivity, state_exposure
from cargorisk.risk.baselines import EmpiricalBayes, LastYear, MultiYearMean
from cargorisk.risk.evaluate import backtest, score
from cargorisk.risk.features import FEATURES, build_state_panel
from cargorisk.risk.model import TheftRiskModel, load_model, save_model
from cargorisk.risk.train import (
    TrainResult,
    evaluate,
    explain_states,
    predict_states,
    risk_network,
    state_drivers,
    train,
)

__all__ = [
    "FEATURES",
    "EmpiricalBayes",
    "LastYear",
    "MultiYearMean",
    "TheftRiskModel",
    "TrainResult",
    "attach_risk",
    "backtest",
    "build_state_panel",
    "evaluate",
    "explain_states",
    "exposure_sensitivity",
    "load_model",
    "predict_states",
    "risk_network",
    "save_model",
    "score",
    "state_drivers",
    "state_exposure",
    "train",
]
