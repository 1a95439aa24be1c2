"""The notebooks run top to bottom against the sample run, with stripped outputs in git.

Each notebook is executed against the session's finished sample run, and
what it prints is checked against that run's tables, so a notebook that
silently computed nothing (or ran its own pipeline) fails.
"""

import re

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in nb.cells if cell.cell_type == "code")


def _execute(name: str, outputs, monkeypatch) -> list[dict]:
    monkeypatch.setenv("PIPELINE_OUTPUTS", str(outputs))
    monkeypatch.setenv("PIPELINE_ROOT", str(ROOT))
    # The kernel imports this checkout's pipeline, not whichever one the venv's editable install points at.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def _text(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs)


def _run_untouched(out) -> dict:
    return {p.name: p.stat().st_mtime_ns for p in (out / "tables").glob("*.parquet")}


def test_explore_notebook(sample_run, monkeypatch):
    out = sample_run["outputs"]
    before = _run_untouched(out)
    text = _text(_execute("explore", out, monkeypatch))
    hits = sample_run["result"].tables["theme_hits"]
    expected = int((hits["theme"] == "强省会").sum())
    assert expected > 0 and f"{expected} hits of 强省会" in text
    assert _run_untouched(out) == before  # read the finished run, did not re-run it


def test_quickstart_notebook_shows_a_trend_kwic_and_a_network(sample_run, monkeypatch):
    out = sample_run["outputs"]
    before = _run_untouched(out)
    outputs = _execute("quickstart", out, monkeypatch)
    text = _text(outputs)
    tables = sample_run["result"].tables
    assert re.search(r"<Analysis .+: 5 documents \(5 counted\), 2019–2025, \d+ tables>", text)
    n = int((tables["theme_hits"]["theme"] == "社区协商").sum())
    assert n > 0 and f"{n} KWIC lines for 社区协商" in text
    nodes = tables["network_nodes"]
    last = sorted(set(nodes["period"]) - {"all"})[-1]
    assert f"network {last}: {int((nodes['period'] == last).sum())} terms" in text
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 2  # the trend and the network figure displayed inline
    assert _run_untouched(out) == before


def test_custom_theme_notebook_counts_the_new_theme(sample_run, monkeypatch):
    out = sample_run["outputs"]
    before = _run_untouched(out)
    outputs = _execute("custom_theme", out, monkeypatch)
    text = _text(outputs)
    paras = sample_run["result"].tables["paragraphs"]
    docs = sample_run["result"].tables["documents"]
    counted = paras[paras["doc_id"].isin(docs.loc[docs["is_canonical"].fillna(True), "doc_id"])]
    expected = int(counted["text"].str.count("协商民主|协商议政").sum())
    assert expected > 0 and f"{expected} hits of the custom theme 协商民主" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert _run_untouched(out) == before  # only the themes function ran, on the saved tables
