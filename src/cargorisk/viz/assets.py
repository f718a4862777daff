"""Self-contained map HTML: the JS/CSS folium loads from CDNs, inlined from local npm copies.

Truck yards and border offices often have poor connectivity, so a saved map must not depend
on a CDN. The assets are the npm packages pinned in the repository's package.json (installed by
``make``, into ``node_modules/``); ``CARGORISK_JS_DIR`` points elsewhere. Leaflet's marker and
layer icons are inlined as data URIs. Two CSS files folium links are not needed by our maps
and are dropped: Bootstrap 3 glyphicons and folium's awesome-marker rotation rule.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from pathlib import Path

from cargorisk.errors import InputError

log = logging.getLogger(__name__)
# CDN address pattern -> file under node_modules (None: not needed, dropped)
ASSETS: list[tuple[str, str | None]] = [
    (r"/leaflet@[\d.]+/dist/leaflet\.js$", "leaflet/dist/leaflet.js"),
    (r"/leaflet@[\d.]+/dist/leaflet\.css$", "leaflet/dist/leaflet.css"),
    (r"/jquery-[\d.]+(\.min)?\.js$", "jquery/dist/jquery.min.js"),
    (r"/bootstrap@[\d.]+/dist/js/bootstrap\.bundle\.min\.js$", "bootstrap/dist/js/bootstrap.bundle.min.js"),
    (r"/bootstrap@[\d.]+/dist/css/bootstrap\.min\.css$", "bootstrap/dist/css/bootstrap.min.css"),
    (r"/Leaflet\.awesome-markers/[\d.]+/leaflet\.awesome-markers\.js$",
     "leaflet.awesome-markers/dist/leaflet.awesome-markers.js"),
    (r"/Leaflet\.awesome-markers/[\d.]+/leaflet\.awesome-markers\.css$",
     "leaflet.awesome-markers/dist/leaflet.awesome-markers.css"),
    (r"/fontawesome-free@[\d.]+/css/all\.min\.css$", "@fortawesome/fontawesome-free/css/all.min.css"),
    (r"/d3/[\d.]+/d3(\.min)?\.js$", "d3/d3.min.js"),
    (r"/bootstrap-glyphicons\.css$", None),
    (r"/leaflet\.awesome\.rotate(\.min)?\.css$", None),
]  # fmt: skip
TAG = re.compile(
    r'<script src="(https?://[^"]+)"></script>|<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>'
)


def asset_dir() -> Path:
    """Where the npm assets are: ``CARGORISK_JS_DIR`` or ``node_modules`` of the source tree."""
    configured = os.environ.get("CARGORISK_JS_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "node_modules"


def local_file(url: str, root: Path) -> Path | None:
    """The local copy of a CDN asset; None when the asset is not needed."""
    for pattern, relative in ASSETS:
        if re.search(pattern, url):
            if relative is None:
                return None
            path = root / relative
            if not path.is_file():
                msg = f"map asset {path} is missing (needed offline for {url}); run `make` or `npm install`"
                raise InputError(msg)
            return path
    msg = f"no local copy known for map asset {url}; add it to cargorisk.viz.assets.ASSETS"
    raise InputError(msg)


def inline_images(css: str, folder: Path) -> str:
    """Replace relative ``url(images/x.png)`` references with data URIs when the file exists."""

    def repl(match: re.Match[str]) -> str:
        target = folder / match.group(1)
        if not target.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(target.read_bytes()).decode()})"

    return re.sub(r"url\(['\"]?(images/[\w.-]+\.png)['\"]?\)", repl, css)


def inline_assets(html: str, root: Path | None = None) -> str:
    """Return ``html`` with every CDN ``<script>``/stylesheet replaced by the inlined file."""
    root = root or asset_dir()

    def repl(match: re.Match[str]) -> str:
        url = match.group(1) or match.group(2)
        path = local_file(url, root)
        if path is None:
            return ""
        text = path.read_text(encoding="utf-8")
        if match.group(1):
            return "<script>" + text.replace("</script", "<\\/script") + "</script>"
        return "<style>" + inline_images(text, path.parent) + "</style>"

    return TAG.sub(repl, html)
