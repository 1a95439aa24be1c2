"""Network stage: term co-occurrence graphs per period, with communities.

Input: ``tokens`` (kept tokens), ``documents`` (year, ``is_canonical``).
Output: ``network_nodes`` and ``network_edges`` (see ``pipeline/records.py``).

A window is a paragraph (default) or a sentence; a pair of terms
co-occurs once per window that holds both, however often they repeat, so
``weight`` counts paragraphs a researcher can open.  Per period the
``top_terms`` most frequent terms become nodes; pairs seen in fewer than
``min_weight`` windows are dropped.  Communities come from networkx's
seeded Louvain, renumbered by size so the numbering is stable.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import networkx as nx
import pandas as pd

from .errors import ConfigError
from .records import assign_periods, canonical, check_columns, conform


def window_terms(tokens: pd.DataFrame, sentences: pd.DataFrame | None = None, *, window: str = "paragraph") -> pd.DataFrame:
    """One row per window: ``doc_id``, ``window_id``, ``terms`` (a sorted set of kept tokens).

    Sentence windows are ingest's ``sentences`` table (the one sentence
    splitter): a token belongs to the sentence whose span starts at or
    before the token's offset in the paragraph.

    Examples
    --------
    >>> tok = pd.DataFrame({"doc_id": "d", "para_id": "d:p0", "token_index": [0, 1, 2],
    ...     "token": ["协商", "民主", "民生"], "start": [0, 2, 5], "keep": True})
    >>> sents = pd.DataFrame({"para_id": "d:p0", "sent_id": ["d:p0:s00", "d:p0:s01"], "start": [0, 5]})
    >>> window_terms(tok, sents, window="sentence")["terms"].tolist()
    [['协商', '民主'], ['民生']]
    """
    if window not in {"paragraph", "sentence"}:
        raise ConfigError(f"network.window must be 'paragraph' or 'sentence', not {window!r}.")
    tok = tokens[tokens["keep"].astype(bool)]
    if window == "sentence":
        check_columns(sentences, "sentences", stage="network", needs=("para_id", "sent_id", "start"))
        check_columns(tokens, "tokens", stage="network", needs=("para_id", "start"))
        left = tok.assign(start=tok["start"].astype("int64")).sort_values("start", kind="stable")
        right = sentences[["para_id", "sent_id", "start"]].astype({"start": "int64"}).sort_values("start", kind="stable")
        tok = pd.merge_asof(left, right, on="start", by="para_id", direction="backward")
        win = tok["sent_id"].fillna(tok["para_id"])  # text before the first sentence (none in practice)
    else:
        win = tok["para_id"]
    grouped = tok.assign(window_id=win).groupby("window_id", sort=True).agg(
        doc_id=("doc_id", "first"), terms=("token", lambda s: sorted(set(s))))
    return grouped.reset_index()


def build_cooccurrence(
    tokens: pd.DataFrame,
    documents: pd.DataFrame,
    sentences: pd.DataFrame | None = None,
    *,
    window: str = "paragraph",
    period: str = "year",
    top_terms: int = 150,
    min_weight: int = 2,
    seed: int = 42,
) -> dict[str, pd.DataFrame]:
    """Build one co-occurrence graph per period plus one over all periods.

    Returns
    -------
    dict
        ``network_nodes`` and ``network_edges``.

    Examples
    --------
    >>> tok = pd.DataFrame({"doc_id": "d", "para_id": ["d:p0", "d:p0", "d:p1", "d:p1"],
    ...     "token_index": [0, 1, 0, 1], "token": ["社区协商", "民生", "社区协商", "民生"], "keep": True})
    >>> docs = pd.DataFrame({"doc_id": ["d"], "year": [2023], "is_canonical": [True]})
    >>> out = build_cooccurrence(tok, docs, period="all", min_weight=2)
    >>> out["network_edges"][["source", "target", "weight"]].values.tolist()
    [['民生', '社区协商', 2]]
    """
    check_columns(tokens, "tokens", stage="network", needs=("doc_id", "para_id", "token_index", "token", "keep"))
    if top_terms < 2 or min_weight < 1:
        raise ConfigError(f"network.top_terms must be ≥ 2 and network.min_weight ≥ 1 (got {top_terms}, {min_weight}).")
    canon = canonical(documents)[["doc_id", "year"]]
    wins = window_terms(tokens[tokens["doc_id"].isin(canon["doc_id"])], sentences, window=window)
    wins = wins.merge(canon, on="doc_id", how="left")
    labelled = []
    if period != "all":
        per = assign_periods(wins["year"], period)
        for label in sorted(per.dropna().unique()):
            labelled.append((str(label), wins[per == label]))
    labelled.append(("all", wins))

    node_rows, edge_rows = [], []
    for label, w in labelled:
        nodes, edges = _period_graph(w["terms"].tolist(), top_terms=top_terms, min_weight=min_weight, seed=seed)
        node_rows.append(nodes.assign(period=label))
        edge_rows.append(edges.assign(period=label))
    nodes = pd.concat(node_rows, ignore_index=True)
    edges = pd.concat(edge_rows, ignore_index=True)
    return {"network_nodes": conform(nodes, "network_nodes"), "network_edges": conform(edges, "network_edges")}


def _period_graph(windows: list[list[str]], *, top_terms: int, min_weight: int, seed: int):
    n = len(windows)
    freq = Counter(t for terms in windows for t in terms)
    vocab = {t for t, _ in sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:top_terms]}
    pairs: Counter = Counter()
    for terms in windows:
        kept = [t for t in terms if t in vocab]  # already sorted, so (a, b) has a < b
        pairs.update(itertools.combinations(kept, 2))
    edges = []
    for (a, b), w in sorted(pairs.items()):
        if w < min_weight:
            continue
        p_ab, p_a, p_b = w / n, freq[a] / n, freq[b] / n
        # NPMI is 1 when two terms always occur together; log(p_ab) is 0 then.
        npmi = 1.0 if p_ab >= 1 else math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)
        edges.append({"source": a, "target": b, "weight": w, "npmi": round(npmi, 6)})
    edges = pd.DataFrame(edges, columns=["source", "target", "weight", "npmi"])
    g = nx.Graph()
    g.add_weighted_edges_from(edges[["source", "target", "weight"]].itertuples(index=False))
    community = {}
    if g.number_of_edges():
        comms = nx.community.louvain_communities(g, weight="weight", seed=seed)
        comms = sorted(comms, key=lambda c: (-len(c), min(c)))
        community = {t: i for i, c in enumerate(comms) for t in c}
    nodes = pd.DataFrame(
        [
            {
                "term": t,
                "freq": freq[t],
                "degree": g.degree(t) if t in g else 0,
                "strength": float(g.degree(t, weight="weight")) if t in g else 0.0,
                "community": community.get(t, pd.NA),
            }
            for t in sorted(vocab, key=lambda t: (-freq[t], t))
        ],
        columns=["term", "freq", "degree", "strength", "community"],
    )
    return nodes, edges


def to_graph(nodes: pd.DataFrame, edges: pd.DataFrame, period: str) -> nx.Graph:
    """The networkx graph of one period, with node and edge attributes (for GEXF export).

    Examples
    --------
    >>> n = pd.DataFrame({"period": "all", "term": ["协商", "民主"], "freq": [3, 2], "degree": 1,
    ...     "strength": 2.0, "community": [0, 0]})
    >>> e = pd.DataFrame({"period": ["all"], "source": ["协商"], "target": ["民主"], "weight": [2], "npmi": [0.5]})
    >>> to_graph(n, e, "all").number_of_edges()
    1
    """
    g = nx.Graph(period=period)
    for r in nodes[nodes["period"] == period].itertuples(index=False):
        g.add_node(
            r.term,
            label=r.term,
            freq=int(r.freq),
            degree=int(r.degree),
            community=-1 if pd.isna(r.community) else int(r.community),
        )
    for r in edges[edges["period"] == period].itertuples(index=False):
        g.add_edge(r.source, r.target, weight=int(r.weight), npmi=float(r.npmi))
    return g
