"""Data layer: a registry of public sources, fetching (mirror or download), readers that
turn the raw files into tidy tables, and their status."""

import lazy_loader

# submodules load on first use of a name (a router read from its snapshot starts fast)
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "base": ["Source", "SourceFile", "Table"],
        "build": ["TableStatus", "build_sources", "data_status", "load_table", "verify_raw"],
        "fetch": ["FetchResult", "fetch_sources"],
        "registry": ["SOURCES", "find_table", "select_sources"],
    },
)
