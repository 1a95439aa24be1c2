"""Select stage: which documents every corpus-level count stands on.

Input: ``documents`` (doc_type, n_chars, is_canonical and, when ingest
made it, is_stub).  Output: the same ``documents`` with two more columns,
``in_analysis`` and ``excluded_reason``.  ``records.canonical`` honours
``in_analysis``, so topics, network and themes all count the same
documents without each re-implementing the filter, and the report says
what was left out and why.

Why a selection at all: a national corpus that pools twenty 500-character
NPC resolutions (决议) with the work reports makes a year with only a
resolution look like a spike (every theme it names gets ~20 per 10k).
By default every type but ``resolution`` is counted.  The rule looks at
each document alone, so adding a file to the corpus never changes whether
another one counts (a cron refresh stays comparable); a corpus of mostly
articles and speeches (the sample) is counted whole.
"""

from __future__ import annotations

import pandas as pd

from .errors import ConfigError, EmptyResultError
from .records import check_columns

RESOLUTION = "resolution"  # a congress's short resolution *on* a report, not a report


def select_documents(
    documents: pd.DataFrame,
    *,
    doc_types: tuple[str, ...] = (),
    min_chars: int = 0,
    drop_stubs: bool = True,
) -> dict[str, pd.DataFrame]:
    """Mark the documents the analysis counts (``in_analysis``) and say why the others are not.

    Parameters
    ----------
    documents : DataFrame
        Ingest table with ``doc_id``, ``doc_type``, ``n_chars``.
    doc_types : tuple of str
        Document types counted.  Empty: every type except ``resolution``.
    min_chars : int
        Documents shorter than this many characters are not counted (0: no minimum).
    drop_stubs : bool
        Leave out documents ingest flagged ``is_stub`` (when that column exists).

    Returns
    -------
    dict
        ``documents`` with ``in_analysis`` (boolean) and
        ``excluded_reason`` (empty when counted, else e.g. ``doc_type=resolution``).

    Raises
    ------
    ConfigError
        For ``min_chars < 0``.
    EmptyResultError
        When the selection leaves no document, naming the setting to change.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["报告", "决议"], "doc_type": ["work_report", "resolution"],
    ...     "n_chars": [20000, 502]})
    >>> out = select_documents(docs)["documents"]
    >>> out[["doc_id", "in_analysis", "excluded_reason"]].values.tolist()
    [['报告', True, ''], ['决议', False, 'doc_type=resolution']]
    >>> select_documents(docs, doc_types=("work_report", "resolution"), min_chars=1000)["documents"]["excluded_reason"].tolist()
    ['', 'n_chars<1000']
    """
    check_columns(documents, "documents", stage="select", needs=("doc_id", "doc_type", "n_chars"))
    if min_chars < 0:
        raise ConfigError(f"select.min_chars must be ≥ 0, not {min_chars}. Use 0 for no minimum.")
    types = documents["doc_type"].astype("string").fillna("")
    # A corpus of resolutions only (e.g. npc_resolutions/) is counted whole rather than refused.
    wanted = set(doc_types) if doc_types else (set(types) - {RESOLUTION} or set(types))
    reasons = pd.Series("", index=documents.index, dtype="string")
    reasons = reasons.mask(~types.isin(wanted), "doc_type=" + types.replace("", "unknown"))
    if min_chars:
        short = documents["n_chars"].astype("Int64").fillna(0) < min_chars
        reasons = reasons.mask((reasons == "") & short, f"n_chars<{min_chars}")
    if drop_stubs and "is_stub" in documents.columns:
        stub = documents["is_stub"].astype("boolean").fillna(False).astype(bool)
        reasons = reasons.mask((reasons == "") & stub, "stub")
    out = documents.assign(in_analysis=(reasons == "").astype("boolean"), excluded_reason=reasons)
    if len(out) and not out["in_analysis"].any():
        raise EmptyResultError(
            f"The corpus selection leaves no document (doc_types={sorted(wanted)}, min_chars={min_chars}; "
            f"the corpus has types {sorted(set(types))}). Set select.doc_types or lower select.min_chars."
        )
    return {"documents": out}
