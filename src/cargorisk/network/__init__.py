"""Road graphs for the Mexico-US corridor.

``load_network()`` returns the national road graph built from Travel Mapping's highway data,
``load_network("corridor")`` the embedded corridor network, both tagged with states and
municipalities; ``from_osm_xml`` and ``from_lines`` build graphs from OpenStreetMap extracts
and national line layers, ``join_at_ports`` joins a Mexican and a US graph at the ports of
entry, and ``resolve_place`` turns names and coordinates into nodes. All graphs follow the
osmnx conventions (``networkx.MultiDiGraph``, ``crs``, node ``x``/``y``, edge ``length`` in m
and ``travel_time`` in s).
"""

import lazy_loader

# heavy modules load on first use, so a router read from its snapshot starts fast
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "admin": ["AdminAreas", "tag_admin"],
        "io": ["load_graph", "save_graph"],
        "lines": ["from_lines", "join_at_ports"],
        "load": [
            "cached_national",
            "corridor_ports",
            "load_gazetteer",
            "load_network",
            "network_dir",
        ],
        "osm": ["from_osm_xml"],
        "places": ["Gazetteer", "Place", "resolve_place"],
        "validate": ["describe_network", "find_problems", "validate_graph"],
    },
)
