import io
import itertools
from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.network import (
    FILLERS,
    betweenness,
    build_cooccurrence,
    measures,
    pair_p_values,
    period_labels,
    to_graph,
    window_matrix,
)
from pipeline.network_plots import network_figures, plot_ego, plot_network
from pipeline.plotting import figure_bytes
from pipeline.themes import Theme

VOCAB = ["协商", "民主", "监督", "委员", "提案", "社区", "园区", "共识"]

windows = st.lists(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=6), min_size=1, max_size=30)


def _tokens(wins, years=(2020, 2021)):
    """One paragraph per window, documents alternating over ``years``."""
    rows = []
    for i, terms in enumerate(wins):
        doc = f"d{i % len(years)}"
        for j, t in enumerate(terms):
            rows.append({"doc_id": doc, "para_id": f"{doc}:p{i:04d}", "token_index": j, "token": t,
                         "start": 2 * j, "end": 2 * j + 2, "pos": "n", "keep": True})
    docs = pd.DataFrame({"doc_id": [f"d{k}" for k in range(len(years))], "year": list(years), "is_canonical": True})
    return pd.DataFrame(rows), docs


# Everything may pass: the invariants must hold whatever survives pruning.
OPEN = dict(window="paragraph", min_df=1, min_count=1, alpha=0, top_k=3, focus_terms=())


def _brute(wins):
    """Windows per term and per unordered pair, counted the slow obvious way."""
    freq, pairs = Counter(), Counter()
    for w in wins:
        s = sorted(set(w))
        freq.update(s)
        pairs.update(itertools.combinations(s, 2))
    return freq, pairs


@settings(max_examples=40, deadline=None)
@given(windows)
def test_invariants_and_counts_equal_a_brute_force_count(wins):
    tokens, docs = _tokens(wins)
    out = build_cooccurrence(tokens, docs, period="year", **OPEN)
    nodes, edges = out["network_nodes"], out["network_edges"]
    assert (edges["source"] != edges["target"]).all()  # no self-loops
    assert (edges["source"] < edges["target"]).all()  # each pair once: the weight is symmetric by construction
    assert not edges.duplicated(["period", "source", "target"]).any()
    assert edges["npmi"].between(-1, 1).all()
    assert (edges["weight"] > 0).all()
    labels = {"2020": wins[0::2], "2021": wins[1::2], "all": wins}
    for period, ws in labels.items():
        freq, pairs = _brute(ws)
        e = edges[edges["period"] == period]
        assert {(s, t): c for s, t, c in zip(e["source"], e["target"], e["count"])} == \
            {p: pairs[p] for p in zip(e["source"], e["target"])}
        n = nodes[nodes["period"] == period]
        assert dict(zip(n["term"], n["freq"])) == {t: freq[t] for t in n["term"]}
        linked = set(e["source"]) | set(e["target"])
        assert set(n["term"]) == linked  # every kept node has ≥ 1 edge, every edge end is a node
        assert (n["degree"] >= 1).all()
        g = to_graph(nodes, edges, period)
        comms = {}
        for t in g.nodes:
            comms.setdefault(g.nodes[t]["community"], set()).add(t)
        assert nx.community.is_partition(g, list(comms.values()))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=8), min_size=1, max_size=20),
       st.integers(min_value=2, max_value=5))
def test_sliding_windows_match_a_brute_force_count(paras, size):
    tokens, _ = _tokens(paras, years=(2020,))
    X, terms, _, _ = window_matrix(tokens, window="tokens", window_size=size)
    C = (X.T @ X).toarray()
    assert (C == C.T).all()
    want = Counter()
    for p in paras:
        for i in range(len(p)):
            want.update(itertools.combinations(sorted(set(p[i:i + size])), 2))
    index = {t: i for i, t in enumerate(terms)}
    got = {(a, b): C[index[a], index[b]] for a, b in itertools.combinations(sorted(terms), 2) if C[index[a], index[b]]}
    assert got == dict(want)


def test_sentence_windows_split_a_paragraph():
    tok = pd.DataFrame({"doc_id": "d", "para_id": "d:p0", "token_index": [0, 1, 2, 3],
                        "token": ["协商", "民主", "协商", "监督"], "start": [0, 2, 5, 7], "keep": True})
    sents = pd.DataFrame({"para_id": ["d:p0", "d:p0"], "sent_id": ["d:p0:s00", "d:p0:s01"], "start": [0, 5]})
    X, terms, _, paras = window_matrix(tok, sents, window="sentence")
    assert dict(zip(terms, X.sum(axis=0).A1)) == {"协商": 2, "民主": 1, "监督": 1}
    assert X.shape[0] == 2 and list(paras) == ["d:p0", "d:p0"]
    X, _, _, _ = window_matrix(tok, sents, window="paragraph")
    assert X.shape[0] == 1


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 50), st.integers(1, 50), st.integers(1, 50), st.integers(0, 100))
def test_measures_stay_in_range(c, a, b, extra):
    a, b = max(a, c), max(b, c)
    n = max(a, b) + extra
    if a + b - c > n:
        n = a + b - c
    m = measures(np.array([c]), np.array([a]), np.array([b]), n)
    assert -1 <= m["npmi"][0] <= 1
    assert 0 < m["jaccard"][0] <= m["dice"][0] <= 1
    assert np.isclose(np.log(m["association"][0]), m["pmi"][0])
    assert 0 <= pair_p_values(np.array([c]), np.array([a]), np.array([b]), n)[0] <= 1


def test_npmi_is_one_for_terms_that_always_occur_together():
    m = measures(np.array([3]), np.array([3]), np.array([3]), 10)
    assert m["npmi"][0] == pytest.approx(1.0)


def test_top_k_bounds_degree_and_density():
    rng = np.random.default_rng(0)
    vocab = [f"词{i:02d}" for i in range(40)]
    wins = [list(rng.choice(vocab, size=6, replace=False)) for _ in range(400)]
    tokens, docs = _tokens(wins, years=(2020,))
    out = build_cooccurrence(tokens, docs, period="all", window="paragraph", min_df=1, alpha=0, top_k=2,
                             focus_terms=())
    per = out["network_periods"].iloc[0]
    assert per["edges"] <= 2 * per["nodes"] and per["mean_degree"] <= 4
    capped = build_cooccurrence(tokens, docs, period="all", window="paragraph", min_df=1, alpha=0, top_k=2,
                                top_edges=10, focus_terms=())
    assert len(capped["network_edges"]) == 10
    tree = build_cooccurrence(tokens, docs, period="all", window="paragraph", min_df=1, alpha=0, top_k=1,
                              backbone=True, focus_terms=())
    g = nx.from_pandas_edgelist(tree["network_edges"], "source", "target")
    assert nx.is_connected(g) and tree["network_edges"]["backbone"].sum() == g.number_of_nodes() - 1


def test_significance_filter_drops_pairs_seen_at_chance():
    # 甲 and 乙 share 20 of their 20 windows; 丙 meets 甲 at the rate chance predicts.
    wins = [["甲", "乙"]] * 20 + [["甲", "丙"]] * 2 + [["丙"]] * 8 + [["丁"]] * 70
    tokens, docs = _tokens(wins, years=(2020,))
    out = build_cooccurrence(tokens, docs, period="all", window="paragraph", min_df=1, alpha=0.05, focus_terms=())
    assert out["network_edges"][["source", "target"]].values.tolist() == [["乙", "甲"]]


def test_fillers_and_pos_filter():
    wins = [["协商", "能够", "民主"], ["协商", "能够", "民主"], ["协商", "仍然", "监督"], ["协商", "仍然", "监督"]]
    tokens, docs = _tokens(wins, years=(2020,))
    assert {"由于", "能够", "仍然", "就是", "可能"} <= FILLERS
    out = build_cooccurrence(tokens, docs, period="all", **OPEN)
    assert not set(out["network_nodes"]["term"]) & FILLERS
    kept = build_cooccurrence(tokens, docs, period="all", drop_fillers=False, **OPEN)
    assert "能够" in set(kept["network_nodes"]["term"])
    tokens.loc[tokens["token"] == "监督", "pos"] = "v"
    nouns = build_cooccurrence(tokens, docs, period="all", pos_keep=("n",), **OPEN)
    assert "监督" not in set(nouns["network_nodes"]["term"])
    with pytest.raises(ConfigError, match="carry no POS tags"):
        build_cooccurrence(tokens.assign(pos=""), docs, period="all", pos_keep=("n",), **OPEN)


def test_periods_eras_and_stable_ids():
    assert period_labels(pd.Series([2024, 2025]), "year").tolist() == ["2024", "2025"]
    assert period_labels(pd.Series([1999, 2003]), "10y").tolist() == ["1990–1999", "2000–2009"]
    assert period_labels(pd.Series([1960, 1990, 2040]), "eras", ["1954-1977", "1978-1991"]).tolist() == \
        ["1954–1977", "1978–1991", pd.NA]
    wins = [["协商", "民主", "监督"]] * 3 + [["协商", "民主", "委员"]] * 3
    tokens, docs = _tokens(wins, years=(1960, 1990))
    out = build_cooccurrence(tokens, docs, period="eras", eras=("1954-1977", "1978-1991"), **OPEN)
    nodes = out["network_nodes"]
    assert set(nodes["period"]) == {"1954–1977", "1978–1991", "all"}
    assert nodes.groupby("term")["node_id"].nunique().eq(1).all()  # one id per term in every period
    assert nodes["node_id"].nunique() == nodes["term"].nunique()


@pytest.mark.parametrize("override, match", [
    ({"measure": "cosine"}, "network.measure"),
    ({"eras": ["1978-1991", "1954-1980"]}, "overlap"),
    ({"window": "tokens", "window_size": 1}, "window_size"),
    ({"top_k": 0, "top_edges": 0}, "hairball"),
    ({"alpha": 1.5}, "alpha"),
])
def test_bad_settings_fail_when_the_config_is_built(override, match):
    if "eras" in override:
        override = {**override, "period": "eras"}
    with pytest.raises(ConfigError, match=match):
        Config().with_overrides({"network": override})


def test_leiden_without_leidenalg_says_how_to_install():
    pytest.importorskip("networkx")
    try:
        import leidenalg  # noqa: F401
    except ImportError:
        tokens, docs = _tokens([["协商", "民主"]] * 3, years=(2020,))
        with pytest.raises(ConfigError, match="leidenalg"):
            build_cooccurrence(tokens, docs, period="all", community="leiden", **OPEN)


def test_betweenness_equals_networkx():
    for seed in range(4):
        g = nx.gnm_random_graph(40, 70, seed=seed)  # disconnected ones included
        ours, theirs = betweenness(g), nx.betweenness_centrality(g)
        assert all(ours[n] == pytest.approx(theirs[n], abs=1e-12) for n in g)


def test_neighbours_rank_a_theme_terms_partners():
    wins = [["社区协商", "居民"]] * 6 + [["社区协商", "议事"]] * 3 + [["其他", "居民"]] * 3 + [["无关"]] * 20
    tokens, docs = _tokens(wins, years=(2020,))
    themes = (Theme(name="社区协商", terms=("社区协商",)),)
    out = build_cooccurrence(tokens, docs, period="all", themes=themes, window="paragraph", min_df=1, alpha=0,
                             focus_terms=())
    nb = out["network_neighbours"]
    assert nb[["theme", "rank", "neighbour", "count"]].values.tolist() == [["社区协商", 1, "议事", 3], ["社区协商", 2, "居民", 6]]


def test_graph_exports_round_trip():
    tokens, docs = _tokens([["协商", "民主", "监督"], ["协商", "民主"], ["协商", "监督"]] * 2, years=(2020,))
    out = build_cooccurrence(tokens, docs, period="all", **OPEN)
    g = to_graph(out["network_nodes"], out["network_edges"], "all")
    for write, read in ((nx.write_gexf, nx.read_gexf), (nx.write_graphml, nx.read_graphml)):
        buf = io.BytesIO()
        write(g, buf)
        back = read(io.BytesIO(buf.getvalue()))
        assert sorted(back.nodes) == sorted(g.nodes) and back.number_of_edges() == g.number_of_edges()


@pytest.fixture(scope="module")
def sample_network(sample_run):
    return sample_run["result"].tables


def test_sample_corpus_meets_the_density_target(sample_network):
    per = sample_network["network_periods"]
    assert (per["mean_degree"] <= 10).all()
    # Density only means something with enough nodes (2015–2019 is one short document).
    assert (per.loc[per["nodes"] >= 20, "density"] <= 0.1).all()
    assert set(per["period"]) == {"2015–2019", "2020–2024", "2025–2029", "all"}


def test_sample_corpus_communities_are_pinned(sample_network):
    # Louvain (seed 42) on the sample's all-years network, sentence windows, NPMI, top-5 edges.
    # Read off a run and checked by eye: a 贵阳 strategy group (强省会 with 贵阳贵安, 高质量发展,
    # 中国式现代化) apart from the grassroots group (街道, 乡镇, 社区 with 协商) and the
    # united-front one (民主党派, 工商联).
    nodes = sample_network["network_nodes"]
    allp = nodes[nodes["period"] == "all"].set_index("term")
    assert len({allp.loc[t, "community"] for t in ("强省会", "贵阳贵安", "高质量发展", "中国式现代化")}) == 1
    assert len({allp.loc[t, "community"] for t in ("街道", "乡镇", "社区", "协商")}) == 1
    assert allp.loc["民主党派", "community"] == allp.loc["工商联", "community"]
    assert len({allp.loc[t, "community"] for t in ("强省会", "街道", "民主党派")}) == 3
    comms = sample_network["network_communities"]
    assert len(comms[comms["period"] == "all"]) == 10
    assert comms[comms["period"] == "all"]["label"].tolist()[:3] == ["领导批示·报告·视察", "街道·乡镇·社区",
                                                                   "关于加强和改进人民政协工作的重要思想·贯彻·习近平总书记"]


def test_figures_have_cjk_labels_and_no_orphans(sample_network):
    figs = network_figures(sample_network, seed=42)
    assert "network_all" in figs and any(k.startswith("ego_") for k in figs)
    svg = figure_bytes(figs["network_all"], "svg").decode()
    assert "强省会" in svg  # SVG keeps text as text
    assert plot_network(sample_network["network_nodes"], sample_network["network_edges"], period="没有") is None
    assert plot_ego(sample_network["network_neighbours"], theme="没有的主题") is None
