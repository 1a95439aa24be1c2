"""Tests of the themes stage (pipeline/themes.py) and its figures (pipeline/theme_plots.py)."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import LexiconError, SchemaError
from pipeline.theme_plots import plot_theme_cities, plot_theme_heatmap, plot_theme_trends
from pipeline.themes import Theme, find_emerging, parse_themes, trace_term, track_themes

ROOT = Path(__file__).resolve().parents[1]
THEMES_TOML = ROOT / "corpus" / "lexicon" / "themes.toml"
RAW = ROOT / "corpus" / "raw"


# ---------------------------------------------------------------- helpers


def make_corpus(texts: dict[str, list[str]], years: dict, *, cities=None, doc_types=None, dates=None,
                canonical=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """documents/paragraphs tables from {doc_id: [paragraph, …]}."""
    docs, paras = [], []
    for doc_id, ps in texts.items():
        text = "\n".join(ps)
        docs.append({
            "doc_id": doc_id, "year": years.get(doc_id), "city": (cities or {}).get(doc_id, "贵阳"),
            "doc_type": (doc_types or {}).get(doc_id, "work_report"), "date": (dates or {}).get(doc_id),
            "n_chars": len(text), "is_canonical": (canonical or {}).get(doc_id, True), "text": text,
        })
        start = 0
        for i, p in enumerate(ps):
            paras.append({"doc_id": doc_id, "para_id": f"{doc_id}:p{i:04d}", "para_index": i, "start": start,
                          "text": p, "n_chars": len(p), "is_heading": False})
            start += len(p) + 1
    d = pd.DataFrame(docs).astype({"year": "Int64", "date": "string"})
    return d, pd.DataFrame(paras)


def plain_find(paras: pd.DataFrame, term: str) -> list[tuple[str, int, int]]:
    """The reference: a str.find loop, non-overlapping, over every paragraph."""
    out = []
    for pid, text in zip(paras["para_id"], paras["text"], strict=True):
        i = text.find(term)
        while i >= 0:
            out.append((pid, i, i + len(term)))
            i = text.find(term, i + len(term))
    return sorted(out)


def hit_spans(hits: pd.DataFrame, theme: str) -> list[tuple[str, int, int]]:
    h = hits[hits["theme"] == theme]
    return sorted(zip(h["para_id"], h["start"].astype(int), h["end"].astype(int), strict=True))


# ---------------------------------------------------------------- dictionary


def test_default_dictionary_has_the_required_themes():
    themes = parse_themes(THEMES_TOML.read_text(encoding="utf-8"))
    names = [t.name for t in themes]
    for required in ["强省会", "社区协商", "园区协商", "专门协商机构", "凝聚共识", "书香政协", "委员工作站",
                     "政协协商向基层延伸", "高质量发展", "中国式现代化", "新质生产力", "乡村振兴", "一带一路",
                     "供给侧结构性改革", "全过程人民民主"]:
        assert required in names
    assert len(set(names)) == len(names)
    by_name = {t.name: t for t in themes}
    assert "乡镇（街道）委员工作站" in by_name["委员工作站"].terms
    assert all(t.description for t in themes)


@pytest.mark.parametrize(
    "toml, fragment",
    [
        ('[[theme]]\nname = "强省会"\nterms = []', "theme '强省会' has no terms"),
        ('[[theme]]\nname = "凝聚共识"\nterms = ["凝聚共识"]\npatterns = ["凝聚(共识"]',
         "theme '凝聚共识': pattern '凝聚(共识' is not a valid regular expression"),
        ('[[theme]]\nname = "甲"\nterms = ["甲"]\n[[theme]]\nname = "甲"\nterms = ["乙"]', "theme '甲' is defined twice"),
        ('[[theme]]\nname = "甲"\nterm = ["甲"]', "unknown key(s) ['term']"),
        ('[[theme]]\nname = "甲"\nterms = ["甲"]\npatterns = ["乙*"]', "matches the empty string"),
        ('[[theme]]\nname = "甲"\nterms = "甲', "not valid TOML"),
        ('[[theme]]\nterms = ["甲"]', "theme #1 has no name"),
        ('[[theme]]\nname = "甲"\nterms = [1]', "terms must be a list of strings"),
        ("", "defines no theme"),
    ],
)
def test_bad_dictionary_entries_name_the_theme_and_fix(toml, fragment):
    with pytest.raises(LexiconError) as err:
        parse_themes(toml)
    assert fragment in str(err.value)


def test_parse_keeps_order_and_fields():
    themes = parse_themes('[[theme]]\nname = "乙"\nterms = ["乙", "乙乙"]\npatterns = [\'乙\\d+\']\n'
                          'exclude = ["乙丙"]\ndescription = "说明"\n[[theme]]\nname = "甲"\nterms = ["甲"]')
    assert themes[0] == Theme("乙", ("乙", "乙乙"), ("乙\\d+",), ("乙丙",), "说明")
    assert [t.name for t in themes] == ["乙", "甲"]


# ---------------------------------------------------------------- matching rules


def test_longest_alias_counts_once_and_names_the_alias():
    docs, paras = make_corpus({"a": ["规范乡镇（街道）委员工作站，建好委员工作站。"]}, {"a": 2022})
    theme = Theme("委员工作站", ("委员工作站", "乡镇（街道）委员工作站"))
    hits = track_themes(docs, paras, None, themes=(theme,))["theme_hits"]
    assert hits[["term", "start", "end"]].values.tolist() == [
        ["乡镇（街道）委员工作站", 2, 13], ["委员工作站", 16, 21]]


def test_exclusion_is_a_span_and_regex_and_width_variants_match():
    text = "社区协商议事会要办好，社区协商要深化；凝聚广泛共识，凝聚共识；推进互联网＋政务"
    docs, paras = make_corpus({"a": [text]}, {"a": 2023})
    themes = (Theme("社区协商", ("社区协商",), exclude=("社区协商议事会",)),
              Theme("凝聚共识", ("凝聚共识",), patterns=("凝聚[\u4e00-\u9fff]{1,4}共识",)),
              Theme("互联网+", ("互联网+",)))
    out = track_themes(docs, paras, None, themes=themes)
    hits = out["theme_hits"]
    assert hits.loc[hits["theme"] == "社区协商", "start"].tolist() == [text.index("社区协商要")]
    gj = hits[hits["theme"] == "凝聚共识"]
    assert gj["match"].tolist() == ["凝聚广泛共识", "凝聚共识"]
    assert gj["term"].tolist() == ["凝聚[\u4e00-\u9fff]{1,4}共识", "凝聚共识"]
    assert hits.loc[hits["theme"] == "互联网+", ["match", "term"]].values.tolist() == [["互联网＋", "互联网+"]]
    assert out["theme_docs"]["count"].tolist() == [1, 2, 1]


@settings(max_examples=40, deadline=None)
@given(paras=st.lists(st.text(alphabet="社区协商议会，", max_size=40), min_size=1, max_size=5),
       term=st.sampled_from(["社区协商", "协商", "商商", "社"]))
def test_single_term_hits_equal_a_str_find_loop(paras, term):
    docs, p = make_corpus({"d": paras}, {"d": 2024})
    hits = track_themes(docs, p, None, themes=(Theme(term, (term,)),))["theme_hits"]
    assert hit_spans(hits, term) == plain_find(p, term)
    assert (hits["match"] == term).all()


def test_kwic_context_stays_inside_the_paragraph():
    docs, paras = make_corpus({"a": ["前文", "一二三强省会四五六七", "后文"]}, {"a": 2024})
    hits = track_themes(docs, paras, None, themes=(Theme("强省会", ("强省会",)),), context_chars=2)["theme_hits"]
    assert hits[["para_id", "left", "match", "right", "year", "city"]].values.tolist() == [
        ["a:p0001", "二三", "强省会", "四五", 2024, "贵阳"]]


# ---------------------------------------------------------------- aggregation


def test_yearly_rate_is_pooled_not_a_mean_of_rates():
    # a: 1 hit in 100 chars (100 per 10k); b: 0 in 900.  Pooled: 1/1000 → 10; mean of rates would be 50.
    docs, paras = make_corpus({"a": ["强省会" + "字" * 97], "b": ["字" * 900]}, {"a": 2024, "b": 2024})
    out = track_themes(docs, paras, None, themes=(Theme("强省会", ("强省会",)),))
    ty = out["theme_years"]
    assert ty[["year", "n_docs", "docs_with", "count", "n_chars"]].values.tolist() == [[2024, 2, 1, 1, 1000]]
    assert ty["per_10k"].iloc[0] == pytest.approx(10.0)
    assert ty["para_share"].iloc[0] == pytest.approx(0.5)
    td = out["theme_docs"].set_index("doc_id")
    assert td.loc["a", "per_10k"] == pytest.approx(100.0) and td.loc["b", "per_10k"] == 0.0


def test_para_share_counts_paragraphs_with_a_hit():
    docs, paras = make_corpus({"a": ["社区协商社区协商", "无", "社区协商", "无"]}, {"a": 2023})
    td = track_themes(docs, paras, None, themes=(Theme("社区协商", ("社区协商",)),))["theme_docs"]
    assert td[["count", "n_paras", "paras_with", "para_share"]].values.tolist() == [[3, 4, 2, 0.5]]


def test_canonical_only_drops_duplicates_unless_asked():
    texts = {"a": ["强省会"], "a_dup": ["强省会"]}
    docs, paras = make_corpus(texts, {"a": 2024, "a_dup": 2024}, canonical={"a_dup": False})
    theme = (Theme("强省会", ("强省会",)),)
    assert track_themes(docs, paras, None, themes=theme)["theme_years"]["count"].tolist() == [1]
    assert track_themes(docs, paras, None, themes=theme, canonical_only=False)["theme_years"]["count"].tolist() == [2]


def test_undated_documents_warn_and_stay_out_of_yearly_tables():
    docs, paras = make_corpus({"a": ["强省会"], "b": ["强省会强省会"]}, {"a": 2024})
    with pytest.warns(UserWarning, match=r"1 document\(s\) have no year \(b\)"):
        out = track_themes(docs, paras, None, themes=(Theme("强省会", ("强省会",)),))
    assert out["theme_docs"]["count"].tolist() == [1, 2]
    assert out["theme_years"][["year", "count"]].values.tolist() == [[2024, 1]]
    assert out["theme_first"]["first_doc_id"].tolist() == ["a"]  # an undated hit is never "first"


def test_first_appearance_orders_year_then_date_then_doc_id_with_a_row_per_city():
    texts = {"z": ["强省会"], "b": ["强省会"], "a": ["强省会"], "c": ["强省会"], "x": ["无"]}
    years = {"z": 2021, "b": 2021, "a": 2021, "c": 2020, "x": 2019}
    dates = {"z": "2021-01-05", "b": "2021-01-20", "a": "2021-01-20"}
    cities = {"z": "遵义", "b": "贵阳", "a": "贵阳", "c": "贵阳", "x": "兰州"}
    docs, paras = make_corpus(texts, years, dates=dates, cities=cities)
    first = track_themes(docs, paras, None, themes=(Theme("强省会", ("强省会",)),))["theme_first"]
    rows = first[["city", "first_year", "first_doc_id", "total_count"]].astype(object).values.tolist()
    assert rows == [["", 2020, "c", 4], ["兰州", pd.NA, pd.NA, 0], ["贵阳", 2020, "c", 3], ["遵义", 2021, "z", 1]]
    # Same year, no earlier year: the earlier date wins, then the smaller doc_id.
    docs2, paras2 = make_corpus({k: texts[k] for k in "zba"}, years, dates=dates, cities=cities)
    first2 = track_themes(docs2, paras2, None, themes=(Theme("强省会", ("强省会",)),))["theme_first"]
    assert first2.set_index("city").loc[["", "贵阳"], "first_doc_id"].tolist() == ["z", "a"]


def test_groups_per_city_and_doc_type_and_token_counts():
    docs, paras = make_corpus({"a": ["强省会行动"], "b": ["强省会，强省会"], "c": ["无关"]},
                              {"a": 2024, "b": 2024, "c": 2024}, cities={"a": "贵阳", "b": "贵阳", "c": "兰州"},
                              doc_types={"a": "speech"})
    tokens = pd.DataFrame({"doc_id": ["a", "a", "b", "b", "b"], "token": ["强省会", "行动", "强", "省会", "强省会"],
                           "keep": True})
    out = track_themes(docs, paras, tokens, themes=(Theme("强省会", ("强省会",)),))
    assert out["theme_docs"]["token_count"].tolist() == [1, 1, 0]  # b's first mention was mis-segmented
    assert out["theme_docs"]["count"].tolist() == [1, 2, 0]  # …but text counting still finds it
    g = out["theme_groups"].set_index(["group_by", "group"])
    assert g.loc[("city", "贵阳"), ["n_docs", "count"]].tolist() == [2, 3]
    assert g.loc[("city", "兰州"), ["n_docs", "docs_with", "count"]].tolist() == [1, 0, 0]
    assert g.loc[("doc_type", "speech"), "count"] == 1
    assert g.loc[("doc_type", "work_report"), "count"] == 2
    assert set(out["theme_years"].columns) - {"token_count", "n_paras", "paras_with"} <= set(g.reset_index().columns)


def test_missing_columns_raise_schema_error():
    docs, paras = make_corpus({"a": ["强省会"]}, {"a": 2024})
    with pytest.raises(SchemaError, match="columns para_index"):
        track_themes(docs, paras.drop(columns="para_index"), None, themes=(Theme("强省会", ("强省会",)),))


def test_trace_term_gives_rates_for_every_year_and_hits_in_order():
    docs, paras = make_corpus({"a": ["推动发展"], "b": ["推动高质量发展", "高质量发展"], "c": ["高质量发展"]},
                              {"a": 2016, "b": 2018, "c": 2017})
    years, hits = trace_term("高质量发展", docs, paras, context_chars=2)
    assert years[["year", "count"]].values.tolist() == [[2016, 0], [2017, 1], [2018, 2]]
    assert hits[["year", "doc_id", "para_id"]].values.tolist() == [
        [2017, "c", "c:p0000"], [2018, "b", "b:p0000"], [2018, "b", "b:p0001"]]


# ---------------------------------------------------------------- emerging terms


def _emerging_fixture():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2021, 2022, 2023], "is_canonical": True})
    toks = (["发展"] * 60 + ["改革"] * 40,  # 2021
            ["发展"] * 60 + ["改革"] * 30 + ["新质生产力"] * 10,  # 2022: a new term
            ["发展"] * 50 + ["改革"] * 10 + ["新质生产力"] * 10 + ["数字经济"] * 30)  # 2023
    rows = [(d, t) for d, ts in zip("abc", toks, strict=True) for t in ts]
    tok = pd.DataFrame(rows, columns=["doc_id", "token"]).assign(keep=True)
    return docs, tok


def test_emerging_g2_matches_the_textbook_formula():
    docs, tok = _emerging_fixture()
    em = find_emerging(docs, tok, min_count=5)
    assert em[["period", "rank", "term", "count", "count_before", "is_new"]].astype(object).values.tolist() == [
        ["2022", 1, "新质生产力", 10, 0, True], ["2023", 1, "数字经济", 30, 0, True]]
    # 2022 vs 2021: a=10 of c=100, b=0 of d=100 → G² = 2·10·ln(10/5) = 13.863
    row = em.iloc[0]
    assert row["g2"] == pytest.approx(2 * 10 * math.log(2), rel=1e-9)
    assert row["per_10k"] == pytest.approx(1000.0) and row["first_year"] == 2022
    from scipy.stats import chi2
    assert row["p_value"] == pytest.approx(chi2.sf(row["g2"], 1))
    # 新质生产力 in 2023 (10/100 vs 10/200 before) rises but not significantly at p ≤ 0.001.
    loose = find_emerging(docs, tok, min_count=5, max_p=1.0)
    r23 = loose[(loose["period"] == "2023") & (loose["term"] == "新质生产力")].iloc[0]
    e1, e2 = 100 * 20 / 300, 200 * 20 / 300
    assert r23["g2"] == pytest.approx(2 * (10 * math.log(10 / e1) + 10 * math.log(10 / e2)))
    assert (loose["g2"] > 0).all()  # only increases
    assert "改革" not in set(loose["term"])  # a falling term never appears


def test_emerging_respects_known_terms_min_count_and_burst():
    docs, tok = _emerging_fixture()
    em = find_emerging(docs, tok, min_count=5, known_terms=frozenset({"数字经济"}))
    assert em["term"].tolist() == ["新质生产力"] and em["burst"].isna().all()
    em = find_emerging(docs, tok, min_count=5, burst=True, max_p=1.0).set_index(["period", "term"])
    # 数字经济 jumps from 0 to 30 %: a burst.  新质生产力 at 10 % against a 6.7 % base rate does not pay
    # Kleinberg's entry cost (γ·ln 3), though its G² says it rose.
    assert em.loc[("2023", "数字经济"), "burst"] and not em.loc[("2022", "新质生产力"), "burst"]
    assert find_emerging(docs, tok, min_count=30, max_p=1.0)["term"].tolist() == ["数字经济"]
    with pytest.warns(UserWarning, match="No term rises"):
        assert find_emerging(docs, tok, min_count=31, max_p=1.0).empty


def test_emerging_with_one_period_warns_instead_of_failing():
    docs = pd.DataFrame({"doc_id": ["a"], "year": [2024], "is_canonical": True})
    tok = pd.DataFrame({"doc_id": "a", "token": ["强省会"] * 10, "keep": True})
    with pytest.warns(UserWarning, match="at least two periods"):
        assert find_emerging(docs, tok).empty


# ---------------------------------------------------------------- sample corpus

SAMPLE = {"000": (2020, "贵阳"), "001": (2022, "兰州"), "003": (2025, "贵阳"), "004": (2023, "贵阳")}


@pytest.fixture(scope="module")
def sample():
    files = {stem: sorted(RAW.glob(f"{stem}_*.txt")) for stem in SAMPLE}
    if not all(files.values()):
        pytest.skip("sample corpus not found in corpus/raw")
    texts, years, cities = {}, {}, {}
    for stem, (year, city) in SAMPLE.items():
        path = files[stem][0]
        texts[path.stem] = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        years[path.stem], cities[path.stem] = year, city  # fixture years, not the documents' real dates
    docs, paras = make_corpus(texts, years, cities=cities)
    themes = parse_themes(THEMES_TOML.read_text(encoding="utf-8"))
    return docs, paras, track_themes(docs, paras, None, themes=themes)


@pytest.mark.parametrize("theme, first_year, first_lanzhou", [("强省会", 2020, 2022), ("社区协商", 2023, None)])
def test_sample_corpus_trend_first_appearance_and_kwic(sample, theme, first_year, first_lanzhou):
    docs, paras, out = sample
    # KWIC one for one with a plain search (no 社区协商议事会 in the sample, so the exclusion is moot).
    assert not paras["text"].str.contains("社区协商议事会").any()
    expected = plain_find(paras, theme)
    assert len(expected) > 0
    assert hit_spans(out["theme_hits"], theme) == expected
    h = out["theme_hits"][out["theme_hits"]["theme"] == theme]
    assert (h["match"] == theme).all()
    assert ((h["left"].str.len() <= 30) & (h["right"].str.len() <= 30)).all()
    # Trend: one row per corpus year, counts summing to the hits, pooled rate.
    ty = out["theme_years"][out["theme_years"]["theme"] == theme]
    assert ty["year"].tolist() == [2020, 2022, 2023, 2025]
    assert ty["count"].sum() == len(expected) and (ty["count"] > 0).sum() >= 2
    assert np.allclose(ty["per_10k"], ty["count"] / ty["n_chars"] * 10_000)
    # First appearance, corpus-wide and per city.
    first = out["theme_first"][out["theme_first"]["theme"] == theme].set_index("city")
    assert first.loc["", "first_year"] == first_year
    assert first.loc["", "total_count"] == len(expected)
    lz = first.loc["兰州", "first_year"]
    assert (pd.isna(lz) and first_lanzhou is None) or lz == first_lanzhou


def test_sample_corpus_alias_counts_once(sample):
    _, paras, out = sample
    h = out["theme_hits"][out["theme_hits"]["theme"] == "委员工作站"]
    assert len(h) == len(plain_find(paras, "委员工作站"))  # every alias contains 委员工作站, each counted once
    assert (h["term"] == "乡镇（街道）委员工作站").sum() == len(plain_find(paras, "乡镇（街道）委员工作站")) == 4


# ---------------------------------------------------------------- figures


def _render(fig) -> int:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.tell()


def test_figures_render_with_cjk_labels(sample):
    _, _, out = sample
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "Glyph … missing from font" would be a UserWarning
        trend = plot_theme_trends(out["theme_years"])
        heat = plot_theme_heatmap(out["theme_years"])
        cities = plot_theme_cities(out["theme_groups"])
        sizes = [_render(f) for f in (trend, heat, cities)]
    assert all(s > 10_000 for s in sizes)
    assert "强省会" in trend.axes[0].get_legend_handles_labels()[1]
    assert "新质生产力" not in trend.axes[0].get_legend_handles_labels()[1]  # no hit, no line
    assert [t.get_text() for t in trend.axes[1].texts] == ["1", "1", "1", "1"]  # documents per year
    assert len(heat.axes[0].get_yticklabels()) == len(out["theme_years"]["theme"].unique())
    assert sorted(a.get_title() for a in cities.axes if a.get_title()) == ["兰州（1 篇）", "贵阳（3 篇）"]
    one_city = out["theme_groups"][out["theme_groups"]["group"] != "兰州"]
    assert plot_theme_cities(one_city) is None
