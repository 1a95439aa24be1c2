"""Network stage: term co-occurrence networks per period, pruned, clustered and centred on themes.

Input: ``tokens`` (kept tokens, with ``pos``), ``documents`` (``year``,
``is_canonical``), ``sentences`` (for sentence windows) and the parsed
``themes`` of ``corpus/lexicon/themes.toml``.
Output: ``network_nodes``, ``network_edges``, ``network_communities``,
``network_neighbours`` and ``network_periods`` (columns in
``pipeline/records.py``).

How a network is made (defaults in ``NetworkConfig``):

1. **Windows.** A window is a sentence (ingest's ``sentences`` table), a
   paragraph, or a sliding run of ``window_size`` tokens.  A term counts
   once per window however often it repeats (boolean counting), so every
   count is a number of windows a researcher can open.
2. **Counting** is sparse: a binary window × term matrix ``X`` and
   ``XᵀX``; no Python loop over pairs.
3. **Nodes** of a period: kept tokens (no stopwords), minus the filler
   list ``FILLERS`` and, optionally, POS outside ``pos_keep``, seen in at
   least ``min_df`` windows; the ``top_terms`` most frequent (or most
   distinctive of the period by TF-IDF, ``rank_by = "tfidf"``).
4. **Weights**: ``count``, ``jaccard``, ``dice``, ``association``
   (association strength, observed ÷ expected windows), ``pmi`` or
   ``npmi``; every edge also keeps its raw ``count`` and all six measures.
5. **Pruning** by the chosen weight: pairs in fewer than ``min_count``
   windows, pairs not significantly more frequent than chance (one-sided
   binomial test, Benjamini–Hochberg across the period's pairs,
   ``alpha``) and pairs with a non-positive weight are never edges; of the
   rest each node keeps its ``top_k`` strongest edges (an edge stays when
   either end keeps it), then at most ``top_edges`` overall; a maximum
   spanning tree ``backbone`` can be added.  Nodes left without an edge
   are dropped, so no node of the tables or figures is an orphan.  With
   ``top_k = k`` a graph has at most ``k`` edges per node: mean degree
   ≤ 2k and density ≤ 2k / (n − 1).
6. **Communities**: seeded Louvain (networkx) or Leiden (``leidenalg``,
   optional), numbered by size; each is labelled by its most central
   terms (weighted degree inside the community).
7. **Periods**: one network per year, per span (``5y``) or per era
   (``eras``), plus ``all``.  ``node_id`` is one number per term for the
   whole run, so a term has the same id in every period.
8. **Neighbours**: for every theme term (and ``focus_terms``), its
   ``ego_size`` strongest partners per period among all candidate terms
   (not only the drawn nodes), with the same tests as edges.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse, stats
from sklearn.feature_extraction.text import TfidfTransformer

from .errors import ConfigError
from .records import assign_periods, canonical, check_columns, conform

#: Words that glue policy prose together but name nothing: conjunctions,
#: adverbs, modal and light verbs (推进, 加强, 助推 …), vague quantifiers.  They pass the
#: stopword lists (some are content words elsewhere) but co-occur with
#: everything, so as nodes they become hubs that explain nothing
#: (由于, 能够, 仍然, 就是, 可能 were nodes of the 1979 graph).  Switch off
#: with ``network.drop_fillers = false``; a theme or focus term is never dropped.
FILLERS = frozenset(
    """
    由于 能够 仍然 就是 可能 已经 还是 还要 还有 而且 并且 以及 但是 因此 所以 因而 从而 如果 虽然 尽管
    即使 不仅 而是 或者 只有 只要 为了 对于 关于 通过 按照 根据 围绕 结合 特别 尤其 更加 比较 十分 非常 极其 更好
    进一步 一步 不断 继续 始终 仍 正在 将要 必将 必须 应当 应该 需要 要求 一定 务必 坚决 切实 认真 努力 大力 积极
    充分 全面 广泛 深入 有效 有力 明显 显著 基本 基本上 主要 重要 重大 一些 这些 那些 这个 那个 这样 那样 这种 各种
    各项 各个 各类 一切 所有 其中 其他 其它 有关 相关 方面 情况 问题 方式 方法 过程 工作 任务 措施 进行 加以 予以
    给予 得到 受到 提出 作出 做出 做好 搞好 抓好 开展 实行 实施 推进 推动 促进 加快 加强 加大 坚持 提高 提升 增强
    保持 实现 取得 达到 具有 存在 出现 成为 作为 形成 发挥 当前 目前 今后 今年 去年 明年 过去 以来 以后 以前 同时
    充分发挥 奋力 展现 彰显 紧扣 紧盯 助推 助力 先后 及时 深入开展
    """.split()
)

WINDOWS = ("sentence", "paragraph", "tokens")
MEASURES = ("count", "jaccard", "dice", "association", "pmi", "npmi")
RANKS = ("freq", "tfidf")
COMMUNITY = ("louvain", "leiden")
_ERA = re.compile(r"^\s*(\d{4})\s*[-–—~]\s*(\d{4})\s*$")


def check_params(
    *, window: str, window_size: int, period: str, eras: Iterable[str], min_df: int, top_terms: int,
    rank_by: str, measure: str, min_count: int, alpha: float, top_k: int, top_edges: int,
    community: str, resolution: float, label_terms: int, ego_size: int, **_: object,
) -> None:
    """Raise ``ConfigError`` naming the key and the fix for any bad network setting.

    Called when the config is built (before ingest) and again at stage entry.

    Examples
    --------
    >>> check_params(window="句子", window_size=10, period="year", eras=(), min_df=2, top_terms=150,
    ...     rank_by="freq", measure="npmi", min_count=2, alpha=0.01, top_k=5, top_edges=0,
    ...     community="louvain", resolution=1.0, label_terms=3, ego_size=10)
    Traceback (most recent call last):
    ...
    pipeline.errors.ConfigError: network.window must be one of sentence, paragraph, tokens, not '句子'. Fix it in pipeline.toml [network].
    """
    fix = "Fix it in pipeline.toml [network]."
    for key, value, allowed in (("window", window, WINDOWS), ("measure", measure, MEASURES),
                                ("rank_by", rank_by, RANKS), ("community", community, COMMUNITY)):
        if value not in allowed:
            raise ConfigError(f"network.{key} must be one of {', '.join(allowed)}, not {value!r}. {fix}")
    for key, value, low in (("window_size", window_size, 2), ("min_df", min_df, 1), ("top_terms", top_terms, 2),
                            ("min_count", min_count, 1), ("top_k", top_k, 0), ("top_edges", top_edges, 0),
                            ("label_terms", label_terms, 1), ("ego_size", ego_size, 1)):
        if int(value) < low:
            raise ConfigError(f"network.{key} must be ≥ {low}, not {value!r}. {fix}")
    if top_k == 0 and top_edges == 0:
        raise ConfigError(f"network.top_k and network.top_edges are both 0, so every pair would be an edge (a hairball). Set top_k (e.g. 5) or top_edges. {fix}")
    if not 0 <= alpha < 1:
        raise ConfigError(f"network.alpha must be in [0, 1) (0 switches the significance test off), not {alpha!r}. {fix}")
    if resolution <= 0:
        raise ConfigError(f"network.resolution must be > 0, not {resolution!r}. {fix}")
    if period == "eras":
        parse_eras(eras)
    elif period not in {"year", "all"} and not re.fullmatch(r"\d+y", period):
        raise ConfigError(f"network.period must be 'year', 'all', 'eras' or a span like '5y', not {period!r}. {fix}")


def parse_eras(eras: Iterable[str]) -> list[tuple[int, int]]:
    """Parse user-defined eras such as ``"1954-1977"`` into sorted, non-overlapping year ranges.

    Examples
    --------
    >>> parse_eras(["1978-1991", "1954–1977"])
    [(1954, 1977), (1978, 1991)]
    """
    spans = []
    for era in eras:
        m = _ERA.match(str(era))
        if not m or int(m.group(1)) > int(m.group(2)):
            raise ConfigError(f"network.eras entry {era!r} is not a year range like \"1954-1977\". Fix it in pipeline.toml [network].")
        spans.append((int(m.group(1)), int(m.group(2))))
    if not spans:
        raise ConfigError("network.period = 'eras' needs network.eras, e.g. eras = [\"1954-1977\", \"1978-1991\"].")
    spans.sort()
    for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
        if b0 <= a1:
            raise ConfigError(f"network.eras {a0}-{a1} and {b0}-{b1} overlap; a year must fall in one era.")
    return spans


def period_labels(years: pd.Series, period: str, eras: Iterable[str] = ()) -> pd.Series:
    """Label each year with its period: a year, a span (``5y``), an era, or ``all``.

    Years outside every era get no label (their windows join only ``all``).

    Examples
    --------
    >>> period_labels(pd.Series([1960, 1980, 2030]), "eras", ["1954-1977", "1978-1991"]).tolist()
    ['1954–1977', '1978–1991', <NA>]
    """
    if period != "eras":
        return assign_periods(years, period)
    spans = parse_eras(eras)

    def label(y):
        if pd.isna(y):
            return pd.NA
        return next((f"{a}–{b}" for a, b in spans if a <= int(y) <= b), pd.NA)

    return years.map(label).astype("string")


# ---------------------------------------------------------------- windows and the sparse matrix


def window_matrix(tokens: pd.DataFrame, sentences: pd.DataFrame | None = None, *, window: str = "sentence",
                  window_size: int = 10) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """The binary window × term matrix of ``tokens`` (already filtered to the candidate terms).

    Returns
    -------
    X : scipy.sparse.csr_matrix
        ``X[w, t] = 1`` if term ``t`` occurs in window ``w`` (int32).
    terms : ndarray of str
        Column labels.
    window_doc : ndarray of int
        Row of ``tokens``' first token in each window (to find its document and year).
    window_para : ndarray of str
        ``para_id`` of each window.

    Examples
    --------
    >>> tok = pd.DataFrame({"doc_id": "d", "para_id": "d:p0", "token_index": [0, 1, 2, 3],
    ...     "token": ["协商", "民主", "协商", "民生"], "start": [0, 2, 4, 7]})
    >>> sents = pd.DataFrame({"para_id": "d:p0", "sent_id": ["d:p0:s00", "d:p0:s01"], "start": [0, 7]})
    >>> X, terms, _, _ = window_matrix(tok, sents, window="sentence")
    >>> X.toarray().tolist(), terms.tolist()
    ([[1, 1, 0], [0, 0, 1]], ['协商', '民主', '民生'])
    """
    if window not in WINDOWS:
        raise ConfigError(f"network.window must be one of {', '.join(WINDOWS)}, not {window!r}. Fix it in pipeline.toml [network].")
    tcodes, terms = pd.factorize(tokens["token"], sort=True)
    pcodes, paras = pd.factorize(tokens["para_id"])
    pcodes = pcodes.astype(np.int64)
    if window == "paragraph":
        rows = pcodes
    elif window == "sentence":
        check_columns(sentences, "sentences", stage="network", needs=("para_id", "start"))
        check_columns(tokens, "tokens", stage="network", needs=("para_id", "start"))
        # One sorted key (paragraph, offset) for tokens and sentence starts: each token
        # belongs to the last sentence starting at or before it (a binary search, not a loop).
        spara = pd.Index(paras).get_indexer(sentences["para_id"])
        sent = sentences.loc[spara >= 0, "start"].to_numpy(dtype=np.int64)
        skey = np.sort((spara[spara >= 0].astype(np.int64) << 32) + sent)
        tkey = (pcodes << 32) + tokens["start"].to_numpy(dtype=np.int64)
        idx = np.searchsorted(skey, tkey, side="right") - 1
        inside = (idx >= 0) & ((skey[np.maximum(idx, 0)] >> 32) == pcodes)
        # Text before a paragraph's first sentence (none in practice) is its own window.
        rows = np.where(inside, idx, len(skey) + pcodes)
    else:
        # Sliding windows: one window starts at each candidate token and holds the candidate
        # tokens of the same paragraph less than ``window_size`` positions after it.
        pos = tokens["token_index"].to_numpy(dtype=np.int64)
        key = (pcodes << 32) + pos
        order = np.argsort(key, kind="stable")
        key, tcodes, pcodes = key[order], tcodes[order], pcodes[order]
        first_doc = order
        start = np.arange(len(key))
        stop = np.searchsorted(key, key + window_size, side="left")  # same paragraph: key + size < next paragraph
        lengths = stop - start
        rows = np.repeat(start, lengths)
        cols = tcodes[np.repeat(start, lengths) + _ranges(lengths)]
        X = _binary(rows, cols, len(key), len(terms))
        return X, np.asarray(terms, dtype=object), first_doc, np.asarray(paras, dtype=object)[pcodes]
    rows_u, rows = np.unique(rows, return_inverse=True)
    first = np.full(len(rows_u), len(rows), dtype=np.int64)
    np.minimum.at(first, rows, np.arange(len(rows)))
    X = _binary(rows, tcodes, len(rows_u), len(terms))
    return X, np.asarray(terms, dtype=object), first, np.asarray(paras, dtype=object)[pcodes[first]]


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in ``lengths``, concatenated (vectorised ``np.arange`` per group)."""
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - lengths, lengths)


def _binary(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    X = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n_rows, n_cols))
    X.sum_duplicates()
    X.data[:] = 1  # boolean: a term counts once per window
    return X


# ---------------------------------------------------------------- association measures


def measures(count, freq_a, freq_b, n) -> dict[str, np.ndarray]:
    """All six edge weights of pairs seen in ``count`` of ``n`` windows.

    ``association`` is the association strength of van Eck & Waltman, scaled
    to observed ÷ expected windows (``count · n / (freq_a · freq_b)``);
    ``pmi`` is its natural log; ``npmi`` divides PMI by ``−log(count / n)``
    and lies in [−1, 1] (1 when both terms occur in every window).

    Examples
    --------
    >>> m = measures(np.array([2]), np.array([2]), np.array([4]), 8)
    >>> round(float(m["jaccard"][0]), 3), round(float(m["dice"][0]), 3), round(float(m["npmi"][0]), 3)
    (0.5, 0.667, 0.5)
    """
    c = np.asarray(count, dtype=np.float64)
    a = np.asarray(freq_a, dtype=np.float64)
    b = np.asarray(freq_b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        assoc = c * n / (a * b)
        pmi = np.log(assoc)
        denom = -np.log(c / n)
        npmi = np.where(denom > 0, pmi / np.where(denom > 0, denom, 1), 1.0)
    return {"count": c, "jaccard": c / (a + b - c), "dice": 2 * c / (a + b), "association": assoc,
            "pmi": pmi, "npmi": np.clip(npmi, -1.0, 1.0)}


def pair_p_values(count, freq_a, freq_b, n) -> np.ndarray:
    """One-sided p-value that two terms share ``count`` or more of ``n`` windows by chance.

    Binomial test: each of term b's ``freq_b`` windows holds term a with
    probability ``freq_a / n``.  It is the with-replacement form of the exact
    hypergeometric test, slightly conservative (larger p) and a few hundred
    times faster in scipy, which matters with thousands of pairs per period.
    Pairs seen no more often than expected (PMI ≤ 0) get p = 1 without a
    tail computation; they can never pass.

    Examples
    --------
    >>> float(pair_p_values(np.array([3]), np.array([3]), np.array([3]), 6).round(3)[0])
    0.125
    """
    c = np.asarray(count, dtype=np.int64)
    a = np.broadcast_to(np.asarray(freq_a, dtype=np.int64), c.shape)
    b = np.broadcast_to(np.asarray(freq_b, dtype=np.int64), c.shape)
    p = np.ones(c.shape)
    above = c * n > a * b
    p[above] = stats.binom.sf(c[above] - 1, b[above], a[above] / n)
    return p


def _adjusted(p: np.ndarray) -> np.ndarray:
    # Benjamini–Hochberg over the period's candidate pairs: thousands of tests per graph.
    return stats.false_discovery_control(p, method="bh") if len(p) else p


# ---------------------------------------------------------------- the stage


def build_cooccurrence(
    tokens: pd.DataFrame,
    documents: pd.DataFrame,
    sentences: pd.DataFrame | None = None,
    *,
    themes: Iterable = (),
    window: str = "sentence",
    window_size: int = 10,
    period: str = "5y",
    eras: tuple[str, ...] = ("1954-1977", "1978-1991", "1992-2002", "2003-2012", "2013-2030"),
    min_df: int = 3,
    pos_keep: tuple[str, ...] = (),
    drop_fillers: bool = True,
    top_terms: int = 150,
    rank_by: str = "freq",
    measure: str = "npmi",
    min_count: int = 2,
    alpha: float = 0.05,
    top_k: int = 5,
    top_edges: int = 0,
    backbone: bool = False,
    community: str = "louvain",
    resolution: float = 1.0,
    label_terms: int = 3,
    focus_terms: tuple[str, ...] = ("协商",),
    ego_size: int = 10,
    seed: int = 42,
) -> dict[str, pd.DataFrame]:
    """Build one pruned, clustered co-occurrence network per period plus one over all periods.

    Parameters
    ----------
    tokens, documents, sentences : DataFrame
        Tables of the segment and ingest stages (``sentences`` only for sentence windows).
    themes : iterable of Theme
        Parsed ``themes.toml``; each theme's literal terms get a neighbour table.
    window, window_size, period, eras, min_df, pos_keep, drop_fillers, top_terms, rank_by, measure,
    min_count, alpha, top_k, top_edges, backbone, community, resolution, label_terms, focus_terms,
    ego_size, seed
        See ``NetworkConfig`` and the module docstring.

    Returns
    -------
    dict
        ``network_nodes``, ``network_edges``, ``network_communities``,
        ``network_neighbours``, ``network_periods``.

    Raises
    ------
    ConfigError
        For a bad setting, or a POS filter on tokens that carry no POS tags.

    Examples
    --------
    >>> tok = pd.DataFrame({"doc_id": "d", "para_id": [f"d:p{i}" for i in (0, 0, 1, 1, 2)],
    ...     "token_index": [0, 1, 0, 1, 0], "token": ["社区协商", "民生", "社区协商", "民生", "园区"],
    ...     "start": 0, "pos": "n", "keep": True})
    >>> docs = pd.DataFrame({"doc_id": ["d"], "year": [2023], "is_canonical": [True]})
    >>> out = build_cooccurrence(tok, docs, window="paragraph", period="all", min_df=1, alpha=0)
    >>> out["network_edges"][["source", "target", "count"]].values.tolist()
    [['民生', '社区协商', 2]]
    """
    params = dict(window=window, window_size=window_size, period=period, eras=eras, min_df=min_df,
                  top_terms=top_terms, rank_by=rank_by, measure=measure, min_count=min_count, alpha=alpha,
                  top_k=top_k, top_edges=top_edges, community=community, resolution=resolution,
                  label_terms=label_terms, ego_size=ego_size)
    check_params(**params)
    check_columns(tokens, "tokens", stage="network", needs=("doc_id", "para_id", "token_index", "token", "keep"))
    check_columns(documents, "documents", stage="network", needs=("doc_id", "year"))
    focus = _focus_terms(themes, focus_terms)
    canon = canonical(documents)[["doc_id", "year"]]
    tok = _candidate_tokens(tokens, canon["doc_id"], pos_keep=pos_keep, drop_fillers=drop_fillers,
                            protect=set(focus["term"]))
    if tok.empty:
        raise ConfigError("network: no candidate tokens are left (canonical documents, kept tokens, POS and filler "
                          "filters). Check network.pos_keep and the corpus.")
    X, terms, first, _ = window_matrix(tok, sentences, window=window, window_size=window_size)
    year_of = dict(zip(canon["doc_id"], canon["year"]))
    win_year = pd.Series(tok["doc_id"].to_numpy()[first]).map(year_of).astype("Int64")
    labels = period_labels(win_year, period, eras)
    groups = [] if period == "all" else [(str(p), (labels == p).fillna(False).to_numpy()) for p in sorted(labels.dropna().unique())]
    groups.append(("all", np.ones(X.shape[0], dtype=bool)))
    df_by_period = sparse.vstack([sparse.csr_matrix(X[mask].sum(axis=0)) for _, mask in groups]).tocsr()
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(df_by_period[:-1]) if len(groups) > 1 else None

    node_rows, edge_rows, comm_rows, neigh_rows, period_rows = [], [], [], [], []
    settings = dict(min_count=min_count, alpha=alpha, measure=measure)
    for i, (label, mask) in enumerate(groups):
        Xp = X[mask]
        n = Xp.shape[0]
        freq = np.asarray(df_by_period[i].todense()).ravel().astype(np.int64)
        score = freq.astype(float) if (rank_by == "freq" or tfidf is None or label == "all") else \
            np.asarray(tfidf[i].todense()).ravel()
        nodes, edges = _period_network(Xp, terms, freq, score, top_terms=top_terms, min_df=min_df, top_k=top_k,
                                       top_edges=top_edges, backbone=backbone, **settings)
        nodes, comms, modularity = _communities(nodes, edges, method=community, resolution=resolution,
                                                label_terms=label_terms, seed=seed)
        node_rows.append(nodes.assign(period=label))
        edge_rows.append(edges.assign(period=label))
        comm_rows.append(comms.assign(period=label))
        neigh_rows.append(_neighbours(Xp, terms, freq, focus, min_df=min_df, ego_size=ego_size,
                                      node_terms=set(nodes["term"]), **settings).assign(period=label))
        k = len(nodes)
        period_rows.append({"period": label, "windows": n, "candidates": int((freq >= min_df).sum()), "nodes": k,
                            "edges": len(edges), "density": 2 * len(edges) / (k * (k - 1)) if k > 1 else 0.0,
                            "mean_degree": 2 * len(edges) / k if k else 0.0, "communities": len(comms),
                            "modularity": modularity})
    nodes = pd.concat(node_rows, ignore_index=True)
    edges = pd.concat(edge_rows, ignore_index=True)
    # One id per term for the whole run (by overall window frequency), so periods compare.
    total = dict(zip(terms, np.asarray(df_by_period[-1].todense()).ravel()))
    ids = {t: i for i, t in enumerate(sorted(set(nodes["term"]), key=lambda t: (-total[t], t)))}
    nodes["node_id"] = nodes["term"].map(ids)
    edges["source_id"] = edges["source"].map(ids)
    edges["target_id"] = edges["target"].map(ids)
    neigh = pd.concat(neigh_rows, ignore_index=True)
    return {
        "network_nodes": conform(nodes, "network_nodes"),
        "network_edges": conform(edges, "network_edges"),
        "network_communities": conform(pd.concat(comm_rows, ignore_index=True), "network_communities"),
        "network_neighbours": conform(neigh, "network_neighbours"),
        "network_periods": conform(pd.DataFrame(period_rows), "network_periods"),
    }


def _focus_terms(themes: Iterable, extra: Iterable[str]) -> pd.DataFrame:
    rows = [(th.name, t) for th in themes for t in th.terms]
    rows += [(t, t) for t in extra]
    return pd.DataFrame(rows, columns=["theme", "term"]).drop_duplicates(ignore_index=True)


def _candidate_tokens(tokens: pd.DataFrame, doc_ids: pd.Series, *, pos_keep, drop_fillers: bool, protect: set) -> pd.DataFrame:
    cols = [c for c in ("doc_id", "para_id", "token_index", "token", "start", "pos") if c in tokens.columns]
    keep = tokens["keep"].fillna(False).to_numpy(dtype=bool) & tokens["doc_id"].isin(doc_ids).to_numpy()
    tok = tokens.loc[keep, cols]
    protected = tok["token"].isin(protect).to_numpy() if protect else np.zeros(len(tok), dtype=bool)
    ok = np.ones(len(tok), dtype=bool)
    if drop_fillers:
        ok &= ~tok["token"].isin(FILLERS).to_numpy()
    if pos_keep:
        if "pos" not in tok.columns or not tok["pos"].fillna("").astype(bool).any():
            raise ConfigError(f"network.pos_keep = {list(pos_keep)} but the tokens carry no POS tags. "
                              "Turn POS tagging on in segmentation or set network.pos_keep = [].")
        ok &= tok["pos"].isin(pos_keep).fillna(False).to_numpy(dtype=bool)
    return tok[ok | protected]


def _period_network(Xp, terms, freq, score, *, top_terms, min_df, top_k, top_edges, backbone, min_count, alpha, measure):
    cand = np.flatnonzero(freq >= min_df)
    chosen = cand[np.lexsort((terms[cand], -score[cand]))][:top_terms]
    chosen = chosen[np.argsort(terms[chosen])]  # code-point order: source < target below
    n = Xp.shape[0]
    Xs = Xp[:, chosen]
    C = sparse.triu((Xs.T @ Xs).tocsr(), k=1).tocoo()
    keep = C.data >= min_count
    a, b, c = C.row[keep], C.col[keep], C.data[keep].astype(np.int64)
    fa, fb = freq[chosen][a], freq[chosen][b]
    m = measures(c, fa, fb, n)
    p = pair_p_values(c, fa, fb, n)
    q = _adjusted(p)
    ok = m[measure] > 0
    if measure == "count":
        ok = m["pmi"] > 0  # "more often than chance" holds for every measure
    if alpha > 0:
        ok &= q <= alpha
    edges = pd.DataFrame({"source": terms[chosen][a], "target": terms[chosen][b], "count": c,
                          "weight": m[measure], **{k: v for k, v in m.items() if k != "count"}, "p_value": p,
                          "q_value": q, "_a": a, "_b": b})[ok].reset_index(drop=True)
    kept = _prune(edges, top_k=top_k, top_edges=top_edges)
    edges["backbone"] = False
    if backbone and len(edges):
        # Maximum spanning forest of all admissible pairs: the strongest path joining every
        # pair of connected terms, kept whatever the top-k cut says.
        g = nx.Graph()
        for idx, (u, v, w) in enumerate(zip(edges["_a"], edges["_b"], edges["weight"])):
            g.add_edge(int(u), int(v), weight=float(w), idx=idx)
        tree = [d["idx"] for *_, d in nx.maximum_spanning_edges(g, weight="weight", data=True)]
        edges.loc[tree, "backbone"] = True
        kept |= edges["backbone"].to_numpy()
    edges = edges[kept].drop(columns=["_a", "_b"]).reset_index(drop=True)
    linked = set(edges["source"]) | set(edges["target"])
    nodes = pd.DataFrame({"term": terms[chosen], "freq": freq[chosen], "share": freq[chosen] / max(n, 1),
                          "score": score[chosen]})
    nodes = nodes[nodes["term"].isin(linked)].reset_index(drop=True)  # no orphans
    return nodes, edges


def _prune(edges: pd.DataFrame, *, top_k: int, top_edges: int) -> np.ndarray:
    """Boolean mask: each node's ``top_k`` strongest edges (either end), then the global ``top_edges``."""
    if edges.empty:
        return np.zeros(0, dtype=bool)
    keep = np.ones(len(edges), dtype=bool)
    if top_k:
        both = pd.DataFrame({"node": np.concatenate([edges["_a"], edges["_b"]]),
                             "other": np.concatenate([edges["_b"], edges["_a"]]),
                             "w": np.tile(edges["weight"].to_numpy(), 2), "c": np.tile(edges["count"].to_numpy(), 2),
                             "edge": np.tile(np.arange(len(edges)), 2)})
        # Ties broken by count, then by the partner's code-point order: deterministic.
        both = both.sort_values(["node", "w", "c", "other"], ascending=[True, False, False, True], kind="stable")
        ranked = both.groupby("node", sort=False).cumcount()
        keep = np.zeros(len(edges), dtype=bool)
        keep[both.loc[ranked < top_k, "edge"].to_numpy()] = True
    if top_edges:
        order = np.lexsort((-edges["count"].to_numpy(), -edges["weight"].to_numpy()))
        order = order[keep[order]][:top_edges]
        keep = np.zeros(len(edges), dtype=bool)
        keep[order] = True
    return keep


def _communities(nodes: pd.DataFrame, edges: pd.DataFrame, *, method: str, resolution: float, label_terms: int, seed: int):
    g = nx.Graph()
    g.add_nodes_from(nodes["term"])
    g.add_weighted_edges_from(edges[["source", "target", "weight"]].itertuples(index=False))
    if g.number_of_edges() == 0:
        empty = pd.DataFrame(columns=["community", "size", "label", "terms"])
        return nodes.assign(degree=0, strength=0.0, betweenness=0.0, eigenvector=0.0, community=pd.NA), empty, float("nan")
    parts = _partition(g, method=method, resolution=resolution, seed=seed)
    strength = dict(g.degree(weight="weight"))
    # Numbered by size, ties by the strongest term: the same graph gives the same numbers.
    parts = sorted(parts, key=lambda c: (-len(c), -max(strength[t] for t in c), min(c)))
    community = {t: i for i, c in enumerate(parts) for t in c}
    rows = []
    for i, members in enumerate(parts):
        inner = dict(g.subgraph(members).degree(weight="weight"))
        ranked = sorted(members, key=lambda t: (-inner[t], t))
        rows.append({"community": i, "size": len(members), "label": "·".join(ranked[:label_terms]),
                     "terms": " ".join(ranked)})
    between = betweenness(g)  # hop counts: NPMI and PMI are not distances
    eigen = _eigenvector(g)
    nodes = nodes.assign(
        degree=nodes["term"].map(dict(g.degree())),
        strength=nodes["term"].map(strength).astype(float),
        betweenness=nodes["term"].map(between),
        eigenvector=nodes["term"].map(eigen),
        community=nodes["term"].map(community),
    )
    labels = {r["community"]: r["label"] for r in rows}
    nodes["community_label"] = nodes["community"].map(labels)
    modularity = nx.community.modularity(g, parts, weight="weight", resolution=resolution)
    return nodes, pd.DataFrame(rows), float(modularity)


def _partition(g: nx.Graph, *, method: str, resolution: float, seed: int) -> list[set]:
    if method == "louvain":
        return nx.community.louvain_communities(g, weight="weight", resolution=resolution, seed=seed)
    try:
        import igraph as ig
        import leidenalg
    except ImportError:
        raise ConfigError("network.community = 'leiden' needs the optional packages leidenalg and igraph. "
                          "Install them (pip install 'cppcc-pipeline[leiden]') or set community = 'louvain'.") from None
    names = sorted(g.nodes)
    index = {t: i for i, t in enumerate(names)}
    ig_graph = ig.Graph(n=len(names), edges=[(index[u], index[v]) for u, v in g.edges])
    ig_graph.es["weight"] = [d["weight"] for *_, d in g.edges(data=True)]
    part = leidenalg.find_partition(ig_graph, leidenalg.RBConfigurationVertexPartition, weights="weight",
                                    resolution_parameter=resolution, seed=seed)
    return [{names[i] for i in members} for members in part]


def betweenness(g: nx.Graph) -> dict:
    """Normalised (hop-count) betweenness centrality, equal to ``nx.betweenness_centrality(g)``.

    Brandes' algorithm run for all sources at once on the dense adjacency
    matrix (a network has at most ``top_terms`` nodes): one sparse matrix
    product per BFS level instead of a Python loop per source, several times
    faster than networkx on 150 nodes, which matters with one network per year.

    Examples
    --------
    >>> g = nx.path_graph(["协商", "民主", "监督"])
    >>> betweenness(g)
    {'协商': 0.0, '民主': 1.0, '监督': 0.0}
    """
    names = list(g.nodes)
    n = len(names)
    if n < 3:
        return dict.fromkeys(names, 0.0)
    # Sparse: a pruned network has ~kn edges, so a product costs n·kn, not n³ (and no BLAS threads).
    A = nx.to_scipy_sparse_array(g, nodelist=names, weight=None, format="csr")
    dist = np.full((n, n), -1, dtype=np.int64)
    sigma = np.zeros((n, n))
    np.fill_diagonal(dist, 0)
    np.fill_diagonal(sigma, 1.0)
    frontier = np.eye(n, dtype=bool)
    level = 0
    while frontier.any():  # BFS from every source (rows) at once
        reach = (A @ (sigma * frontier).T).T  # shortest paths into the next level (A symmetric)
        new = (reach > 0) & (dist < 0)
        level += 1
        dist[new] = level
        sigma[new] = reach[new]
        frontier = new
    delta = np.zeros((n, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        for d in range(level - 1, 0, -1):  # dependencies, from the farthest level back
            coef = np.where(dist == d + 1, (1 + delta) / sigma, 0.0)
            delta += np.where(dist == d, sigma * (A @ coef.T).T, 0.0)
    raw = delta.sum(axis=0)  # each unordered pair counted from both ends
    return dict(zip(names, (raw / ((n - 1) * (n - 2))).tolist()))


def _eigenvector(g: nx.Graph) -> dict:
    # Eigenvector centrality is defined per connected component; each component's
    # vector (unit length) is scaled by √(share of nodes) so the whole has unit length.
    out = {}
    n = g.number_of_nodes()
    for comp in nx.connected_components(g):
        sub = g.subgraph(comp)
        if len(comp) < 3:
            vec = {t: 1 / math.sqrt(len(comp)) for t in comp}
        else:
            try:
                vec = nx.eigenvector_centrality_numpy(sub, weight="weight")
            except (nx.NetworkXException, ArithmeticError):  # no convergence: leave the component at 0
                warnings.warn("network: eigenvector centrality did not converge for one component; set to 0.", stacklevel=2)
                vec = dict.fromkeys(comp, 0.0)
        scale = math.sqrt(len(comp) / n)
        # ARPACK starts from a random vector, so the last bits differ run to run; rounding keeps runs identical.
        out.update({t: round(abs(v) * scale, 10) for t, v in vec.items()})
    return out


def _neighbours(Xp, terms, freq, focus: pd.DataFrame, *, node_terms: set, min_df, ego_size, min_count, alpha, measure) -> pd.DataFrame:
    """Each focus term's strongest partners in one period, among all terms seen in ≥ ``min_df`` windows."""
    cols = ["theme", "term", "rank", "neighbour", "weight", "count", "npmi", "jaccard", "p_value", "term_freq",
            "neighbour_freq", "in_network"]
    index = {t: i for i, t in enumerate(terms)}
    present = focus[focus["term"].map(lambda t: t in index and freq[index[t]] > 0)]
    if present.empty:
        return pd.DataFrame(columns=cols)
    fidx = np.array([index[t] for t in present["term"]])
    n = Xp.shape[0]
    counts = (Xp.T @ Xp[:, fidx]).tocsc()  # terms × focus terms
    rows = []
    for j, (theme, term) in enumerate(zip(present["theme"], present["term"])):
        col = counts[:, j]
        other, c = col.indices, col.data.astype(np.int64)
        sel = (other != fidx[j]) & (c >= min_count) & (freq[other] >= min_df)
        other, c = other[sel], c[sel]
        if not len(c):
            continue
        m = measures(c, freq[fidx[j]], freq[other], n)
        p = pair_p_values(c, freq[fidx[j]], freq[other], n)
        ok = m["pmi"] > 0
        if alpha > 0:
            ok &= _adjusted(p) <= alpha
        w = m[measure]
        order = [k for k in np.lexsort((terms[other], -c, -w)) if ok[k]][:ego_size]
        for rank, k in enumerate(order, start=1):
            rows.append({"theme": theme, "term": term, "rank": rank, "neighbour": terms[other[k]], "weight": w[k],
                         "count": c[k], "npmi": m["npmi"][k], "jaccard": m["jaccard"][k], "p_value": p[k],
                         "term_freq": freq[fidx[j]], "neighbour_freq": freq[other[k]],
                         "in_network": terms[other[k]] in node_terms})
    return pd.DataFrame(rows, columns=cols)


def to_graph(nodes: pd.DataFrame, edges: pd.DataFrame, period: str) -> nx.Graph:
    """The networkx graph of one period, with node and edge attributes (for GEXF and GraphML).

    Node keys are the terms (the same in every period's file); ``node_id``
    is the run-wide numeric id.

    Examples
    --------
    >>> n = pd.DataFrame({"period": "all", "node_id": [0, 1], "term": ["协商", "民主"], "freq": [3, 2],
    ...     "degree": 1, "strength": 0.5, "community": [0, 0]})
    >>> e = pd.DataFrame({"period": ["all"], "source": ["协商"], "target": ["民主"], "count": [2], "weight": [0.5]})
    >>> to_graph(n, e, "all").number_of_edges()
    1
    """
    g = nx.Graph(period=period)
    node_cols = [c for c in nodes.columns if c not in ("period", "term")]
    for r in nodes[nodes["period"] == period].to_dict("records"):
        g.add_node(r["term"], label=r["term"], **{k: _plain(r[k], k) for k in node_cols})
    edge_cols = [c for c in edges.columns if c not in ("period", "source", "target")]
    for r in edges[edges["period"] == period].to_dict("records"):
        g.add_edge(r["source"], r["target"], **{k: _plain(r[k], k) for k in edge_cols})
    return g


def _plain(v, key: str):
    """A GEXF/GraphML-safe attribute value: Python scalars, never NA (community −1 means none)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return -1 if key == "community" else ""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return str(v)
