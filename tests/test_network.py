import networkx as nx
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.network import assign_periods, build_cooccurrence, to_graph

VOCAB = ["协商", "民主", "监督", "委员", "提案", "社区", "园区", "共识"]

windows = st.lists(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=6), min_size=1, max_size=25)


def _tokens(wins, years=(2020, 2021)):
    rows = []
    for i, terms in enumerate(wins):
        doc = f"d{i % len(years)}"
        for j, t in enumerate(terms):
            rows.append({"doc_id": doc, "para_id": f"{doc}:p{i:04d}", "token_index": j, "token": t,
                         "start": 0, "end": 0, "pos": "n", "keep": True})
    docs = pd.DataFrame({"doc_id": [f"d{k}" for k in range(len(years))], "year": list(years), "is_canonical": True})
    return pd.DataFrame(rows), docs


@settings(max_examples=40, deadline=None)
@given(windows)
def test_graph_is_loop_free_with_positive_weights_and_communities_partition(wins):
    tokens, docs = _tokens(wins)
    out = build_cooccurrence(tokens, docs, period="year", top_terms=10, min_weight=1, seed=3)
    edges, nodes = out["network_edges"], out["network_nodes"]
    assert (edges["source"] != edges["target"]).all()
    assert (edges["weight"] > 0).all()
    assert edges["npmi"].between(-1.0000001, 1.0000001).all()
    for period in nodes["period"].unique():
        g = to_graph(nodes, edges, period)
        connected = [n for n, d in g.degree() if d > 0]
        comms = {}
        for n in connected:
            comms.setdefault(g.nodes[n]["community"], set()).add(n)
        assert nx.community.is_partition(g.subgraph(connected), list(comms.values()))


def test_weight_counts_windows_not_repetitions():
    tokens, docs = _tokens([["协商", "民主", "协商"], ["协商", "民主"], ["监督"]], years=(2020,))
    out = build_cooccurrence(tokens, docs, period="all", min_weight=1)
    e = out["network_edges"]
    assert e[["source", "target", "weight"]].values.tolist() == [["协商", "民主", 2]] or \
        e[["source", "target", "weight"]].values.tolist() == [["民主", "协商", 2]]
    assert set(out["network_nodes"]["period"]) == {"all"}


def test_periods():
    assert assign_periods(pd.Series([2024, 2025]), "year").tolist() == ["2024", "2025"]
    assert assign_periods(pd.Series([1999, 2003]), "10y").tolist() == ["1990–1999", "2000–2009"]
