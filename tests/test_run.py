"""End to end on the sample corpus: real values, outputs on disk, nothing written to corpus/."""

import json
import re

import pandas as pd
from conftest import ROOT, tree_hash

from pipeline import Config, load, paragraphs_for, run


def test_corpus_is_untouched(sample_run):
    assert tree_hash(ROOT / "corpus") == sample_run["corpus_hash_before"]


def test_documents_dated_with_evidence(sample_run):
    docs = sample_run["result"].tables["documents"].set_index("doc_id")
    assert len(docs) == 5 and docs["is_canonical"].all()
    assert docs["year"].to_dict() == {
        "000_b05d912ae98c4155": 2021, "001_ab9d9e14427b3b93": 2022, "002_602d881133c74b11": 2019,
        "003_c54721cf5b7c43cb": 2025, "004_526347665d8438f4": 2023,
    }
    assert "（2025年1月11日）" in docs.at["003_c54721cf5b7c43cb", "year_evidence"]
    assert docs.at["003_c54721cf5b7c43cb", "date"] == "2025-01-11"
    # Page 002 arrives Traditional with pinyin and mojibake; it leaves Simplified and clean.
    t002 = docs.at["002_602d881133c74b11", "text"]
    assert "政协" in t002 and "政協" not in t002 and "(xié)" not in t002 and "/p>" not in t002


def test_theme_counts_match_a_plain_search_of_the_normalised_text(sample_run):
    tables = sample_run["result"].tables
    paras = tables["paragraphs"]
    years = tables["theme_years"]
    by_id = paras.set_index("para_id")["text"]
    for theme in ("强省会", "社区协商"):
        hits = tables["theme_hits"]
        got = hits[hits["theme"] == theme]
        # One hit per occurrence of the literal term in the normalised paragraphs, one for one.
        plain = sorted((pid, m.start()) for pid, text in by_id.items() for m in re.finditer(theme, text))
        literal = sorted((r.para_id, r.start) for r in got.itertuples() if r.match == theme)
        assert literal == plain and len(plain) > 0
        # Each hit points at its paragraph and reads the same there.
        for r in got.itertuples():
            assert by_id[r.para_id][r.start:r.end] == r.match
        assert years.loc[years["theme"] == theme, "count"].sum() == len(got)
    first = tables["theme_first"]
    row = first[(first["theme"] == "强省会") & (first["city"].fillna("") == "")].iloc[0]
    assert row["first_year"] == 2021  # 000 (2021): “十二届八次全会作出大力实施‘强省会’…”


def test_artifacts_on_disk(sample_run):
    out = sample_run["outputs"]
    for name in ("documents", "paragraphs", "audit", "tokens", "topics", "topic_assignments", "network_nodes",
                 "network_edges", "theme_hits", "theme_years", "theme_first", "emerging"):
        assert (out / "tables" / f"{name}.parquet").is_file(), name
    assert (out / "csv" / "theme_hits.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (out / "network" / "cooccurrence_all.gexf").is_file()
    for fig in ("theme_trends", "topic_trends", "network_all", "ingest_audit"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 10_000, fig
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "强省会" in html and "社区协商" in html
    # Self-contained: no external script, stylesheet or image.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"] == 5


def test_load_and_trace_back_to_paragraphs(sample_run):
    out = sample_run["outputs"]
    hits = load("theme_hits", out)
    paras = paragraphs_for(hits[hits["theme"] == "社区协商"], out)
    assert len(paras) > 0 and paras["text"].str.contains("社区协商").all()


def test_second_run_finds_nothing_new_and_leaves_the_outputs(sample_run):
    cfg, out = sample_run["config"], sample_run["outputs"]
    run(cfg)  # other tests may have published the sample with other settings
    before = tree_hash(out / "current")
    lines = []
    res = run(cfg, log=lines.append)
    assert res.nothing_new and res.manifest["stages"] == {} and res.manifest["status"] == "ok"
    assert lines == [f"Nothing new since run {res.manifest['same_as']}: corpus, config, lexicon and code unchanged; "
                     "outputs left as they are"]
    assert tree_hash(out / "current") == before
    assert json.loads((out / "runs" / f"{res.manifest['run_id']}.json").read_text(encoding="utf-8"))["nothing_new"]
    pd.testing.assert_frame_equal(res.tables["theme_years"], load("theme_years", out))


def test_changing_one_param_recomputes_only_downstream(sample_run, tmp_path):
    cfg = sample_run["config"]
    res = run(cfg.with_overrides({"network": {"min_count": 3}}))
    states = {k: v.get("state") for k, v in res.manifest["stages"].items() if "state" in v}
    assert states == {"read": "cached", "ingest": "cached", "select": "cached", "segment": "cached", "topics": "cached",
                      "network": "computed", "themes": "cached", "report": "rendered"}
    run(cfg)  # put the sample outputs back for other tests


def test_a_bad_file_is_skipped_with_one_line_and_the_batch_goes_on(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in sorted((ROOT / "corpus" / "raw").glob("00[34]*.txt")):
        (raw / f.name).write_bytes(f.read_bytes())
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    lines = []
    res = run(Config(root=ROOT, corpus=tmp_path, outputs=tmp_path / "out", progress=False,
                     topics=Config().topics.__class__(n_topics=3)), log=lines.append)
    skipped = [m for m in lines if m.startswith("Skipped")]
    assert len(skipped) == 1 and skipped[0].startswith("Skipped raw/broken.pdf: ")
    assert len(res.tables["documents"]) == 2
    assert res.tables["ingest_errors"]["source_file"].tolist() == ["raw/broken.pdf"]


def test_every_table_is_documented_in_records_and_readme(sample_run):
    from pipeline.records import SCHEMAS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    out = sample_run["outputs"]
    for name, cols in SCHEMAS.items():
        df = load(name, out)
        assert list(df.columns) == [c.name for c in cols], name
        assert f"#### `{name}`" in readme, name
        for c in cols:
            assert f"| `{c.name}` |" in readme, (name, c.name)


def test_refresh_reads_only_the_new_file(tmp_path):
    # What a cron job sees when one report arrives: one file ingested, the rest from cache.
    corpus = tmp_path / "c"
    (corpus / "raw").mkdir(parents=True)
    files = sorted((ROOT / "corpus" / "raw").glob("*.txt"))
    for f in files[:3]:
        (corpus / "raw" / f.name).write_bytes(f.read_bytes())
    cfg = Config(root=ROOT, corpus=corpus, outputs=tmp_path / "out", progress=False,
                 topics=Config().topics.__class__(n_topics=3))
    run(cfg, until="ingest")
    (corpus / "raw" / files[3].name).write_bytes(files[3].read_bytes())
    lines = []
    res = run(cfg, until="ingest", log=lines.append)
    assert "read: 4 files read (1 new or changed), 0 skipped" in lines
    assert len(res.tables["documents"]) == 4


def test_sentences_have_stable_ids_and_slice_back(sample_run):
    tables = sample_run["result"].tables
    sents, paras = tables["sentences"], tables["paragraphs"].set_index("para_id")["text"]
    assert sents["sent_id"].is_unique and set(sents["para_id"]) <= set(paras.index)
    for r in sents.itertuples():
        assert paras[r.para_id][r.start:r.end] == r.text
    first = sents[sents["para_id"] == "003_c54721cf5b7c43cb:p0001"]["text"].tolist()
    assert first == ["现在，我代表政协第十三届贵阳市委员会常务委员会向大会作工作报告，请予审议；",
                     "并请列席会议的同志提出意见建议。"]
