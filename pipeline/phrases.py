"""Suggest new lexicon terms: adjacent token n-grams that behave like words.

Input table ``paragraphs`` (``doc_id``, ``para_id``, ``text``); output a
table of candidates with columns ``term``, ``count``, ``pmi``,
``left_entropy``, ``right_entropy``, ``score``, ``example_1``,
``example_2`` (plus ``parts``: the tokens joined by ``|``).

A term that jieba splits shows up as a run of tokens that (a) recurs,
(b) sticks together more than chance (PMI of its weakest split point) and
(c) is free at both ends: many different tokens precede and follow it
(branching entropy, as in Huang & Powers' and Jin & Tanaka-Ishii's
unsupervised word segmentation).  ``score = log2(count) × pmi ×
min(left_entropy, right_entropy)``, so a candidate must do well on all three.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

import pandas as pd

from .errors import EmptyResultError
from .records import check_columns
from .segment import Segmenter

# POS that never start or end a term: particles, prepositions, conjunctions,
# pronouns, adverbs, numerals, measure words, localisers, interjections,
# modal particles, unknown symbols.
_EDGE_POS = frozenset("u uj ul uz ug uv ud p c r d m q f y e o x zg".split())
_WORD = re.compile(r"[\u4E00-\u9FFF]")
_COLUMNS = ["term", "count", "pmi", "left_entropy", "right_entropy", "score", "example_1", "example_2", "parts"]


def _entropy(counter: Counter, boundary: int) -> float:
    # Each sentence boundary counts as a distinct neighbour: a term that
    # often opens a clause is free on that side.
    total = sum(counter.values()) + boundary
    if total == 0:
        return 0.0
    h = -sum(c / total * math.log2(c / total) for c in counter.values())
    return h + boundary * (-(1 / total) * math.log2(1 / total))


def _runs(tokens: list[tuple[str, int, int, str]], stopwords: frozenset[str]) -> list[list[tuple[str, int, bool]]]:
    """Split a paragraph's tokens into runs of Han words (no punctuation inside)."""
    runs, cur = [], []
    for word, start, _end, pos in tokens:
        if _WORD.search(word) is None:
            if cur:
                runs.append(cur)
            cur = []
            continue
        edge_ok = pos not in _EDGE_POS and word not in stopwords
        cur.append((word, start, edge_ok))
    if cur:
        runs.append(cur)
    return runs


def _sentence_at(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    # Spans come from ingest's sentences table (the one sentence splitter).
    for s, e in spans:
        if s <= start and end <= e:
            return text[s:e].strip()
    return text.strip()


def suggest_phrases(
    paragraphs: pd.DataFrame,
    *,
    segmenter: Segmenter,
    known_terms: frozenset[str],
    top_n: int = 200,
    min_count: int = 3,
    max_len: int = 4,
    stopwords: frozenset[str] = frozenset(),
    sentences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rank candidate new lexicon terms from adjacent token n-grams.

    Parameters
    ----------
    paragraphs : DataFrame
        Needs ``doc_id``, ``para_id``, ``text``.
    sentences : DataFrame, optional
        Ingest's ``sentences`` table: examples are the sentence around a
        hit (the whole paragraph without it).
    segmenter : Segmenter
        Built with ``pos=True`` (edge filtering uses POS).
    known_terms : frozenset of str
        Terms already in the lexicon; never suggested.
    top_n : int
        Rows to return.
    min_count : int
        Minimum occurrences of a candidate.
    max_len : int
        Maximum tokens in a candidate (at least 2).
    stopwords : frozenset of str
        A candidate may not start or end with one of these.

    Returns
    -------
    DataFrame
        Columns ``term, count, pmi, left_entropy, right_entropy, score,
        example_1, example_2, parts``, best first.

    Raises
    ------
    SchemaError
        A needed column is missing.
    EmptyResultError
        No paragraphs, or no candidate reaches ``min_count``.

    Examples
    --------
    >>> from pipeline.segment import build_segmenter
    >>> seg = build_segmenter("", backend="jieba")
    >>> pairs = zip(["推进", "深化", "开展", "完善"], ["工作", "建设", "平台", "机制"])
    >>> texts = [f"{a}园区协商{b}。" for a, b in pairs]
    >>> paras = pd.DataFrame({"doc_id": "d", "para_id": [f"d:p{i}" for i in range(4)], "text": texts})
    >>> suggest_phrases(paras, segmenter=seg, known_terms=frozenset(), min_count=4)["term"].tolist()
    ['园区协商']
    """
    check_columns(paragraphs, "paragraphs", stage="suggest_phrases", needs=("doc_id", "para_id", "text"))
    if len(paragraphs) == 0:
        raise EmptyResultError("suggest_phrases got 0 paragraphs. Check the corpus folder.")
    max_len = max(2, max_len)
    texts = paragraphs["text"].fillna("").astype(str).tolist()
    spans: dict[str, list[tuple[int, int]]] = {}
    if sentences is not None:
        check_columns(sentences, "sentences", stage="suggest_phrases", needs=("para_id", "start", "end"))
        for pid, s, e in sentences[["para_id", "start", "end"]].itertuples(index=False):
            spans.setdefault(pid, []).append((int(s), int(e)))
    para_ids = paragraphs["para_id"].astype(str).tolist()

    unigram: Counter = Counter()
    ngram: Counter = Counter()
    left: dict[tuple, Counter] = defaultdict(Counter)
    right: dict[tuple, Counter] = defaultdict(Counter)
    left_b: Counter = Counter()
    right_b: Counter = Counter()
    where: dict[tuple, list[tuple[int, int, int]]] = defaultdict(list)
    n_tokens = 0
    all_runs: list[list[str]] = []
    for ti, text in enumerate(texts):
        for run in _runs(segmenter.cut(text), stopwords):
            words = [w for w, _, _ in run]
            all_runs.append(words)
            n_tokens += len(words)
            unigram.update(words)
            for n in range(2, max_len + 1):
                for i in range(len(run) - n + 1):
                    if not (run[i][2] and run[i + n - 1][2]):
                        continue
                    key = tuple(words[i : i + n])
                    ngram[key] += 1
                    if i > 0:
                        left[key][words[i - 1]] += 1
                    else:
                        left_b[key] += 1
                    if i + n < len(run):
                        right[key][words[i + n]] += 1
                    else:
                        right_b[key] += 1
                    if len(where[key]) < 8:
                        start = run[i][1]
                        where[key].append((ti, start, start + len("".join(key))))

    # Sub-sequence counts for PMI: a candidate's parts may have non-edge
    # ends, so count every contiguous piece of every candidate separately.
    def piece_count(piece: tuple[str, ...]) -> int:
        return unigram[piece[0]] if len(piece) == 1 else pieces[piece]

    pieces: Counter = Counter()
    wanted = {k for k, c in ngram.items() if c >= min_count}
    if not wanted:
        raise EmptyResultError(
            f"No candidate phrase occurs {min_count} times or more in {len(texts)} paragraphs. Lower min_count."
        )
    need = {k[a:b] for k in wanted for a in range(len(k)) for b in range(a + 2, len(k) + 1)}
    for words in all_runs:
        for n in range(2, max_len):
            for i in range(len(words) - n + 1):
                key = tuple(words[i : i + n])
                if key in need:
                    pieces[key] += 1

    rows = []
    for key in wanted:
        term = "".join(key)
        if term in known_terms or len(term) > 12:
            continue
        c = ngram[key]
        p = c / n_tokens
        pmi = min(
            math.log2(p / ((piece_count(key[:k]) / n_tokens) * (piece_count(key[k:]) / n_tokens)))
            for k in range(1, len(key))
        )
        le = _entropy(left[key], left_b[key])
        re_ = _entropy(right[key], right_b[key])
        if pmi <= 0 or min(le, re_) <= 0:
            continue
        examples = []
        for ti, s, e in where[key]:
            sent = _sentence_at(texts[ti], spans.get(para_ids[ti], []), s, e)
            if sent not in examples:
                examples.append(sent)
            if len(examples) == 2:
                break
        examples += [""] * (2 - len(examples))
        score = math.log2(c) * pmi * min(le, re_) if c > 1 else pmi * min(le, re_)
        rows.append((term, c, pmi, le, re_, score, examples[0], examples[1], "|".join(key)))
    if not rows:
        raise EmptyResultError(
            f"No candidate phrase passed the cohesion and entropy tests (min_count={min_count}). Lower min_count."
        )
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out = out.sort_values(["score", "term"], ascending=[False, True]).head(top_n).reset_index(drop=True)
    return out.astype({"count": "int64"})
