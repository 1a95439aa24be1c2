"""Corpora as researchers assemble them: tabular fields, file#row, compilations, stubs, boilerplate, several folders."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from pipeline import Config, run
from pipeline.errors import ConfigError

BODY = "现在，我代表中央委员会向大会作报告，请予审议。我们坚持团结和民主两大主题，推进各项事业发展。" * 8
LOOKUP = "field,value,mapped\nyear,1,1921\nyear,7,1945\nyear,20,2022\ndoc_type,cpc_congress_report,work_report\n"


def _congress_jsonl(folder: Path) -> Path:
    rows = [
        {"title": "廣州共產黨報告 (一大)", "content": "廣州共產黨的工作報告。" + BODY, "congress": 1, "type": "cpc_congress_report", "key": "gz"},
        {"title": "論聯合政府 (七大)", "content": "論聯合政府。" + BODY[::-1], "congress": 7, "type": "cpc_congress_report", "key": "lh"},
        {"title": "二十大报告", "content": "高举伟大旗帜。" + BODY.replace("团结", "奋斗"), "congress": 20, "type": "cpc_congress_report", "key": "20"},
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "congress.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (folder.parent / "lookup.csv").write_text(LOOKUP, encoding="utf-8")
    return path


def _ingest(tmp_path, corpus, **ingest):
    cfg = Config(root=tmp_path, corpus=corpus, outputs=tmp_path / "out", progress=False).with_overrides({"ingest": ingest})
    return run(cfg, until="ingest").tables


def test_tabular_fields_give_year_type_and_normalised_titles(tmp_path):
    _congress_jsonl(tmp_path / "c")
    docs = _ingest(tmp_path, Path("c"), fields={"year": "congress", "doc_type": "type", "lookup": "lookup.csv"})["documents"]
    docs = docs.set_index("doc_id")
    assert docs["year"].tolist() == [1921, 1945, 2022]
    assert set(docs["doc_type"]) == {"work_report"}
    # Titles get the text's normalisation: Traditional → Simplified.
    assert docs.at["congress#0", "title"].startswith("广州共产党报告")
    assert docs.at["congress#1", "title"].startswith("论联合政府")
    assert set(docs["year_source"]) == {"field"}
    assert docs.at["congress#0", "year_evidence"] == "field congress=1 → 1921 (lookup)"


def test_manifest_addresses_rows_by_number_or_id(tmp_path):
    _congress_jsonl(tmp_path / "c")
    (tmp_path / "c" / "manifest.csv").write_text(
        "file,year,evidence\ncongress.jsonl#0,1921,一大 1921年7月\ncongress.jsonl#lh,1945,\n", encoding="utf-8"
    )
    docs = _ingest(tmp_path, Path("c"), fields={"id": "key"})["documents"].set_index("doc_id")
    # Only the rows the manifest lists are read; their years and sources agree.
    assert docs["year"].to_dict() == {"congress#0": 1921, "congress#1": 1945}
    assert docs["year_source"].tolist() == ["manifest", "manifest"]
    assert docs.at["congress#0", "year_evidence"] == "manifest (stated): 一大 1921年7月"
    assert docs.at["congress#1", "year_evidence"] == "manifest: year=1945"


def test_year_source_and_evidence_always_agree(tmp_path):
    _congress_jsonl(tmp_path / "c")
    docs = _ingest(tmp_path, Path("c"), fields={"year": "congres"})["documents"]  # a typo: no such field
    prefix = {"field": "field ", "manifest": "manifest", "none": None}
    for src, ev in zip(docs["year_source"], docs["year_evidence"], strict=True):
        if src == "text":
            assert not str(ev).startswith(("field ", "manifest"))
        elif src == "none":
            assert pd.isna(ev)
        else:
            assert str(ev).startswith(prefix[src])
    audit = run(Config(root=tmp_path, corpus=Path("c"), outputs=tmp_path / "out", progress=False,
                       ).with_overrides({"ingest": {"fields": {"year": "congres"}}}), until="ingest").tables["audit"]
    assert audit["warnings"].str.contains("ingest.fields.year='congres': no such field").all()


def test_bad_lookup_table_stops_before_ingest(tmp_path):
    _congress_jsonl(tmp_path / "c")
    (tmp_path / "bad.csv").write_text("congress,year\n1,1921\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs field,value,mapped"):
        _ingest(tmp_path, Path("c"), fields={"year": "congress", "lookup": "bad.csv"})
    with pytest.raises(ConfigError, match="not found"):
        _ingest(tmp_path, Path("c"), fields={"lookup": "missing.csv"})


def test_documented_lookup_example_dates_every_congress():
    lookup = pd.read_csv(ROOT / "examples" / "cpc_congress_lookup.csv", dtype=str)
    years = lookup[lookup["field"] == "year"].set_index("value")["mapped"].astype(int)
    assert years["1"] == 1921 and years["20"] == 2022 and years.is_monotonic_increasing
