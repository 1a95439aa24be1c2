"""Corpora as researchers assemble them: tabular fields, file#row, compilations, stubs, boilerplate, several folders."""

import json
import warnings
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
    # A row the file does not have is named in the audit; rows of a text file are an error line.
    (tmp_path / "c" / "a.txt").write_text("各位委员：", encoding="utf-8")
    (tmp_path / "c" / "manifest.csv").write_text("file,year\ncongress.jsonl#0,1921\ncongress.jsonl#9,1999\na.txt#1,2020\n", encoding="utf-8")
    res = run(Config(root=tmp_path, corpus=Path("c"), outputs=tmp_path / "out", progress=False), until="ingest")
    assert "manifest rows not in the file: 9 (to name rows by a field, set ingest.fields.id)" in res.tables["audit"]["warnings"].iloc[0]
    assert res.skipped == [("a.txt", "the manifest names rows of it (1) but it is not a table (CSV/TSV/JSONL): list it without #row")]


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


_TOPICS = ["乡村振兴", "科技创新", "生态保护", "对外开放", "民生保障", "文化建设"]


def _report(year: int, k: int) -> str:
    topic = _TOPICS[k % len(_TOPICS)]
    lines = [f"{year}年政府工作报告", "各位代表："]
    lines += [f"第{i}项，围绕{topic}开展第{k * 10 + i}轮专题协商，{year}年形成调研报告{i + k}篇，推动{topic}工作取得新进展。"
              for i in range(1, 9)]
    return "\n".join(lines + [f"（{year}年3月5日）"])


def test_compilation_counts_its_parts_not_itself(tmp_path):
    folder = tmp_path / "c"
    (folder / "by_year").mkdir(parents=True)
    for k, year in enumerate((2019, 2020, 2021)):
        (folder / "by_year" / f"{year}.txt").write_text(_report(year, k), encoding="utf-8")
    whole = "\n".join(_report(y, k) for k, y in enumerate((2019, 2020, 2021)))
    (folder / "all.txt").write_text(whole, encoding="utf-8")
    with pytest.warns(UserWarning, match="all is a compilation of 3 documents"):
        tables = _ingest(tmp_path, Path("c"))
    docs = tables["documents"].set_index("doc_id")
    assert bool(docs.at["all", "is_compilation"]) and not docs.at["all", "is_canonical"]
    assert docs.loc[["2019", "2020", "2021"], "is_canonical"].all()
    assert docs.loc[["2019", "2020", "2021"], "contained_in"].eq("all").all()
    dup = tables["duplicates"]
    assert sorted(dup.loc[dup["dup_group"] == "in-0000", "dup_kind"]) == ["compilation", "contained", "contained", "contained"]
    # Reports only the compilation has are split out of it at their own title lines, and counted.
    (folder / "all.txt").write_text(whole + "\n" + _report(2022, 3) + "\n" + _report(2023, 4), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = _ingest(tmp_path, Path("c"))
    said = [str(w.message) for w in caught]
    assert any("all is a compilation of 3 documents" in m for m in said)
    assert not any("in no other document" in m for m in said)  # nothing left uncounted
    docs = tables["documents"]
    split = docs[docs["doc_id"].str.startswith("all~")].set_index("doc_id")
    assert split["year"].tolist() == [2022, 2023] and split["is_canonical"].all() and split["contained_in"].eq("all").all()
    assert split["text"].iloc[0] == _report(2022, 3)
    paras = tables["paragraphs"]
    assert (paras[paras["doc_id"] == split.index[0]]["text"].str.cat(sep="\n")) == _report(2022, 3)
    assert "split out of the compilation all" in tables["audit"].set_index("doc_id").at[split.index[1], "warnings"]
    assert set(tables["duplicates"].loc[tables["duplicates"]["doc_id"].isin(split.index), "dup_kind"]) == {"split"}


def test_stubs_are_flagged_and_boilerplate_moves_to_source_meta(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    footer = "这部作品在1931年1月1日以前发表，在美国以及版权期限是作品发表起95年以下的国家以及地区属于公有领域。"
    for k, year in enumerate((2019, 2020)):
        (folder / f"{year}.txt").write_text(_report(year, k) + "\n" + footer, encoding="utf-8")
    (folder / "stub.txt").write_text("论联合政府的版本包括：\n论联合政府（1945年），中共七大报告", encoding="utf-8")
    tables = _ingest(tmp_path, Path("c"))
    docs = tables["documents"].set_index("doc_id")
    assert docs["is_stub"].to_dict() == {"2019": False, "2020": False, "stub": True}
    assert "stub: fewer than 200 characters" in tables["audit"].set_index("doc_id").at["stub", "warnings"]
    for d in ("2019", "2020"):
        assert "公有领域" not in docs.at[d, "text"]
        assert json.loads(docs.at[d, "source_meta"])["boilerplate"] == footer
        assert docs.at[d, "n_chars"] == len(docs.at[d, "text"].replace("\n", ""))
    assert not tables["paragraphs"]["text"].str.contains("公有领域").any()
    # The selection leaves stubs out; min_chars=0 flags none.
    from pipeline.records import canonical
    cfg = Config(root=tmp_path, corpus=Path("c"), outputs=tmp_path / "out", progress=False)
    assert sorted(canonical(run(cfg, until="select").tables["documents"])["doc_id"]) == ["2019", "2020"]
    assert not _ingest(tmp_path, Path("c"), min_chars=0)["documents"]["is_stub"].any()


def test_several_corpus_folders_keep_ids_unique(tmp_path):
    for k, name in enumerate(("wiki", "hprc")):
        (tmp_path / name / "by_year").mkdir(parents=True)
        (tmp_path / name / "by_year" / "2019.txt").write_text(_report(2019, k), encoding="utf-8")
        (tmp_path / name / "by_year" / f"{2020 + k}.txt").write_text(_report(2020 + k, k + 2), encoding="utf-8")
    (tmp_path / "hprc" / "manifest.tsv").write_text("file\tyear\tdoc_type\nby_year/2019.txt\t2019\twork_report\n", encoding="utf-8")
    cfg = Config(root=tmp_path, corpus=Path("wiki"), corpora=("hprc",), outputs=tmp_path / "out", progress=False)
    docs = run(cfg, until="ingest").tables["documents"].set_index("doc_id")
    # Same file names in both folders: ids from the labelled paths; hprc's manifest lists one file only.
    assert sorted(docs.index) == ["2020", "hprc__by_year__2019", "wiki__by_year__2019"]
    assert docs.at["hprc__by_year__2019", "source_file"] == "hprc/by_year/2019.txt"
    assert docs.at["hprc__by_year__2019", "year_source"] == "manifest"
    with pytest.raises(ConfigError, match="cannot be combined with several corpus folders"):
        run(cfg.with_overrides({"manifest": "hprc/manifest.tsv"}), until="ingest")


def test_shipped_national_manifest_is_the_benchmarks():
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    import bench_national

    if not bench_national.CORPORA.is_dir():
        pytest.skip("../shared/corpora not present")
    shipped = pd.read_csv(ROOT / "examples" / "national_manifest.csv", dtype=str)
    assert len(shipped) == 105
    for rel in shipped["file"]:
        assert (bench_national.CORPORA / rel).is_file()
