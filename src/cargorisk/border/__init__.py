"""Border crossings: the ports table and the expected commercial wait at each crossing."""

import lazy_loader

# submodules load on first use of a name (a router read from its snapshot starts fast)
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "fit": ["evaluate_waits", "model_file", "plot_heatmap", "train_wait_model"],
        "ports": ["crossing_table", "crossings_named", "port_time_zone", "resolve_crossing"],
        "waits": [
            "BorderWaitModel",
            "WaitEstimate",
            "arrival_time",
            "load_wait_model",
            "parse_time",
            "read_live_waits",
            "save_wait_model",
        ],
    },
)
