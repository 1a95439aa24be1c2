"""Topics stage: TF-IDF vectors of kept tokens, clustered into labelled topics.

Input: ``tokens`` (kept tokens only are used), ``documents`` (year,
``is_canonical``).  Output: ``topics``, ``topic_assignments`` and
``topic_trends`` (see ``pipeline/records.py``).

Each unit (a paragraph by default) is one L2-normalised TF-IDF vector;
k-means on unit vectors is spherical k-means, i.e. clustering by cosine
similarity.  Every unit gets exactly one topic, so a topic's share of a
year is a count of paragraphs a researcher can open
(``topic_assignments.unit_id``).  k-means is seeded, so the same tokens
give the same topics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from .errors import ConfigError, EmptyResultError
from .records import canonical, check_columns, conform


def _identity(tokens):
    """Analyzer for pre-segmented units (module level so it pickles)."""
    return tokens


def unit_tokens(tokens: pd.DataFrame, documents: pd.DataFrame, *, unit: str = "paragraph") -> pd.DataFrame:
    """Group kept tokens of canonical documents into units.

    Returns a frame with ``unit_id``, ``doc_id``, ``year`` and ``tokens`` (a list).

    Examples
    --------
    >>> tok = pd.DataFrame({"doc_id": ["d"] * 3, "para_id": ["d:p0000"] * 3,
    ...     "token": ["强省会", "行动", "，"], "keep": [True, True, False]})
    >>> docs = pd.DataFrame({"doc_id": ["d"], "year": [2025], "is_canonical": [True]})
    >>> unit_tokens(tok, docs)["tokens"].tolist()
    [['强省会', '行动']]
    """
    if unit not in {"paragraph", "document"}:
        raise ConfigError(f"topics.unit must be 'paragraph' or 'document', not {unit!r}.")
    canon = canonical(documents)[["doc_id", "year"]]
    kept = tokens.loc[tokens["keep"].astype(bool) & tokens["doc_id"].isin(canon["doc_id"])]
    key = "para_id" if unit == "paragraph" else "doc_id"
    grouped = kept.groupby(key, sort=True).agg(doc_id=("doc_id", "first"), tokens=("token", list))
    grouped = grouped.reset_index().rename(columns={key: "unit_id"})
    if unit == "document":
        grouped["doc_id"] = grouped["unit_id"]
    return grouped.merge(canon, on="doc_id", how="left")[["unit_id", "doc_id", "year", "tokens"]]


def fit_topics(
    tokens: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    unit: str = "paragraph",
    n_topics: int = 8,
    min_df: int = 2,
    max_df: float = 0.5,
    min_unit_tokens: int = 5,
    top_terms: int = 10,
    seed: int = 42,
) -> dict[str, pd.DataFrame]:
    """Cluster units into ``n_topics`` topics and label them by their top terms.

    Parameters
    ----------
    tokens, documents : DataFrame
        Tables ``tokens`` and ``documents``.
    unit : {'paragraph', 'document'}
        What one clustered item is.
    n_topics : int
        Number of clusters (at least 2; capped at the number of units).
    min_df, max_df :
        Vocabulary pruning, as in ``TfidfVectorizer``.
    min_unit_tokens : int
        Units with fewer kept tokens (headings, signatures) are left out.
    top_terms : int
        Terms listed per topic.
    seed : int
        k-means seed.

    Returns
    -------
    dict
        ``topics``, ``topic_assignments``, ``topic_trends``.

    Raises
    ------
    ConfigError
        If ``n_topics < 2``.
    EmptyResultError
        If fewer than ``n_topics`` units remain, or no term survives pruning.
    """
    check_columns(tokens, "tokens", stage="topics", needs=("doc_id", "para_id", "token", "keep"))
    if n_topics < 2:
        raise ConfigError(f"topics.n_topics must be at least 2, not {n_topics}.")
    units = unit_tokens(tokens, documents, unit=unit)
    units = units[units["tokens"].map(len) >= min_unit_tokens].reset_index(drop=True)
    if len(units) < n_topics:
        raise EmptyResultError(
            f"Only {len(units)} {unit}s have at least {min_unit_tokens} kept tokens, fewer than "
            f"n_topics={n_topics}. Lower topics.n_topics or topics.min_unit_tokens, or add documents."
        )
    vec = TfidfVectorizer(analyzer=_identity, min_df=min_df, max_df=max_df, sublinear_tf=True, norm="l2")
    try:
        X = vec.fit_transform(units["tokens"])
    except ValueError:
        raise EmptyResultError(
            f"No terms left after pruning (min_df={min_df}, max_df={max_df}, {len(units)} {unit}s). "
            "Lower topics.min_df or raise topics.max_df."
        ) from None
    terms = vec.get_feature_names_out()
    km = KMeans(n_clusters=n_topics, n_init=10, random_state=seed).fit(X)
    labels = km.labels_

    # Centroid of each cluster in TF-IDF space; top terms by centroid weight.
    sizes = np.bincount(labels, minlength=n_topics)
    order = sorted(range(n_topics), key=lambda k: (-sizes[k], k))  # renumber by size
    renum = {old: new for new, old in enumerate(order)}
    rows = []
    for old in order:
        centroid = np.asarray(X[labels == old].mean(axis=0)).ravel()
        top = [terms[i] for i in np.argsort(-centroid, kind="stable")[:top_terms] if centroid[i] > 0]
        rows.append(
            {
                "topic_id": renum[old],
                "label": "·".join(top[:3]),
                "top_terms": " ".join(top),
                "n_units": int(sizes[old]),
                "share": float(sizes[old] / len(units)),
            }
        )
    topics = pd.DataFrame(rows)

    norms = np.sqrt(np.asarray(km.cluster_centers_ ** 2).sum(axis=1))
    sims = np.asarray(X.multiply(km.cluster_centers_[labels]).sum(axis=1)).ravel() / np.where(
        norms[labels] > 0, norms[labels], 1
    )
    assign = units[["unit_id", "doc_id", "year"]].assign(
        topic_id=[renum[k] for k in labels], similarity=np.round(sims, 6)
    )
    dated = assign.dropna(subset=["year"])
    counts = dated.groupby(["year", "topic_id"]).size().rename("n_units").reset_index()
    totals = dated.groupby("year").size()
    counts["share"] = counts["n_units"] / counts["year"].map(totals)
    return {
        "topics": conform(topics, "topics"),
        "topic_assignments": conform(assign, "topic_assignments"),
        "topic_trends": conform(counts, "topic_trends"),
    }
