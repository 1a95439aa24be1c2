import numpy as np
import pandas as pd
import pytest

from pipeline import topic_plots
from pipeline.config import Config
from pipeline.errors import ConfigError, EmptyResultError
from pipeline.run import run
from pipeline.topics import BOILERPLATE, fit_topics

VOCABS = {
    "a": ["社区协商", "民生", "居民", "议事", "基层", "服务", "养老", "社区"],
    "b": ["数字经济", "产业", "投资", "园区", "企业", "创新", "招商", "项目"],
    "c": ["粮食", "农业", "农村", "耕地", "农民", "种植", "灌溉", "水利"],
}
YEARS = {"d0": 2018, "d1": 2018, "d2": 2020, "d3": 2024}  # 2019 and 2021–23 have no document
CITIES = {"d0": "贵阳", "d1": "遵义", "d2": "贵阳", "d3": "遵义"}


def _tables(n_paras: int = 24, vocabs: str = "abc", extra: tuple[str, ...] = ("发展", "报告", "请予")):
    """Paragraphs of separated vocabularies (5–8 words each) plus words common to all of them."""
    rng = np.random.default_rng(0)
    tok, par = [], []
    for i in range(n_paras):
        group = vocabs[i % len(vocabs)]
        doc = f"d{i % 4}"
        pid = f"{doc}:p{i:04d}"
        words = list(rng.choice(VOCABS[group], size=5 + i % 4, replace=False)) + list(extra)
        for j, w in enumerate(words):
            tok.append({"doc_id": doc, "para_id": pid, "token_index": j, "token": w, "start": 0, "end": 0,
                        "pos": "n", "keep": True})
        tok.append({"doc_id": doc, "para_id": pid, "token_index": 99, "token": "，", "start": 0, "end": 0,
                    "pos": "x", "keep": False})
        par.append({"doc_id": doc, "para_id": pid, "para_index": i, "start": 0, "text": "".join(words),
                    "n_chars": len("".join(words)), "is_heading": False, "group": group})
    docs = pd.DataFrame({"doc_id": list(YEARS), "year": list(YEARS.values()), "city": list(CITIES.values()),
                         "is_canonical": True})
    return pd.DataFrame(tok), docs, pd.DataFrame(par)


FAST = dict(min_df=1, max_df=1.0, n_seeds=2, n_init=3, seed=1)


def test_every_unit_gets_exactly_one_topic_and_topics_separate_vocabularies():
    tokens, docs, paras = _tables()
    out = fit_topics(tokens, docs, paras, n_topics=3, **FAST)
    assign = out["topic_assignments"]
    assert assign["unit_id"].is_unique and len(assign) == len(paras)
    # Pinned seeded result: each topic is exactly one vocabulary.
    truth = paras.set_index("para_id")["group"]
    per_topic = assign.groupby("topic_id")["unit_id"].agg(lambda u: set(truth[u]))
    assert sorted(map(sorted, per_topic)) == [["a"], ["b"], ["c"]]


def test_words_common_to_every_topic_and_boilerplate_label_nothing():
    tokens, docs, paras = _tables()
    topics = fit_topics(tokens, docs, paras, n_topics=3, **FAST)["topics"]
    assert not set(" ".join(topics["top_terms"]).split()) & BOILERPLATE
    for _, t in topics.iterrows():
        terms = t["top_terms"].split()
        assert t["label"] == "·".join(terms[:3])
        # 发展 is in every paragraph: c-TF-IDF ranks it below every word of the topic's own vocabulary.
        own = [w for w in terms if any(w in v for v in VOCABS.values())]
        assert "发展" not in terms or terms.index("发展") >= len(own)


def test_every_table_has_exactly_its_documented_columns():
    from pipeline.records import SCHEMAS

    tokens, docs, paras = _tables()
    out = fit_topics(tokens, docs, paras, n_topics=3, **FAST)
    for name, table in out.items():
        assert list(table.columns) == [c.name for c in SCHEMAS[name]], name


def test_same_seed_same_topics():
    tokens, docs, paras = _tables()
    a = fit_topics(tokens, docs, paras, n_topics=3, **FAST)
    b = fit_topics(tokens, docs, paras, n_topics=3, **FAST)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_auto_k_picks_one_k_from_the_curve():
    tokens, docs, paras = _tables(n_paras=36)
    out = fit_topics(tokens, docs, paras, k_min=2, k_max=5, **FAST)
    k = out["topic_k"]
    assert k["k"].tolist() == [2, 3, 4, 5] and k["chosen"].sum() == 1
    assert k.loc[k["chosen"], "value"].iloc[0] == k["value"].max()
    assert int(k.loc[k["chosen"], "k"].iloc[0]) == 3  # three planted vocabularies
    assert len(out["topics"]) == 3
    fig = topic_plots.plot_topic_k(k)
    assert fig is not None


def test_evidence_is_the_units_closest_to_each_centroid():
    tokens, docs, paras = _tables()
    out = fit_topics(tokens, docs, paras, n_topics=3, **FAST)
    ev, assign = out["topic_evidence"], out["topic_assignments"]
    assert ev.groupby("topic_id")["rank"].apply(list).tolist() == [[1, 2, 3]] * 3
    for t, group in ev.groupby("topic_id"):
        best = assign[assign["topic_id"] == t]["similarity"].nlargest(3).tolist()
        assert group["similarity"].tolist() == best
    text = paras.set_index("para_id")["text"]
    assert (ev["text"] == text[ev["para_id"]].to_numpy()).all()
    assert (ev["year"] == ev["doc_id"].map(YEARS)).all()


def test_shares_are_length_weighted_per_year_document_city_and_era():
    tokens, docs, paras = _tables()
    out = fit_topics(tokens, docs, paras, n_topics=3, eras=("2015-2019", "2020-"), **FAST)
    trends = out["topic_trends"]
    assert sorted(trends["year"].unique()) == [2018, 2020, 2024]  # no invented years
    assert len(trends) == 3 * 3  # every topic in every year, zeros included
    for table, key in ((trends, "year"), (out["topic_docs"], "doc_id"), (out["topic_cities"], "city"),
                       (out["topic_eras"], "era")):
        assert np.allclose(table.groupby(key)["share"].sum(), 1), key
    # Weighted by characters, not by counting paragraphs.
    assign = out["topic_assignments"]
    y = assign[assign["year"] == 2018]
    expect = y.groupby("topic_id")["n_chars"].sum() / y["n_chars"].sum()
    got = trends[trends["year"] == 2018].set_index("topic_id")["share"]
    assert np.allclose(got[expect.index], expect)
    eras = out["topic_eras"]
    assert eras.groupby("era")["dominant"].sum().eq(1).all()
    assert eras.groupby("era")["start"].first().to_dict() == {"2015-2019": 2018, "2020-": 2020}


def test_short_units_are_skipped_and_counted():
    tokens, docs, paras = _tables()
    short = paras["para_id"].iloc[:2]
    tokens = tokens[~tokens["para_id"].isin(short) | (tokens["token_index"] < 2)]
    out = fit_topics(tokens, docs, paras, n_topics=3, min_unit_tokens=5, **FAST)
    summary = out["topic_summary"].set_index("item")["value"]
    assert summary["units_short"] == 2 and summary["units_clustered"] == len(paras) - 2
    assert not out["topic_assignments"]["unit_id"].isin(short).any()


def test_a_small_corpus_gets_fewer_topics_and_a_warning_not_an_error():
    tokens, docs, paras = _tables(n_paras=7)
    with pytest.warns(UserWarning, match="using 2 topics"):
        out = fit_topics(tokens, docs, paras, n_topics=8, **FAST)
    assert len(out["topics"]) == 2
    with pytest.warns(UserWarning, match="k is searched in 2..2"):
        fit_topics(tokens, docs, paras, **FAST)


def test_section_and_document_units():
    tokens, docs, paras = _tables()
    paras = paras.assign(is_heading=paras["para_index"] % 6 == 0)
    out = fit_topics(tokens, docs, paras, unit="section", n_topics=2, **FAST)
    units = set(out["topic_assignments"]["unit_id"])
    assert units <= set(paras.loc[paras["is_heading"], "para_id"]) | set(paras.groupby("doc_id")["para_id"].first())
    ev = out["topic_evidence"]
    assert ev["para_id"].isin(paras["para_id"]).all()
    docs_out = fit_topics(tokens, docs, paras, unit="document", n_topics=2, min_df=1, max_df=1.0, n_seeds=1)
    assert set(docs_out["topic_assignments"]["unit_id"]) == set(YEARS)


def test_nmf_behind_the_same_interface():
    tokens, docs, paras = _tables()
    out = fit_topics(tokens, docs, paras, n_topics=3, method="nmf", **FAST)
    truth = paras.set_index("para_id")["group"]
    per_topic = out["topic_assignments"].groupby("topic_id")["unit_id"].agg(lambda u: set(truth[u]))
    assert sorted(map(sorted, per_topic)) == [["a"], ["b"], ["c"]]


def test_stability_over_seeds():
    tokens, docs, paras = _tables()
    out = fit_topics(tokens, docs, paras, n_topics=3, **{**FAST, "n_seeds": 4})
    stab = out["topic_stability"]
    assert stab["seed"].tolist() == [1, 2, 3, 4]
    assert np.allclose(stab["ari"], 1) and np.allclose(stab["mean_cosine"], 1, atol=1e-6)  # planted topics come back
    assert out["topics"]["stable"].all()


def test_correspondence_analysis_separates_years_of_different_vocabulary():
    tokens, docs, paras = _tables(n_paras=48)
    # 2018 documents speak of farming only; 2024 of industry only.
    paras = paras.copy()
    keep = ~((paras["doc_id"].isin(["d0", "d1"]) & (paras["group"] != "c"))
             | ((paras["doc_id"] == "d3") & (paras["group"] != "b")))
    tokens = tokens[tokens["para_id"].isin(paras.loc[keep, "para_id"])]
    ca = fit_topics(tokens, docs, paras, n_topics=3, **FAST)["topic_ca"]
    assert set(ca["kind"]) == {"term", "year"}
    assert np.allclose(ca.groupby("kind")["mass"].sum(), 1)
    y = ca[ca["kind"] == "year"].set_index("item")["dim1"]
    farm = ca[(ca["kind"] == "term") & ca["item"].isin(VOCABS["c"])]["dim1"]
    assert np.sign(farm.mean()) == np.sign(y["2018"]) != np.sign(y["2024"])
    assert topic_plots.plot_ca(ca) is not None


def test_trend_figure_uses_a_numeric_year_axis():
    tokens, docs, paras = _tables()
    out = fit_topics(tokens, docs, paras, n_topics=3, **FAST)
    fig = topic_plots.plot_topic_trends(out["topics"], out["topic_trends"], out["topic_eras"])
    centres = {round(p.get_x() + p.get_width() / 2) for p in fig.axes[0].patches}
    assert centres == {2018, 2020, 2024}
    lo, hi = fig.axes[0].get_xlim()
    assert lo < 2018 and hi > 2024  # 2019 and 2021–23 are on the axis, empty


def test_config_is_checked_before_ingest(tmp_path):
    with pytest.raises(ConfigError, match="n_topics must be"):
        Config().with_overrides({"topics": {"n_topics": 0}})
    assert Config().with_overrides({"topics": {"n_topics": "6"}}).topics.n_topics == 6
    with pytest.raises(ConfigError, match="topics.unit"):
        Config().with_overrides({"topics": {"unit": "sentence"}})
    # A corpus that does not exist is not even looked at.
    with pytest.raises(ConfigError, match="n_topics"):
        run(Config(corpus=tmp_path / "missing", outputs=tmp_path / "out"), topics={"n_topics": 0})


def test_no_terms_left_prescribes_the_fix():
    tokens, docs, paras = _tables()
    with pytest.raises(EmptyResultError, match="Lower topics.min_df"):
        fit_topics(tokens, docs, paras, n_topics=2, min_df=100)
