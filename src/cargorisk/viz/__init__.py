"""Maps for dispatchers: interactive folium HTML (offline-capable) and static PNG."""

import lazy_loader

# submodules load on first use of a name (a router read from its snapshot starts fast)
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "maps": ["map_html", "route_map", "save_map"],
        "static": ["route_png"],
    },
)
