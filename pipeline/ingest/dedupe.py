"""Duplicate detection: exact and near-duplicate documents, and text repeated inside one document.

Input of ``find_duplicates``: a table with ``doc_id`` and ``text`` (normalised
text) and optionally ``year``/``date``.  Output: one row per input document
with ``doc_id``, ``dup_group``, ``dup_kind``, ``is_canonical``,
``similarity``, ``containment`` and ``internal_repeat`` (see the docstring).

Technique (Broder's shingling + MinHash, as in datasketch):

1. Every text is compared on its *compact* form, with all whitespace removed,
   so that line breaks, U+3000 indentation and "政 府 工 作" letter spacing do
   not matter.  Shingles are overlapping character n-grams (``shingle=5``);
   each is hashed to 64 bits with a vectorised polynomial hash (deterministic,
   unlike Python's ``hash``).
2. Exact duplicates share the SHA-1 of the compact text.
3. Near-duplicate *candidates* come from two datasketch indexes over seeded
   MinHash signatures: ``MinHashLSH`` (Jaccard) at a looser threshold than the
   one asked for, so that recall does not depend on LSH banding luck, and
   ``MinHashLSHEnsemble`` (containment), which finds a truncated copy inside
   the full one.
4. Every candidate pair is *verified* on the exact shingle sets, so no group is
   an LSH artefact.  A pair is linked when Jaccard ≥ ``threshold`` (0.8), or
   when the smaller text is contained in the larger at ≥ ``containment``
   (0.9) and has at least ``min_shingles`` shingles.
5. Groups are the connected components (networkx) of the Jaccard links.  A
   document linked *only* by containment joins the group of its single best
   container, so a short passage quoted by two different reports cannot chain
   them into one group.

Measured on the national reports (``bench/bench_dedupe.py``): the same year
from Wikisource and hprc.org.cn has Jaccard 0.67–0.97 (0.67 is the truncated
hprc 2007) and containment ≥ 0.94; two different years never exceed Jaccard
0.14 or containment 0.25, so both thresholds sit in a wide empty gap.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH, MinHashLSHEnsemble

from ..errors import ConfigError, EmptyResultError, SchemaError
from ..records import check_columns

_WS = re.compile(r"\s+")
# Code points Python counts as whitespace (what ``\\s`` removes in ``_compact``).
_WS_CODEPOINTS = np.array(
    [c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32
)  # none above U+3000
# An odd 64-bit multiplier for the polynomial shingle hash (the golden-ratio
# constant of Fibonacci hashing); arithmetic wraps modulo 2**64.
_MULT = np.uint64(0x9E3779B97F4A7C15)
# Candidate generation is deliberately looser than verification: at the
# verification threshold itself LSH misses a pair with probability ~0.5.
_CANDIDATE_SLACK = 0.25


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _compact(text: str) -> str:
    """The text without any whitespace: the form every comparison uses."""
    return _WS.sub("", text)


def _kgram_hashes(cp: np.ndarray, k: int) -> np.ndarray:
    """64-bit polynomial hash of every k-gram of the code points ``cp`` (in order)."""
    n = len(cp) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    cp = cp.astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _MULT + cp[j : j + n] + np.uint64(1)
    return h


def _shingles(compact: str, k: int) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character k-grams of ``compact``."""
    cp = _codepoints(compact)
    # A text shorter than one shingle is its own single shingle.
    return np.unique(_kgram_hashes(cp, min(k, len(cp)) or 1))


def shingle_set(text: str, k: int = 5) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character ``k``-grams of ``text``, whitespace ignored.

    The sets ``find_duplicates`` compares; a text shorter than ``k`` is one shingle.

    Examples
    --------
    >>> len(shingle_set("政协 委员会")), len(shingle_set("政协委员会"))
    (1, 1)
    """
    return _shingles(_compact(text), k)


def _identity(value: int) -> int:
    """MinHash hash function for values that are already 64-bit hashes."""
    return value


def _minhashes(sets: Sequence[np.ndarray], *, num_perm: int, seed: int) -> list[MinHash]:
    # ``MinHash.bulk`` shares one permutation set across all signatures.  The
    # signature only proposes candidates (pairs are verified on the exact
    # 64-bit sets), so the high 32 bits of each shingle hash suffice, and the
    # 32-bit scheme is about 3x faster than the 64-bit one.
    return MinHash.bulk(
        ((s >> np.uint64(32)).tolist() for s in sets),
        num_perm=num_perm,
        seed=seed,
        hashfunc=_identity,
        scheme="affine32",
    )


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact (Jaccard, containment of the smaller set in the larger)."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return (inter / union if union else 0.0), (
        inter / min(len(a), len(b)) if min(len(a), len(b)) else 0.0
    )


def _repeat_runs(cp: np.ndarray, window: int) -> list[tuple[int, int, int]]:
    """Maximal runs ``(start, end, source_start)`` in compact coordinates where
    every ``window``-gram also occurs ``start - source_start`` characters earlier."""
    h = _kgram_hashes(cp, window)
    n = len(h)
    if n <= 1:
        return []
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    offset = np.arange(n) - first[inverse]  # distance back to the earliest same window
    key = np.where(offset > 0, offset, -1)
    # A run is a maximal stretch of consecutive windows with the same offset > 0.
    cuts = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [n]))
    return [
        (int(a), int(b) - 1 + window, int(a - key[a]))
        for a, b in zip(starts, ends, strict=True)
        if key[a] > 0
    ]


def find_internal_repeats(text: str, *, min_len: int = 200) -> list[tuple[int, int, int]]:
    """Find spans of ``text`` that repeat an earlier part of the same text.

    Whitespace is ignored when comparing (a report pasted once with paragraph
    breaks and again without them still matches).  Exact repeated runs that
    lie on the same alignment and are separated by less than ``min_len // 4``
    differing characters are merged, so a copy with a few typos is one span.

    Parameters
    ----------
    text : str
        Normalised text of one document.
    min_len : int
        Shortest repeat to report, in non-whitespace characters.  The default
        (200) is far above any slogan or formula a report legitimately repeats.

    Returns
    -------
    list of (start, end, source_start)
        Offsets into ``text`` (``end`` exclusive): ``text[start:end]`` repeats
        the passage that begins at ``source_start``.  Sorted by ``start``, not
        overlapping each other.

    Raises
    ------
    ConfigError
        When ``min_len`` < 8.

    Examples
    --------
    >>> body = "一年来，我们坚持团结和民主两大主题，围绕中心、服务大局，推进协商民主广泛多层制度化发展。"
    >>> text = body + "\\n" + body.replace("，", "， ")
    >>> find_internal_repeats(text, min_len=40)
    [(45, 92, 0)]
    >>> find_internal_repeats("各位委员：现在我代表常务委员会作报告。", min_len=40)
    []
    """
    if min_len < 8:
        raise ConfigError(
            f"min_len={min_len} is too short to tell a repeat from a common phrase. Use min_len >= 8 (default 200)."
        )
    cp = _codepoints(text)
    pos = np.flatnonzero(~np.isin(cp, _WS_CODEPOINTS))  # compact index -> text index
    window = max(8, min_len // 4)
    runs = _repeat_runs(cp[pos], window)
    merged: list[list[int]] = []
    for start, end, source in runs:
        if source + (end - start) > start:
            # The "source" overlaps the repeat itself (e.g. "哈哈哈…"): a
            # periodic run, not a second copy of a passage.
            continue
        if merged:
            last = merged[-1]
            gap = start - last[1]
            shift = (start - source) - (last[0] - last[2])
            if gap <= window and abs(shift) <= window:
                last[1] = max(last[1], end)
                continue
        merged.append([start, end, source])
    return [
        (int(pos[s]), int(pos[e - 1]) + 1, int(pos[src]))
        for s, e, src in merged
        if e - s >= min_len
    ]


# Words of licence footers and site notices.  A recurring head or tail paragraph
# is boilerplate when it has one of them, or when it recurs in most documents of
# its source; the opening formula of a report (现在，我代表国务院…) recurs too but
# in a minority of documents and with none of these words, so it stays text.
_NOTICE_RE = re.compile(
    r"公有领域|版权|著作权|转载|免责|本站|本网|网站|许可协议|授权|copyright|public domain|all rights reserved",
    re.I,
)


def find_boilerplate(paragraphs: pd.DataFrame, sources: Mapping[str, str], *, min_docs: int = 3,
                     edge: int = 2, min_chars: int = 20) -> pd.Series:
    """Flag recurring source boilerplate: licence footers and site notices.

    A paragraph is boilerplate when the same text (whitespace ignored) is
    among the first or last ``edge`` paragraphs of at least ``min_docs``
    documents of one source (a folder, or one tabular file), is at least
    ``min_chars`` long, and either carries a notice word (公有领域, 版权,
    转载 …) or recurs in at least half of the documents of a source that
    has six or more.

    Parameters
    ----------
    paragraphs : DataFrame
        ``doc_id``, ``para_index``, ``text`` (the ``paragraphs`` table).
    sources : mapping
        ``doc_id`` → source key (e.g. the folder of its file).
    min_docs, edge, min_chars : int
        See above; ``min_docs`` 0 turns detection off.

    Returns
    -------
    Series of bool
        Aligned with ``paragraphs``: True for a boilerplate paragraph.

    Examples
    --------
    >>> foot = "这部作品在1931年1月1日以前发表，在美国属于公有领域。"
    >>> paras = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "para_index": [0, 1, 0, 1],
    ...                       "text": ["一年来，工作取得新进展。", foot, "过去一年，成绩来之不易。", foot]})
    >>> find_boilerplate(paras, {"a": "wiki", "b": "wiki"}, min_docs=2).tolist()
    [False, True, False, True]
    """
    flags = pd.Series(False, index=paragraphs.index)
    if min_docs <= 0 or paragraphs.empty:
        return flags
    last = paragraphs.groupby("doc_id")["para_index"].transform("max")
    near_edge = (paragraphs["para_index"] < edge) | (paragraphs["para_index"] > last - edge)
    cand = paragraphs[near_edge & (paragraphs["text"].str.len() >= min_chars)]
    if cand.empty:
        return flags
    key = cand["text"].str.replace(r"\s+", "", regex=True)
    src = cand["doc_id"].map(sources)
    n_docs = pd.Series(sources).value_counts()
    table = pd.DataFrame({"src": src, "key": key, "doc_id": cand["doc_id"]})
    spread = table.groupby(["src", "key"])["doc_id"].transform("nunique")
    notice = key.str.contains(_NOTICE_RE)
    most = (spread >= 0.5 * src.map(n_docs)) & (src.map(n_docs) >= 6)
    flags.loc[cand.index] = ((spread >= min_docs) & (notice | most)).to_numpy()
    return flags


def _repeat_share(text: str, min_len: int) -> float:
    compact_len = len(_compact(text))
    if not compact_len:
        return 0.0
    repeated = sum(
        len(_compact(text[s:e])) for s, e, _ in find_internal_repeats(text, min_len=min_len)
    )
    return repeated / compact_len


def find_duplicates(
    docs: pd.DataFrame,
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    seed: int = 1,
    containment: float = 0.9,
    min_shingles: int = 50,
    repeat_min_len: int = 200,
    across_years: bool = False,
    compilation_cover: float = 0.5,
) -> pd.DataFrame:
    """Group exact and near-duplicate documents, and find compilations.

    Parameters
    ----------
    docs : DataFrame
        Columns ``doc_id`` (unique) and ``text`` (normalised); ``year`` and
        ``date`` are optional and only used to warn about groups that mix years.
    threshold : float
        Exact Jaccard similarity of the shingle sets that links two documents.
    num_perm : int
        MinHash permutations (signature length) for candidate search.
    shingle : int
        Characters per shingle.  5 characters ≈ two or three Chinese words.
    seed : int
        Seed of the MinHash permutations.
    containment : float
        Share of the smaller document's shingles found in the larger one that
        links a truncated or excerpted copy to the full text.
    min_shingles : int
        A document needs this many shingles to be linked by containment alone,
        so a one-line text is never "contained" in a report.
    repeat_min_len : int
        ``min_len`` of ``find_internal_repeats`` for the ``internal_repeat`` column.
    across_years : bool
        Let a group join documents of different known years.  Off by default:
        two reports of different years are different documents however alike,
        so such a pair (or a copy of one year contained in a text of another)
        is reported in ``contained_in`` and both stay counted.
    compilation_cover : float
        A document that contains (at ``containment``) at least two documents
        that are not duplicates of each other, and whose contained parts make
        up at least this share of its length, is a *compilation* (e.g. one
        file holding every yearly report): its parts are grouped without it
        and it is not canonical, so each text is counted once, in its part.

    Returns
    -------
    DataFrame
        One row per input document, in input order:

        ``doc_id``; ``dup_group`` (``dup-0000`` …, numbered by the smallest
        doc_id in the group; ``<NA>`` when unique); ``dup_kind`` (``exact``
        when the document's compact text equals its canonical member's — for
        the canonical itself, when some other member equals it — else
        ``near``); ``is_canonical`` (one per group: the most complete text,
        i.e. the longest after removing internal repeats, ties broken by
        doc_id; True for unique documents); ``similarity`` and ``containment``
        (exact shingle Jaccard and containment to the canonical member, 1.0 for
        the canonical, ``NaN`` when unique); ``internal_repeat`` (share of the
        compact text that repeats an earlier part of the same text);
        ``is_compilation``; ``contained_in`` (the compilation that holds the
        document, or the document of another year that holds it; ``<NA>``
        otherwise) with ``contained_kind`` (``compilation`` or ``other_year``)
        and ``contained_share`` (containment of the document in it).

    Raises
    ------
    SchemaError
        When ``doc_id`` or ``text`` is missing, or ``doc_id`` is not unique.
    EmptyResultError
        When ``docs`` has no rows.
    ConfigError
        When a threshold is outside (0, 1] or ``shingle``/``num_perm`` < 1.

    Examples
    --------
    >>> import pandas as pd
    >>> a = "各位委员，同志们：现在，我代表政协常务委员会向大会作工作报告，请予审议。" * 3
    >>> docs = pd.DataFrame({"doc_id": ["甲", "乙", "丙"],
    ...                      "text": [a, a.replace("，", "， "), "坚持团结和民主两大主题。"]})
    >>> out = find_duplicates(docs, min_shingles=5)
    >>> out[["doc_id", "dup_group", "dup_kind", "is_canonical"]].to_string(index=False)
    'doc_id dup_group dup_kind  is_canonical\\n     甲  dup-0000    exact         False\\n     乙  dup-0000    exact          True\\n     丙      <NA>     <NA>          True'
    """
    _validate(
        docs, threshold=threshold, num_perm=num_perm, shingle=shingle, containment=containment
    )
    ids = docs["doc_id"].astype(str).tolist()
    texts = ["" if pd.isna(t) else str(t) for t in docs["text"]]
    compacts = [_compact(t) for t in texts]
    repeat = [_repeat_share(t, repeat_min_len) for t in texts]
    sets = [_shingles(c, shingle) for c in compacts]
    empty = [i for i, c in enumerate(compacts) if not c]
    if empty:
        warnings.warn(
            f"{len(empty)} document(s) have no text (e.g. {ids[empty[0]]}); they are left out of duplicate detection.",
            stacklevel=2,
        )

    n = len(ids)
    years = _years(docs, n)

    def same_year(i: int, j: int) -> bool:
        return across_years or years[i] is None or years[j] is None or years[i] == years[j]

    # Exact duplicates (same compact text) and near duplicates (candidates from
    # LSH, verified on the exact sets); pairs of different years are kept apart.
    links: list[tuple[int, int]] = []
    other_year: dict[int, tuple[float, str, int]] = {}  # doc -> best (−share, id, doc of another year holding it)
    by_hash: dict[str, list[int]] = {}
    digests = [hashlib.sha1(c.encode("utf-8")).hexdigest() for c in compacts]
    for i, d in enumerate(digests):
        if compacts[i]:
            by_hash.setdefault(d, []).append(i)
    for members in by_hash.values():
        for j in members[1:]:
            links.append((members[0], j))
    live = [members[0] for members in by_hash.values() if len(sets[members[0]])]
    pairs = _candidates(
        live, sets, threshold=threshold, containment=containment, num_perm=num_perm, seed=seed
    )
    contains: dict[int, dict[int, float]] = {}  # big -> {small: containment}
    for i, j in sorted(pairs):
        jac, con = _overlap(sets[i], sets[j])
        small, big = (i, j) if (len(sets[i]), ids[i]) < (len(sets[j]), ids[j]) else (j, i)
        if jac >= threshold:
            links.append((i, j))
        elif con >= containment and len(sets[small]) >= min_shingles:
            contains.setdefault(big, {})[small] = con
    # Exact copies share one entry in ``live``: spread links to all copies.
    copies = {m[0]: m[1:] for m in by_hash.values() if len(m) > 1}
    for parts in contains.values():
        for small in list(parts):
            for j in copies.get(small, ()):
                parts[j] = parts[small]
    for big in list(contains):
        for j in copies.get(big, ()):
            contains[j] = dict(contains[big])

    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for i, j in links:
        if same_year(i, j):
            graph.add_edge(i, j)
        else:
            small, big = (i, j) if (len(compacts[i]), ids[i]) < (len(compacts[j]), ids[j]) else (j, i)
            _keep_best(other_year, small, 1.0 if digests[i] == digests[j] else _overlap(sets[i], sets[j])[1], ids[big], big)

    compilations = _compilations(contains, graph, compacts, compilation_cover)
    graph.remove_edges_from([e for c in compilations for e in list(graph.edges(c))])
    in_compilation: dict[int, tuple[float, str, int]] = {}
    best_container: dict[int, tuple[float, str, int]] = {}
    for big, parts in contains.items():
        for small, con in parts.items():
            if small in compilations:
                continue
            if big in compilations:
                _keep_best(in_compilation, small, con, ids[big], big)
            elif same_year(small, big):
                _keep_best(best_container, small, con, ids[big], big)
            else:
                _keep_best(other_year, small, con, ids[big], big)
    # Containment links are added after the Jaccard components exist, one per
    # contained document, so they cannot bridge two unrelated groups.
    for small, (_, _, big) in best_container.items():
        graph.add_edge(small, big)

    table = _table(ids, texts, compacts, digests, sets, repeat, graph, docs)
    table["is_compilation"] = pd.array([i in compilations for i in range(n)], dtype="boolean")
    table.loc[list(compilations), "is_canonical"] = False
    holder = pd.Series(pd.NA, index=range(n), dtype="string")
    kind = pd.Series(pd.NA, index=range(n), dtype="string")
    share = np.full(n, np.nan)
    for source, label in ((other_year, "other_year"), (in_compilation, "compilation")):  # a compilation wins
        for small, (neg, _, big) in source.items():
            holder[small], kind[small], share[small] = ids[big], label, -neg
    table["contained_in"] = holder.values
    table["contained_kind"] = kind.values
    table["contained_share"] = share
    return table


def _years(docs: pd.DataFrame, n: int) -> list[int | None]:
    if "year" not in docs.columns:
        return [None] * n
    return [None if y is None or pd.isna(y) else int(y) for y in docs["year"]]


def _keep_best(best: dict[int, tuple[float, str, int]], small: int, con: float, big_id: str, big: int) -> None:
    key = (-con, big_id, big)
    if small not in best or key < best[small]:
        best[small] = key


def _compilations(
    contains: dict[int, dict[int, float]], graph: nx.Graph, compacts: list[str], cover: float
) -> set[int]:
    """Documents holding at least two documents that are not duplicates of each
    other, whose parts make up at least ``cover`` of their length."""
    comp_of = {i: k for k, c in enumerate(nx.connected_components(graph)) for i in c}
    found = set()
    for big, parts in contains.items():
        own = comp_of[big]
        by_comp: dict[int, int] = {}
        for small in parts:
            if comp_of[small] != own:
                by_comp[comp_of[small]] = max(by_comp.get(comp_of[small], 0), len(compacts[small]))
        if len(by_comp) >= 2 and sum(by_comp.values()) >= cover * len(compacts[big]):
            found.add(big)
    return found


def _validate(
    docs: pd.DataFrame, *, threshold: float, num_perm: int, shingle: int, containment: float
) -> None:
    check_columns(docs, "documents", stage="find_duplicates", needs=("doc_id", "text"))
    if docs.empty:
        raise EmptyResultError(
            "find_duplicates got no documents. Check that ingest read at least one file."
        )
    if docs["doc_id"].duplicated().any():
        dup = docs.loc[docs["doc_id"].duplicated(), "doc_id"].iloc[0]
        raise SchemaError(
            f"doc_id {dup!r} occurs more than once. Make ids unique (ingest.doc_prefixes) before deduplication."
        )
    for name, value in (("threshold", threshold), ("containment", containment)):
        if not 0 < value <= 1:
            raise ConfigError(
                f"{name}={value} is not a similarity. Use a value in (0, 1], e.g. 0.8."
            )
    if num_perm < 1 or shingle < 1:
        raise ConfigError(
            f"num_perm={num_perm}, shingle={shingle}: both must be >= 1 (defaults 128 and 5)."
        )


def _candidates(
    live: list[int],
    sets: list[np.ndarray],
    *,
    threshold: float,
    containment: float,
    num_perm: int,
    seed: int,
) -> set[tuple[int, int]]:
    """Candidate pairs ``(i, j)`` with ``i < j`` from MinHash LSH (Jaccard) and LSH Ensemble (containment)."""
    if len(live) < 2:
        return set()
    mh = _minhashes([sets[i] for i in live], num_perm=num_perm, seed=seed)
    lsh = MinHashLSH(threshold=max(0.1, threshold - _CANDIDATE_SLACK), num_perm=num_perm)
    ens = MinHashLSHEnsemble(
        threshold=max(0.1, containment - _CANDIDATE_SLACK), num_perm=num_perm, num_part=8
    )
    for i, m in zip(live, mh, strict=True):
        lsh.insert(i, m)
    ens.index([(i, m, len(sets[i])) for i, m in zip(live, mh, strict=True)])
    pairs: set[tuple[int, int]] = set()
    for i, m in zip(live, mh, strict=True):
        for j in list(lsh.query(m)) + list(ens.query(m, len(sets[i]))):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def _table(
    ids: list[str],
    texts: list[str],
    compacts: list[str],
    digests: list[str],
    sets: list[np.ndarray],
    repeat: list[float],
    graph: nx.Graph,
    docs: pd.DataFrame,
) -> pd.DataFrame:
    n = len(ids)
    group = pd.Series(pd.NA, index=range(n), dtype="string")
    kind = pd.Series(pd.NA, index=range(n), dtype="string")
    canonical = np.ones(n, dtype=bool)
    sim = np.full(n, np.nan)
    con = np.full(n, np.nan)
    comps = [sorted(c, key=lambda i: ids[i]) for c in nx.connected_components(graph) if len(c) > 1]
    comps.sort(key=lambda c: ids[c[0]])
    years = docs["year"].tolist() if "year" in docs.columns else [None] * n
    for g, members in enumerate(comps):
        # Most complete text first: longest once internal repeats are removed.
        canon = min(members, key=lambda i: (-len(compacts[i]) * (1 - repeat[i]), ids[i]))
        label = f"dup-{g:04d}"
        for i in members:
            group[i] = label
            canonical[i] = i == canon
            if i == canon:
                same = any(digests[j] == digests[i] for j in members if j != i)
                kind[i] = "exact" if same else "near"
                sim[i], con[i] = 1.0, 1.0
            else:
                kind[i] = "exact" if digests[i] == digests[canon] else "near"
                sim[i], con[i] = _overlap(sets[i], sets[canon])
        known = {int(years[i]) for i in members if years[i] is not None and not pd.isna(years[i])}
        if len(known) > 1:
            warnings.warn(
                f"duplicate group {label} mixes years {sorted(known)} ({', '.join(ids[i] for i in members)}); "
                "check the documents' dates or raise the threshold.",
                stacklevel=3,
            )
    return pd.DataFrame(
        {
            "doc_id": pd.array(ids, dtype="string"),
            "dup_group": group.values,
            "dup_kind": kind.values,
            "is_canonical": pd.array(canonical, dtype="boolean"),
            "similarity": sim,
            "containment": con,
            "internal_repeat": repeat,
        }
    )
