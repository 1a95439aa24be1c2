"""The notebook runs top to bottom against a finished run, with stripped outputs in git."""

import os

import nbformat
from conftest import ROOT
from nbclient import NotebookClient


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


def test_notebook_executes_against_the_sample_run(sample_run, monkeypatch):
    monkeypatch.setenv("PIPELINE_OUTPUTS", str(sample_run["outputs"]))
    monkeypatch.setenv("PIPELINE_ROOT", str(ROOT))
    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    texts = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "hits of 强省会" in texts
    assert os.environ["PIPELINE_OUTPUTS"] == str(sample_run["outputs"])
