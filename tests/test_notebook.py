"""The example notebook runs top to bottom in a real kernel (nbclient)."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="notebook extras not installed")
nbclient = pytest.importorskip("nbclient", reason="notebook extras not installed")

NOTEBOOK = Path(__file__).resolve().parents[1] / "experiments" / "notebook.ipynb"


def test_example_notebook_executes():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "data" in o and "text/html" in o["data"]]
    assert any("<svg" in h for h in html)  # the Result's repr shows the frontier
