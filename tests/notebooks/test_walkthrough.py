"""The walkthrough notebook runs top to bottom on the real data (stored without outputs)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from cargorisk.config import Settings
from cargorisk.routing import Router

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "walkthrough.ipynb"


def test_notebook_is_stored_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(
        not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code"
    )


def test_walkthrough_executes(
    trained: Settings, router: Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from notebooks/ (Jupyter's working folder when opened there): it writes only the map,
    under the maps folder."""
    monkeypatch.setenv("CARGORISK_DATA_DIR", str(trained.data_dir))
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    monkeypatch.setenv("CARGORISK_MAPS_DIR", str(tmp_path / "maps"))
    before = sorted(NOTEBOOK.parent.iterdir())
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    assert sorted(NOTEBOOK.parent.iterdir()) == before  # nothing left in notebooks/
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
    )
    assert "World Trade Bridge" in text and "Estado de México" in text
    assert (tmp_path / "maps" / "walkthrough_route.html").stat().st_size > 100_000
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
