"""Theft risk: the state-level carrier-robbery model, its baselines and backtest, and the
conversion to a theft rate and probability on every road edge."""

import lazy_loader

# (the train function ``evaluate`` is imported from cargorisk.risk.train: the name is the module's)
# submodules load on first use of a name (a router read from its snapshot starts fast)
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "attach": ["attach_risk", "exposure_sensitivity", "state_exposure"],
        "baselines": ["EmpiricalBayes", "LastYear", "MultiYearMean"],
        "evaluate": ["backtest", "score"],
        "features": ["FEATURES", "build_state_panel"],
        "model": ["TheftRiskModel", "load_model", "save_model"],
        "train": [
            "TrainResult",
            "explain_states",
            "predict_states",
            "risk_network",
            "state_drivers",
            "train",
        ],
    },
)
