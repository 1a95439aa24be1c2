"""The HTML report: fonts that travel, honest rates, summary first, escaping (no browser needed)."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
from fontTools.ttLib import TTFont

from pipeline.plotting import cjk_font_path
from pipeline.report import corpus_title, headline_findings, render_report, thin_years
from pipeline.themes import Theme, track_themes

PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "</textarea><svg onload=alert(3)>"]


def _font_chars(page: str) -> set[str]:
    data = base64.b64decode(re.search(r"woff2;base64,([A-Za-z0-9+/=]+)", page).group(1))
    return {chr(c) for c in TTFont(io.BytesIO(data)).getBestCmap()}


def test_the_embedded_font_covers_every_character_of_the_page(sample_run):
    page = (sample_run["outputs"] / "report.html").read_text(encoding="utf-8")
    font = _font_chars(page)
    text = re.sub(r"base64,[A-Za-z0-9+/=]+", "", page)
    missing = {c for c in set(text) if c.isprintable() and c != " " and c not in font}
    # U+FFFD marks a character ingest could not recover; Noto Sans CJK has no glyph for it.
    assert missing <= {"\ufffd"}
    full = {chr(c) for c in TTFont(str(cjk_font_path()), lazy=True).getBestCmap()}
    assert missing.isdisjoint(full)  # whatever the bundled font can draw, the subset has
    assert {"强", "省", "会", "概", "览"} <= font and len(font) < 3000  # a subset, not the whole font
    assert len(page.encode()) < 3_000_000


def test_svg_figures_carry_glyphs_as_paths(sample_run):
    svg = (sample_run["outputs"] / "figures" / "theme_trends.svg").read_text(encoding="utf-8")
    # Text drawn as outlines (matplotlib keeps it only as an XML comment), not left to a viewer's font.
    assert "<text" not in svg and 'id="NotoSansCJKsc-Regular-' in svg


def _hostile_tables() -> dict[str, pd.DataFrame]:
    bad = " ".join(PAYLOADS)
    docs = pd.DataFrame({"doc_id": [f"d{bad}", "e"], "title": [bad, "报告"], "organisation": [bad, "国务院"],
                         "city": [bad, "全国"], "year": [2020, 2021], "doc_type": ["work_report", "work_report"],
                         "n_chars": [20000, 30000], "is_canonical": True, "in_analysis": True,
                         "excluded_reason": ["", ""], "year_evidence": [bad, ""]})
    paras = pd.DataFrame({"doc_id": docs["doc_id"], "para_id": docs["doc_id"] + ":p0000", "para_index": 0,
                          "text": [f"推进社区协商{bad}社区协商", "社区协商"]})
    out = track_themes(docs, paras, None, themes=(Theme("社区协商", ("社区协商",)), Theme(bad, ("社区",))))
    return {"documents": docs, "paragraphs": paras, **out, "emerging": pd.DataFrame(),
            "audit": pd.DataFrame({"doc_id": docs["doc_id"], "warnings": [bad, ""]}),
            "ingest_errors": pd.DataFrame({"source_file": [bad], "reason": [bad]})}


def test_every_document_manifest_and_config_string_is_escaped():
    page = render_report(_hostile_tables(), {}, run_info={"note": PAYLOADS[0]}, title=PAYLOADS[1], embed_font=False)
    for p in PAYLOADS:
        assert p not in page
    for raw in ("<script>alert", "<img src=x", "<svg onload", "</textarea>"):
        assert raw not in page
    assert page.count("<script") == 2  # the KWIC data and the page's own script, nothing else
    data = re.search(r'id="kwic-data">(.*?)</script>', page, re.S).group(1)
    assert "\\u003cscript\\u003ealert(1)" in data  # the hit's context is in the search data, escaped


def test_a_year_resting_on_one_short_document_is_flagged_and_never_a_peak():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2019, 2020, 2021], "n_chars": [20000, 502, 20000],
                         "doc_type": "work_report", "is_canonical": True})
    paras = pd.DataFrame({"doc_id": ["a", "b", "c"], "para_id": ["a:p0", "b:p0", "c:p0"], "para_index": 0,
                          "text": ["高质量发展" * 2, "高质量发展", "高质量发展" * 3]})
    ty = track_themes(docs, paras, None, themes=(Theme("高质量发展", ("高质量发展",)),))["theme_years"]
    assert ty.set_index("year").loc[2020, "per_10k"] > 19  # the raw rate is the spike of the issue
    assert ty["rate_ok"].tolist() == [True, False, True]
    assert (ty["per_10k_low"] <= ty["per_10k"]).all() and (ty["per_10k"] <= ty["per_10k_high"]).all()
    assert thin_years(ty, docs)[["year", "n_docs", "n_chars"]].values.tolist() == [[2020, 1, 502]]
    tables = {"documents": docs, "theme_years": ty,
              "theme_first": pd.DataFrame({"theme": ["高质量发展"], "city": [""], "first_year": [2019]})}
    peak = headline_findings(tables)["themes"].iloc[0]["peak"]
    assert peak.startswith("2021")
    page = render_report({**tables, "theme_hits": pd.DataFrame(), "emerging": pd.DataFrame()}, {},
                         run_info={}, embed_font=False)
    assert "2020 年只有 1 篇文档（502 字：b）" in page


def test_title_comes_from_the_corpus():
    docs = pd.DataFrame({"organisation": ["上海市人民政府", "云南省人民政府"], "city": ["上海市", "云南省"],
                         "year": [2026, 2026], "doc_type": "work_report"})
    assert corpus_title(docs) == "上海市、云南省政府工作报告文本分析（2026）"


def test_summary_comes_first_and_nothing_is_left_unexplained(sample_run):
    page = (sample_run["outputs"] / "report.html").read_text(encoding="utf-8")
    first_h2 = page.index("<h2")
    assert page.index('class="lead"') < page.index("<h2", first_h2 + 1)  # the corpus line is in the first section
    assert "（无数据）" not in page
    assert "<th>doc_id</th>" not in page and "<th>文档</th>" in page
