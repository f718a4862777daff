"""``cargorisk doctor``: check the environment and say exactly what to run."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass

from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError


@dataclass(frozen=True)
class Check:
    """One line of the report: ``status`` is 'ok', 'warn' or 'fail'; ``fix`` says what to run."""

    name: str
    status: str
    detail: str
    fix: str = ""


def check_data(settings: Settings) -> Check:
    """Every source fetched and every table built from the current raw files."""
    from cargorisk.sources import data_status  # noqa: PLC0415

    rows = data_status(settings.raw_dir, settings.processed_dir)
    missing = [r.source for r in rows if r.raw != "ok"]
    unbuilt = [r.table for r in rows if not r.built]
    if missing:
        return Check(
            "data",
            "fail",
            f"raw files missing or damaged for {sorted(set(missing))[:3]}",
            "cargorisk data fetch --mirror ../shared/data  (or without --mirror to download)",
        )
    if unbuilt:
        return Check(
            "data", "fail", f"{len(unbuilt)} tables not built (e.g. {unbuilt[0]})", "cargorisk data build"
        )
    return Check("data", "ok", f"{len(rows)} of {len(rows)} tables built from fetched files")


def check_road_graph(settings: Settings) -> Check:
    """The national road graph loads (from its cache, or built from the fetched data now)."""
    from cargorisk.network import load_network  # noqa: PLC0415

    try:
        graph = load_network(settings=settings)
    except CargoRiskError as exc:
        fix = (
            "cargorisk data fetch travelmapping_highways travelmapping_state_highways && "
            "cargorisk data build travelmapping_highways travelmapping_state_highways"
        )
        return Check("road graph", "fail", str(exc), fix)
    ports = {d["port_code"] for *_, d in graph.edges(data=True) if d.get("kind") == "crossing"}
    return Check(
        "road graph",
        "ok",
        f"national: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges, {len(ports)} ports",
    )


def check_theft_model(settings: Settings) -> Check:
    """The theft model loads, matches this version's features, and was trained on the current data
    and the default (national) road graph."""
    from cargorisk.network.national import NATIONAL_NAME  # noqa: PLC0415
    from cargorisk.risk.features import FEATURES  # noqa: PLC0415
    from cargorisk.risk.model import load_model  # noqa: PLC0415
    from cargorisk.risk.train import data_checksums, model_path  # noqa: PLC0415

    try:
        _, card = load_model(model_path(settings), expected_features=FEATURES)
    except CargoRiskError as exc:
        return Check("theft model", "fail", str(exc), "cargorisk train")
    try:
        current = data_checksums(settings.processed_dir)
    except (OSError, json.JSONDecodeError, KeyError):
        current = None
    if current is not None and card.get("data_checksums") != current:
        return Check(
            "theft model", "fail", "trained on other data than the tables built now", "cargorisk train"
        )
    network = card.get("network", {}).get("name")
    if network != NATIONAL_NAME:
        detail = f"trained on the {network or 'corridor'!r} network, the default is now the national graph"
        return Check("theft model", "fail", detail, "cargorisk train")
    return Check(
        "theft model",
        "ok",
        f"default predictor {card['default_predictor']}, "
        f"window {card['training_window'][0]}-{card['training_window'][1]}",
    )


def check_wait_model(settings: Settings) -> Check:
    """The border wait model loads."""
    from cargorisk.border import load_wait_model, model_file  # noqa: PLC0415

    try:
        model, _ = load_wait_model(model_file(settings))
    except CargoRiskError as exc:
        return Check("border wait model", "fail", str(exc), "cargorisk train")
    return Check("border wait model", "ok", f"observed crossings: {', '.join(model.levels_)}")


def check_map_assets() -> Check:
    """Leaflet and friends, inlined into offline maps."""
    from cargorisk.viz.assets import asset_dir  # noqa: PLC0415

    leaflet = asset_dir() / "leaflet" / "dist" / "leaflet.js"
    if not leaflet.is_file():
        return Check(
            "map assets",
            "fail",
            f"{leaflet} missing: saved maps cannot work offline",
            "make  (or npm install)",
        )
    return Check("map assets", "ok", f"JS/CSS for offline maps in {asset_dir()}")


def check_browser() -> Check:
    """Debian's Chromium and ChromeDriver, used by the map test (optional for users)."""
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return Check("browser", "ok", "chromium and chromedriver found (map checks run)")
    return Check(
        "browser",
        "warn",
        "chromium/chromedriver not found: the browser map test will skip",
        "apt-get install chromium chromium-driver  (make test does it when it can)",
    )


def check_folders(settings: Settings) -> Check:
    """The folders in use (see README 'Where things live'); a warning outside a checkout when
    the per-user folder has no data yet."""
    from cargorisk.config import project_root  # noqa: PLC0415

    detail = f"data {settings.data_dir}, models {settings.models_dir}, maps {settings.maps_dir}"
    if project_root() is None and not settings.processed_dir.is_dir():
        return Check("folders", "warn", detail, "cd into the checkout, or give --home / CARGORISK_HOME")
    return Check("folders", "ok", detail)


def run_checks(settings: Settings) -> list[Check]:
    """All checks, in the order a newcomer would fix them."""
    python = Check(
        "python",
        "ok" if sys.version_info >= (3, 11) else "fail",
        sys.version.split()[0],
        "use Python 3.11 or newer",
    )
    checks = [python, check_folders(settings), check_data(settings)]
    if checks[-1].status == "ok":
        checks.append(check_road_graph(settings))
    if checks[-1].status == "ok":
        checks += [check_theft_model(settings), check_wait_model(settings)]
    return [*checks, check_map_assets(), check_browser()]


def report(checks: list[Check]) -> str:
    """Aligned text, one line per check, with the command that fixes each problem."""
    lines = [
        f"{c.status:<4}  {c.name:<18} {c.detail}"
        + (f"\n      -> run: {c.fix}" if c.fix and c.status != "ok" else "")
        for c in checks
    ]
    return "\n".join(lines)


__all__ = ["Check", "report", "run_checks"]
