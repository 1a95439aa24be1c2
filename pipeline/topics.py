"""Topics stage: TF-IDF units clustered into topics a historian can check.

Input: ``tokens`` (kept tokens), ``documents`` (year, city, ``is_canonical``)
and ``paragraphs`` (text, length, headings).  Output (columns in
``pipeline/records.py``): ``topics``, ``topic_assignments``,
``topic_evidence``, ``topic_trends``, ``topic_docs``, ``topic_cities``,
``topic_eras``, ``topic_k``, ``topic_stability``, ``topic_ca`` and
``topic_summary``.

Method, in order:

1. **Units.** A paragraph (default), a section (a heading and the
   paragraphs up to the next heading) or a whole document.  Units with
   fewer than ``min_unit_tokens`` kept tokens are skipped and counted.
2. **TF-IDF.** Kept tokens minus ``BOILERPLATE`` (procedural words of work
   reports that the lexicon's stop words do not cover) are counted into a
   sparse unit × term matrix built from integer codes (no per-unit Python
   lists), pruned by ``min_df`` / ``max_df`` / ``max_terms``, weighted with
   sublinear tf and L2-normalised.  It stays sparse end to end.
3. **Clusters.** Seeded spherical k-means (k-means on unit vectors, i.e.
   clustering by cosine), ``MiniBatchKMeans`` above ``minibatch_above``
   units, or NMF (each unit to its heaviest component) behind the same
   function.
4. **k.** With ``n_topics = "auto"`` every k in ``k_min..k_max`` is fitted
   (on a seeded sample of ``SCAN_UNITS`` units when there are more) and the
   k with the highest NPMI coherence × topic diversity (Dieng et al. 2020)
   is kept (``topic_k``): NPMI of each topic's top 10 terms over
   co-occurrence within units of this corpus, averaged with topic sizes as
   weights, times the share of distinct words among all topics' top terms.
   A corpus with too few units gets a smaller k and a warning, never a
   failed run.
5. **Labels.** Class-based TF-IDF (c-TF-IDF, BERTopic's BM25 variant with
   square-root tf): a term's weight in the topic against its weight across
   all topics, so a word common to every topic labels none.  Topics whose
   centroids are near duplicates are flagged (``similar_to``).
6. **Evidence.** The three units closest to each centroid.
7. **Time and place.** Shares weighted by unit length in characters per
   document, year, city and era (``eras``).
8. **Stability.** The fit is repeated with ``n_seeds`` seeds; the adjusted
   Rand index against the first seed and the Hungarian matching of
   centroids by cosine (``scipy.optimize.linear_sum_assignment``) say which
   topics come back.
9. **Correspondence analysis** of the topics' distinctive terms × years,
   computed with scipy's SVD of the standardised residuals.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import adjusted_rand_score

from .config import TopicsConfig
from .errors import EmptyResultError
from .records import canonical, check_columns, conform

# Procedural words of work reports and NPC/CPPCC sessions that the lexicon's
# stop words leave in: they label topics such as 请予·现在·报告 or
# 国务院·审议·报告 (issue 11).  jieba splits 请予审议 into 请予 + 审议, so
# both pieces are listed.  Policy vocabulary never goes here.
BOILERPLATE = frozenset(
    "请予审议 请予 审议 予以 提请 现在 报告 工作报告 政府工作报告 代表 各位代表 委员 各位委员 "
    "同志 同志们 代表们 委员们 大会 会议 本次 这次 本届 上届 一年来 五年来 几年来 过去一年 "
    "起来 下面 以下 就是 作为 这里 那里 还是 当然 大家 所谓 怎样 如何 什么 有些 许多 很多 "
    "一年 两年 三年 一方面 另一方面 第一 第二 第三 首先 其次 最后 "
    # The closing thanks of every report (向……表示诚挚的感谢) form a topic of their own otherwise.
    "表示 感谢 诚挚 衷心 致以 崇高敬意 敬意".split()
)

TABLES = ("topics", "topic_assignments", "topic_evidence", "topic_trends", "topic_docs", "topic_cities",
          "topic_eras", "topic_k", "topic_stability", "topic_ca", "topic_summary")
EVIDENCE_PER_TOPIC = 3
SCAN_UNITS = 6000  # units the k scan fits on (a seeded sample when there are more)
LABEL_TERMS = 3
COHERENCE_TERMS = 10
CA_TERMS_PER_TOPIC = 5
_TEXT_CUT = 600  # characters of a section or document shown as evidence


def _unit_keys(tokens: pd.DataFrame, paragraphs: pd.DataFrame, unit: str) -> tuple[pd.Series, pd.DataFrame]:
    """Unit id of every token row, and per paragraph its unit (``para_id``, ``unit_id``)."""
    paras = paragraphs[["doc_id", "para_id"]].copy()
    if unit == "paragraph":
        paras["unit_id"] = paras["para_id"]
        return tokens["para_id"], paras  # the column itself: no per-token copy
    if unit == "document":
        paras["unit_id"] = paras["doc_id"]
        return tokens["doc_id"], paras
    # Section: a heading opens one; text before the first heading is its own section.
    order = paragraphs.sort_values(["doc_id", "para_index"], kind="stable")
    heads = order["is_heading"].fillna(False).astype(bool)
    sec = heads.groupby(order["doc_id"]).cumsum()
    first = order.groupby([order["doc_id"], sec])["para_id"].transform("first")
    paras = order[["doc_id", "para_id"]].assign(unit_id=first.to_numpy())
    key = tokens["para_id"].map(paras.set_index("para_id")["unit_id"])
    # Tokens of a paragraph missing from the paragraphs table still form a unit of their own.
    return key.fillna(tokens["para_id"]), paras


def _count_matrix(tokens: pd.DataFrame, documents: pd.DataFrame, paragraphs: pd.DataFrame, unit: str):
    """Sparse unit × term counts of kept, non-boilerplate tokens of canonical documents.

    Built from integer codes of the (Arrow-backed) string columns: no Python
    string per token (those cost 0.5 GB at 10 MB of text, measured).
    """
    canon = canonical(documents)
    mask = tokens["keep"].astype(bool).to_numpy() & tokens["doc_id"].isin(canon["doc_id"]).to_numpy()
    mask &= ~tokens["token"].isin(BOILERPLATE).to_numpy()
    keys, paras = _unit_keys(tokens, paragraphs, unit)

    def codes(column: pd.Series, sort: bool) -> tuple[np.ndarray, pd.Index]:
        # Codes of the whole column, then the kept rows: no copy of the strings themselves.
        c, uniques = pd.factorize(column, sort=sort)
        return c.astype(np.int32)[mask], uniques

    # Sorted codes keep row and column order independent of token order (determinism).
    u_codes, unit_ids = codes(keys, sort=True)
    t_codes, terms = codes(tokens["token"], sort=True)
    d_codes, doc_ids = codes(tokens["doc_id"], sort=False)
    del keys
    counts = sparse.coo_matrix(
        (np.ones(len(u_codes), dtype=np.float32), (u_codes, t_codes)), shape=(len(unit_ids), len(terms))
    ).tocsr()  # duplicates are summed
    del t_codes
    # Units and terms that only had dropped tokens (punctuation, other documents) are removed here.
    rows, cols = counts.getnnz(axis=1) > 0, counts.getnnz(axis=0) > 0
    counts = counts[rows][:, cols]
    terms = np.asarray(terms, dtype=object)[cols]
    doc_at = np.zeros(len(unit_ids), dtype=np.int64)
    doc_at[u_codes] = d_codes  # every token of a unit belongs to the same document
    unit_ids, first = np.asarray(unit_ids, dtype=object)[rows], doc_at[rows]
    doc_of = pd.Series(np.asarray(doc_ids, dtype=object)[first], index=unit_ids)
    return counts, unit_ids, terms, doc_of, paras


def _prune(counts, terms, *, min_df: int, max_df: float, max_terms: int):
    """Keep terms by document frequency, as ``TfidfVectorizer`` would; returns counts, terms."""
    n = counts.shape[0]
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    top = math.floor(max_df * n)
    if top < min_df:  # a handful of units: max_df would remove everything min_df keeps
        warnings.warn(f"topics: {n} units are too few for max_df={max_df}; max_df is not applied.", stacklevel=3)
        top = n
    keep = np.flatnonzero((df >= min_df) & (df <= top))
    if len(keep) > max_terms:
        keep = np.sort(keep[np.argsort(-df[keep], kind="stable")[:max_terms]])
    return counts[:, keep], terms[keep]


def _cluster(X, k: int, *, method: str, seed: int, minibatch_above: int, n_init: int):
    """Labels and L2-normalised centroids (k × terms, dense) of one seeded fit."""
    if method == "nmf":
        model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
        W = model.fit_transform(X)
        labels, centers = W.argmax(axis=1), model.components_
    else:
        if X.shape[0] > minibatch_above:
            model = MiniBatchKMeans(n_clusters=k, n_init=3, batch_size=4096, random_state=seed)
        else:
            model = KMeans(n_clusters=k, n_init=n_init, random_state=seed)
        labels, centers = model.fit_predict(X), model.cluster_centers_
    norms = np.linalg.norm(centers, axis=1, keepdims=True)
    return labels.astype(np.int64), centers / np.where(norms > 0, norms, 1)


def _ctfidf(counts, labels: np.ndarray, k: int) -> np.ndarray:
    """Class-based TF-IDF (topics × terms), BERTopic's ``bm25_weighting`` and ``reduce_frequent_words``.

    ``sqrt(tf in topic) × log(1 + (A − f + 0.5) / (f + 0.5))``: ``A`` is the mean
    number of tokens per topic and ``f`` the term's count over all topics, so
    a word spread over every topic (经济, 人民) gets a weight near zero.  On
    the national reports this variant gave more distinctive labels and a
    higher NPMI (0.31 against 0.24) than plain c-TF-IDF.
    """
    onehot = sparse.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    C = np.asarray((onehot @ counts).todense())
    tf = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
    f = C.sum(axis=0)
    A = C.sum() / k
    return np.sqrt(tf) * np.log1p(np.maximum(A - f + 0.5, 0) / (f + 0.5))


def _top(weights: np.ndarray, n: int) -> list[np.ndarray]:
    return [np.argsort(-row, kind="stable")[:n][row[np.argsort(-row, kind="stable")[:n]] > 0] for row in weights]


def npmi_coherence(binary, top_ids: list[np.ndarray]) -> np.ndarray:
    """Mean NPMI over the pairs of each topic's top terms, from co-occurrence in units.

    Parameters
    ----------
    binary : sparse matrix
        Units × terms, non-zero where the unit contains the term.
    top_ids : list of arrays
        Column indices of each topic's top terms.

    Returns
    -------
    ndarray
        One value per topic in [-1, 1]; a pair that never co-occurs counts -1.

    Examples
    --------
    >>> B = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]]))
    >>> npmi_coherence(B, [np.array([0, 1]), np.array([0, 2])]).round(2).tolist()
    [1.0, -1.0]
    """
    B = (binary > 0).astype(np.float64).tocsc()
    n = B.shape[0]
    out = []
    for ids in top_ids:
        if len(ids) < 2:
            out.append(np.nan)
            continue
        sub = B[:, ids]
        co = np.asarray((sub.T @ sub).todense())
        p = np.diag(co) / n
        vals = []
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                pij = co[i, j] / n
                if pij == 0:
                    vals.append(-1.0)
                elif pij == 1:
                    vals.append(1.0)
                else:
                    vals.append(math.log(pij / (p[i] * p[j])) / -math.log(pij))
        out.append(float(np.mean(vals)))
    return np.array(out)


def _ari_and_matching(ref_labels, ref_centers, labels, centers):
    """ARI of two labelings, and per reference topic the cosine of its Hungarian match."""
    sim = ref_centers @ centers.T
    rows, cols = linear_sum_assignment(-sim)
    matched = np.zeros(len(ref_centers))
    matched[rows] = sim[rows, cols]
    return adjusted_rand_score(ref_labels, labels), matched


def _parse_eras(eras: tuple[str, ...]) -> list[tuple[str, int, int]]:
    out = []
    for e in eras:
        a, _, b = e.partition("-")
        out.append((e, int(a), int(b) if b.strip() else 9999))
    return out


def _shares(frame: pd.DataFrame, by: list[str], k: int, complete: bool) -> pd.DataFrame:
    """Length-weighted topic shares per group; with ``complete`` every (group, topic) pair gets a row."""
    g = frame.groupby([*by, "topic_id"]).agg(n_units=("unit_id", "size"), chars=("n_chars", "sum")).reset_index()
    if complete and not g.empty:
        groups = g[by].drop_duplicates()
        full = groups.merge(pd.DataFrame({"topic_id": np.arange(k)}), how="cross")
        g = full.merge(g, on=[*by, "topic_id"], how="left").fillna({"n_units": 0, "chars": 0})
    total = g.groupby(by)["chars"].transform("sum")
    g["share"] = np.where(total > 0, g["chars"] / total.where(total > 0, 1), 0.0)
    return g.sort_values([*by, "topic_id"], kind="stable").reset_index(drop=True)


def _correspondence(counts, terms, term_topic: dict[int, int], years: pd.Series):
    """CA of terms × years: principal coordinates from the SVD of standardised residuals."""
    cols = np.array(sorted(term_topic))
    dated = years.notna().to_numpy()
    if len(cols) < 3 or years[dated].nunique() < 3:
        return pd.DataFrame()
    yv = years[dated].astype(int).to_numpy()
    ycodes, yvals = pd.factorize(yv, sort=True)
    onehot = sparse.csr_matrix((np.ones(len(ycodes)), (ycodes, np.arange(len(ycodes)))), shape=(len(yvals), len(ycodes)))
    N = np.asarray((onehot @ counts[dated][:, cols]).todense()).T  # terms × years
    rkeep, ckeep = N.sum(axis=1) > 0, N.sum(axis=0) > 0
    N, cols, yvals = N[rkeep][:, ckeep], cols[rkeep], np.asarray(yvals)[ckeep]
    if N.shape[0] < 3 or N.shape[1] < 3:
        return pd.DataFrame()
    P = N / N.sum()
    r, c = P.sum(axis=1), P.sum(axis=0)
    S = (P - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    U, s, Vt = np.linalg.svd(S, full_matrices=False)
    # Fix the sign of each axis so a refit gives the same picture.
    sign = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
    U, Vt = U * sign, Vt * sign[:, None]
    F = (U * s) / np.sqrt(r)[:, None]
    G = (Vt.T * s) / np.sqrt(c)[:, None]
    explained = s**2 / max((s**2).sum(), 1e-12)
    rows = [("term", terms[t], term_topic[t], F[i, 0], F[i, 1], r[i]) for i, t in enumerate(cols)]
    rows += [("year", str(y), pd.NA, G[j, 0], G[j, 1], c[j]) for j, y in enumerate(yvals)]
    out = pd.DataFrame(rows, columns=["kind", "item", "topic_id", "dim1", "dim2", "mass"])
    return out.assign(inertia1=explained[0], inertia2=explained[1] if len(explained) > 1 else 0.0)


def fit_topics(
    tokens: pd.DataFrame,
    documents: pd.DataFrame,
    paragraphs: pd.DataFrame,
    *,
    unit: str = "paragraph",
    n_topics: int | str = "auto",
    k_min: int = 4,
    k_max: int = 12,
    method: str = "kmeans",
    min_df: int = 2,
    max_df: float = 0.5,
    max_terms: int = 20000,
    min_unit_tokens: int = 5,
    top_terms: int = 10,
    n_seeds: int = 5,
    n_init: int = 10,
    minibatch_above: int = 20000,
    stable_cosine: float = 0.8,
    duplicate_cosine: float = 0.6,
    eras: tuple[str, ...] = ("1949-1963", "1964-1978", "1979-1999", "2000-2012", "2013-"),
    ca_terms: int = 40,
    seed: int = 42,
) -> dict[str, pd.DataFrame]:
    """Cluster units into labelled topics with evidence, trends, stability and a CA map.

    Parameters
    ----------
    tokens, documents, paragraphs : DataFrame
        Tables ``tokens``, ``documents`` and ``paragraphs``.
    unit : {'paragraph', 'section', 'document'}
        What one clustered item is.
    n_topics : int or 'auto'
        Number of topics, or ``'auto'`` to pick k in ``k_min..k_max`` by NPMI coherence.
    method : {'kmeans', 'nmf'}
        Spherical k-means (MiniBatchKMeans above ``minibatch_above`` units) or NMF.
    min_df, max_df, max_terms :
        Terms in fewer than ``min_df`` units or more than ``max_df`` of them are dropped;
        at most ``max_terms`` of the most widespread are kept.
    min_unit_tokens : int
        Shorter units (headings, signatures) are skipped and counted.
    top_terms : int
        Terms listed per topic.
    n_seeds, n_init : int
        Seeds of the stability check (``seed``, ``seed + 1`` …) and k-means restarts per fit.
    stable_cosine, duplicate_cosine : float
        A topic is stable when its centroid's Hungarian match has at least this mean cosine
        across the other seeds; two topics are flagged as near duplicates above ``duplicate_cosine``.
    eras : tuple of str
        ``"start-end"`` year ranges (end may be open) for the dominant topic per era.
    ca_terms : int
        At most this many distinctive terms in the correspondence analysis.
    seed : int
        Seed of the reported fit.

    Returns
    -------
    dict
        ``topics``, ``topic_assignments``, ``topic_evidence``, ``topic_trends``, ``topic_docs``,
        ``topic_cities``, ``topic_eras``, ``topic_k``, ``topic_stability``, ``topic_ca``,
        ``topic_summary``.

    Raises
    ------
    ConfigError
        If a parameter is invalid (``n_topics = 0``, an unknown unit …).
    EmptyResultError
        If no term survives pruning.

    Examples
    --------
    >>> a, b = ["社区", "协商", "民生", "居民", "议事"], ["数字", "产业", "投资", "园区", "企业"]
    >>> paras = [(f"d:p{i:04d}", (a, b)[i % 2]) for i in range(8)]
    >>> tok = pd.DataFrame([{"doc_id": "d", "para_id": p, "token": t, "keep": True}
    ...                     for p, words in paras for t in words])
    >>> par = pd.DataFrame({"doc_id": "d", "para_id": [p for p, _ in paras], "para_index": range(8),
    ...                     "text": "……", "n_chars": 20, "is_heading": False})
    >>> docs = pd.DataFrame({"doc_id": ["d"], "year": [2024], "city": ["贵阳"], "is_canonical": [True]})
    >>> out = fit_topics(tok, docs, par, n_topics=2, min_df=1, max_df=1.0, n_seeds=2, seed=1)
    >>> sorted(out["topics"]["n_units"].tolist())
    [4, 4]
    """
    params = TopicsConfig(unit=unit, n_topics=n_topics, k_min=k_min, k_max=k_max, method=method, min_df=min_df,
                          max_df=max_df, max_terms=max_terms, min_unit_tokens=min_unit_tokens, top_terms=top_terms,
                          n_seeds=n_seeds, n_init=n_init, minibatch_above=minibatch_above,
                          stable_cosine=stable_cosine, duplicate_cosine=duplicate_cosine, eras=tuple(eras),
                          ca_terms=ca_terms, seed=seed)  # validates, and turns "6" into 6
    n_topics = params.n_topics
    check_columns(tokens, "tokens", stage="topics", needs=("doc_id", "para_id", "token", "keep"))
    check_columns(paragraphs, "paragraphs", stage="topics", needs=("doc_id", "para_id", "text", "n_chars"))
    if unit == "section":
        check_columns(paragraphs, "paragraphs", stage="topics", needs=("para_index", "is_heading"))

    counts, unit_ids, terms, doc_of, paras = _count_matrix(tokens, documents, paragraphs, unit)
    n_total = counts.shape[0]
    long_enough = np.asarray(counts.sum(axis=1)).ravel() >= min_unit_tokens
    counts, unit_ids = counts[long_enough], unit_ids[long_enough]
    counts, terms = _prune(counts, terms, min_df=min_df, max_df=max_df, max_terms=max_terms)
    has_terms = counts.getnnz(axis=1) > 0
    counts, unit_ids = counts[has_terms], unit_ids[has_terms]
    n = counts.shape[0]
    summary = {"units_total": n_total, "units_short": int((~long_enough).sum()),
               "units_no_terms": int((~has_terms).sum()), "units_clustered": n, "terms": len(terms)}
    if len(terms) == 0 or n < 2:
        raise EmptyResultError(
            f"Only {n} {unit}s with at least {min_unit_tokens} kept tokens and {len(terms)} terms remain after "
            f"pruning (min_df={min_df}, max_df={max_df}); topics need 2 or more. Lower topics.min_df or "
            "topics.min_unit_tokens, use topics.unit = \"paragraph\", or add documents."
        )
    X = TfidfTransformer(sublinear_tf=True, norm="l2").fit_transform(counts)
    binary = (counts > 0).astype(np.float32)

    # Too few units for the asked k: fewer topics and a warning (at least 3 units per topic on average).
    k_cap = max(2, n // 3)
    if n_topics == "auto":
        ks = list(range(min(k_min, k_cap), min(k_max, k_cap) + 1))
        if k_cap < k_min:
            warnings.warn(f"topics: only {n} {unit}s; k is searched in 2..{k_cap} instead of {k_min}..{k_max}.",
                          stacklevel=2)
            ks = list(range(2, k_cap + 1))
    else:
        ks = [min(n_topics, k_cap)]
        if ks[0] < n_topics:
            warnings.warn(f"topics: only {n} {unit}s, too few for n_topics={n_topics}; using {ks[0]} topics.",
                          stacklevel=2)
    fits, k_rows = {}, []
    # A large corpus is scanned on a seeded sample of units; the chosen k is refitted on all of them.
    rows = (np.sort(np.random.default_rng(seed).choice(n, SCAN_UNITS, replace=False)) if len(ks) > 1 and n > SCAN_UNITS
            else np.arange(n))
    Xs, Cs, Bs = X[rows], counts[rows], binary[rows]
    for k in ks:
        # The scan uses fewer restarts than the reported fit (cost); the chosen k is refitted below.
        labels, centers = _cluster(Xs, k, method=method, seed=seed, minibatch_above=minibatch_above,
                                   n_init=min(n_init, 3) if len(ks) > 1 else n_init)
        sizes = np.bincount(labels, minlength=k)
        top_ids = _top(_ctfidf(Cs, labels, k), COHERENCE_TERMS)
        coh = npmi_coherence(Bs, top_ids)
        # Weighted by topic size, so a topic of one or two paragraphs cannot carry the choice.
        ok = ~np.isnan(coh)
        npmi = float(np.average(coh[ok], weights=sizes[ok])) if ok.any() else np.nan
        # NPMI alone keeps rising with k (finer topics cohere more); topic diversity, the share of
        # distinct words among all topics' top terms, falls once topics repeat each other.
        diversity = len(set(np.concatenate(top_ids).tolist())) / max(sum(len(t) for t in top_ids), 1)
        fits[k] = (labels, centers)
        k_rows.append({"k": k, "criterion": "npmi_x_diversity", "value": npmi * diversity, "npmi": npmi,
                       "diversity": diversity})
    topic_k = pd.DataFrame(k_rows)[["k", "criterion", "value", "npmi", "diversity"]]
    best = int(topic_k.loc[topic_k["value"].fillna(-2).idxmax(), "k"])  # first k on ties: the simpler model
    topic_k["chosen"] = topic_k["k"] == best
    labels, centers = fits[best]
    if len(ks) > 1 or len(rows) < n:
        labels, centers = _cluster(X, best, method=method, seed=seed, minibatch_above=minibatch_above, n_init=n_init)

    # Drop empty clusters (NMF, MiniBatchKMeans can leave some) and number topics by size.
    sizes = np.bincount(labels, minlength=best)
    order = [t for t in sorted(range(best), key=lambda t: (-sizes[t], t)) if sizes[t] > 0]
    renum = np.full(best, -1)
    renum[order] = np.arange(len(order))
    labels, centers, k = renum[labels], centers[order], len(order)

    # Stability: the same k with other seeds, matched to this fit.
    stab_rows, matched = [{"seed": seed, "ari": 1.0, "mean_cosine": 1.0}], []
    for s in range(seed + 1, seed + n_seeds):
        other_labels, other_centers = _cluster(X, best, method=method, seed=s, minibatch_above=minibatch_above,
                                               n_init=n_init)
        ari, m = _ari_and_matching(labels, centers, other_labels, other_centers)
        matched.append(m)
        stab_rows.append({"seed": s, "ari": float(ari), "mean_cosine": float(m.mean())})
    topic_stability = pd.DataFrame(stab_rows)
    stability = np.mean(matched, axis=0) if matched else np.ones(k)

    weights = _ctfidf(counts, labels, k)
    top_ids = _top(weights, max(top_terms, COHERENCE_TERMS))
    coherence = npmi_coherence(binary, [t[:COHERENCE_TERMS] for t in top_ids])
    csim = centers @ centers.T
    np.fill_diagonal(csim, -1)

    # Unit table with year, city and length (weights of every share).
    n_chars = paragraphs.assign(unit_id=paras.set_index("para_id")["unit_id"].reindex(paragraphs["para_id"]).to_numpy())
    n_chars = n_chars.groupby("unit_id")["n_chars"].sum()
    sims = np.asarray(X @ centers.T)[np.arange(n), labels]  # units × k, never units × terms
    docs = canonical(documents).set_index("doc_id")
    assign = pd.DataFrame({"unit_id": unit_ids, "doc_id": doc_of.reindex(unit_ids).to_numpy(), "topic_id": labels,
                           "similarity": np.round(sims, 6)})
    assign["year"] = docs["year"].reindex(assign["doc_id"]).to_numpy()
    assign["city"] = (docs["city"] if "city" in docs else pd.Series(dtype="string")).reindex(assign["doc_id"]).to_numpy()
    assign["n_chars"] = n_chars.reindex(assign["unit_id"]).fillna(0).astype(int).to_numpy()

    total_chars = max(int(assign["n_chars"].sum()), 1)
    topic_rows = []
    for t in range(k):
        ids = top_ids[t]
        sim_to = int(np.argmax(csim[t])) if k > 1 else -1
        member = assign["topic_id"] == t
        topic_rows.append({
            "topic_id": t,
            "label": "·".join(terms[ids[:LABEL_TERMS]]),
            "top_terms": " ".join(terms[ids[:top_terms]]),
            "n_units": int(member.sum()),
            "chars": int(assign.loc[member, "n_chars"].sum()),
            "share": float(assign.loc[member, "n_chars"].sum() / total_chars),
            "coherence": float(coherence[t]),
            "stability": float(stability[t]),
            "stable": bool(stability[t] >= stable_cosine),
            "similar_to": sim_to if k > 1 and csim[t, sim_to] >= duplicate_cosine else pd.NA,
            "similar_cosine": float(csim[t, sim_to]) if k > 1 else np.nan,
        })
    topics = pd.DataFrame(topic_rows)

    # Evidence: the units closest to each centroid, with their text.
    text = paragraphs.set_index("para_id")["text"]
    first_para = paras.groupby("unit_id", sort=False)["para_id"].first()
    ev = (assign.sort_values(["topic_id", "similarity", "unit_id"], ascending=[True, False, True], kind="stable")
          .groupby("topic_id").head(EVIDENCE_PER_TOPIC).copy())
    ev["rank"] = ev.groupby("topic_id").cumcount() + 1
    ev["para_id"] = ev["unit_id"].to_numpy() if unit == "paragraph" else first_para.reindex(ev["unit_id"]).to_numpy()
    if unit == "paragraph":
        ev["text"] = text.reindex(ev["unit_id"]).to_numpy()
    else:
        joined = paras.merge(paragraphs[["para_id", "text"]], on="para_id").groupby("unit_id")["text"].agg("\n".join)
        ev["text"] = joined.reindex(ev["unit_id"]).str.slice(0, _TEXT_CUT).to_numpy()

    dated = assign.dropna(subset=["year"])
    trends = _shares(dated, ["year"], k, complete=True)
    doc_shares = _shares(assign.assign(year=assign["year"]), ["doc_id"], k, complete=False)
    doc_shares = doc_shares.merge(assign.groupby("doc_id")[["year", "city"]].first().reset_index(), on="doc_id")
    cities = _shares(assign.dropna(subset=["city"]).loc[lambda d: d["city"] != ""], ["city"], k, complete=True)
    era_frames = []
    for name, start, end in _parse_eras(params.eras):
        part = dated[(dated["year"] >= start) & (dated["year"] <= end)]
        if part.empty:
            continue
        shares = _shares(part.assign(era=name), ["era"], k, complete=True)
        shares["start"], shares["end"] = int(part["year"].min()), int(part["year"].max())
        shares["dominant"] = shares.index == shares["share"].idxmax()  # ties: the lower topic id
        era_frames.append(shares)
    topic_eras = pd.concat(era_frames, ignore_index=True) if era_frames else pd.DataFrame()
    label_of = topics.set_index("topic_id")["label"]
    if not topic_eras.empty:
        topic_eras["label"] = label_of.reindex(topic_eras["topic_id"]).to_numpy()

    # CA of the topics' most distinctive terms × years.
    term_topic: dict[int, int] = {}
    for rank in range(CA_TERMS_PER_TOPIC):
        for t in range(k):
            if rank < len(top_ids[t]) and len(term_topic) < ca_terms:
                term_topic.setdefault(int(top_ids[t][rank]), t)
    year_of_unit = pd.Series(assign["year"].to_numpy(), dtype="Float64")
    ca = _correspondence(counts, terms, term_topic, year_of_unit)

    summary.update({"k_requested": np.nan if n_topics == "auto" else n_topics, "k": k,
                    "mean_npmi": float(np.nanmean(coherence)),
                    "mean_ari": float(topic_stability["ari"].iloc[1:].mean()) if n_seeds > 1 else np.nan,
                    "seeds": n_seeds, "stable_topics": int(topics["stable"].sum())})
    notes = {"units_short": f"fewer than {min_unit_tokens} kept tokens", "units_no_terms": "no term left after pruning",
             "k_requested": "empty: chosen by NPMI coherence (topic_k)", "mean_ari": "ARI of each other seed vs seed "
             f"{seed}", "units_total": f"{unit}s of canonical documents with kept tokens"}
    topic_summary = pd.DataFrame({"item": list(summary), "value": [float(v) for v in summary.values()],
                                  "note": [notes.get(key, "") for key in summary]})
    return {
        "topics": conform(topics, "topics"),
        "topic_assignments": conform(assign, "topic_assignments"),
        "topic_evidence": conform(ev.drop(columns=["city", "n_chars"]), "topic_evidence"),
        "topic_trends": conform(trends, "topic_trends"),
        "topic_docs": conform(doc_shares, "topic_docs"),
        "topic_cities": conform(cities, "topic_cities"),
        "topic_eras": conform(topic_eras, "topic_eras"),
        "topic_k": conform(topic_k, "topic_k"),
        "topic_stability": conform(topic_stability, "topic_stability"),
        "topic_ca": conform(ca, "topic_ca"),
        "topic_summary": conform(topic_summary, "topic_summary"),
    }
