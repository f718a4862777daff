"""Border crossings: the ports table and the expected commercial wait at each crossing."""

import lazy_loader

# submodules load on first use of a name (a router read from its snapshot starts fast)
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "evaluate": ["evaluate_waits"],
        "fit": ["plot_heatmap", "train_wait_model"],
        "hours": ["PortHours", "Span", "build_port_hours"],
        "live": ["read_live_waits"],
        "names": ["crossings_named", "resolve_crossing"],
        "ports": ["crossing_table", "port_time_zone"],
        "waits": [
            "BorderWaitModel",
            "WaitEstimate",
            "arrival_time",
            "load_wait_model",
            "load_wait_model_cached",
            "model_file",
            "parse_time",
            "save_wait_model",
        ],
    },
)
