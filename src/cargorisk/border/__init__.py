"""Border crossings: the ports table and the expected commercial wait at each crossing."""

from cargorisk.border.fit import evaluate_waits, model_file, plot_heatmap, train_wait_model
from cargorisk.border.ports import crossing_table, crossings_named, port_time_zone, resolve_crossing
from cargorisk.border.waits import (
    BorderWaitModel,
    WaitEstimate,
    arrival_time,
    load_wait_model,
    parse_time,
    read_live_waits,
    save_wait_model,
)

__all__ = [
    "BorderWaitModel",
    "WaitEstimate",
    "arrival_time",
    "crossing_table",
    "crossings_named",
    "evaluate_waits",
    "load_wait_model",
    "model_file",
    "parse_time",
    "plot_heatmap",
    "port_time_zone",
    "read_live_waits",
    "resolve_crossing",
    "save_wait_model",
    "train_wait_model",
]
