"""The declared stage table: a stage added by declaration alone runs, is cached and written."""

import importlib
import sys

import pandas as pd
from conftest import ROOT

from pipeline import Config, run
from pipeline.stages import PIPELINE, Output, Stage

TOY = """
import pandas as pd


def count_docs(documents, *, factor=1):
    return {"toy_counts": pd.DataFrame({"n": [len(documents) * factor]})}
"""


def _toy_stage(tmp_path, monkeypatch):
    mod_dir = tmp_path / "mods"
    mod_dir.mkdir()
    (mod_dir / "toy_stage_mod.py").write_text(TOY, encoding="utf-8")
    monkeypatch.syspath_prepend(str(mod_dir))
    sys.modules.pop("toy_stage_mod", None)
    mod = importlib.import_module("toy_stage_mod")
    stage = Stage("toy", mod.count_docs, inputs=("documents",), outputs=(Output("toy_counts"),), modules=(mod,))
    return mod, stage


def test_a_declared_stage_is_run_cached_and_written(tmp_path, monkeypatch):
    mod, toy = _toy_stage(tmp_path, monkeypatch)
    stages = (*PIPELINE[:2], toy)  # read, ingest, toy
    cfg = Config(root=ROOT, outputs=tmp_path / "out", progress=False)
    first = run(cfg, until="toy", stages=stages)
    assert first.manifest["stages"]["toy"]["state"] == "computed"
    written = pd.read_parquet(tmp_path / "out" / "tables" / "toy_counts.parquet")
    assert written["n"].tolist() == [5]  # the five sample reports
    assert (tmp_path / "out" / "csv" / "toy_counts.csv").is_file()
    second = run(cfg, until="toy", stages=stages, publish=False)  # publish=False: no nothing-new shortcut
    assert second.manifest["stages"]["toy"]["state"] == "cached"
    assert second.manifest["stages"]["toy"]["key"] == first.manifest["stages"]["toy"]["key"]

    # Editing the declared module (a copy outside the project) changes the key and recomputes.
    path = tmp_path / "mods" / "toy_stage_mod.py"
    path.write_text(TOY.replace("len(documents) * factor", "len(documents) * factor + 0"), encoding="utf-8")
    third = run(cfg, until="toy", stages=stages)
    assert third.manifest["stages"]["toy"]["state"] == "computed"
    assert third.manifest["stages"]["toy"]["key"] != first.manifest["stages"]["toy"]["key"]


def test_every_stage_declares_what_decides_its_result():
    names = [s.name for s in PIPELINE]
    assert names == ["read", "ingest", "select", "segment", "topics", "network", "themes", "report"]
    made = {"run_info", "files"}
    for stage in PIPELINE:
        assert stage.modules, stage.name
        assert set(stage.inputs) <= made | {o.name for s in PIPELINE for o in s.outputs}, stage.name
        made |= {o.name for o in stage.outputs}
    # Sentence windows come from ingest's sentences table, declared as an input.
    network = next(s for s in PIPELINE if s.name == "network")
    assert "sentences" in network.inputs
