"""Maps for dispatchers: interactive folium HTML (offline-capable) and static PNG."""

from cargorisk.viz.maps import map_html, route_map, save_map
from cargorisk.viz.static import route_png

__all__ = ["map_html", "route_map", "route_png", "save_map"]
