"""Phrase suggestion on the sample corpus."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import EmptyResultError
from pipeline.phrases import suggest_phrases
from pipeline.segment import build_segmenter, parse_stopwords

ROOT = Path(__file__).resolve().parents[1]

LEX = ROOT / "corpus" / "lexicon"


@pytest.fixture(scope="module")
def result():
    seg = build_segmenter((LEX / "userdict.txt").read_text(encoding="utf-8"), backend="rjieba")
    stop = parse_stopwords((LEX / "stopwords_general.txt").read_text(encoding="utf-8"))
    rows = [
        (p.stem, f"{p.stem}:p{i:04d}", line)
        for p in sorted((ROOT / "corpus" / "raw").glob("*.txt"))
        for i, line in enumerate(p.read_text(encoding="utf-8").split("\n"))
        if line.strip()
    ]
    paras = pd.DataFrame(rows, columns=["doc_id", "para_id", "text"])
    known = frozenset(t.word for t in seg.terms)
    return suggest_phrases(paras, segmenter=seg, known_terms=known, top_n=50, stopwords=stop), known, paras, seg


def test_columns_ranking_and_filters(result):
    out, known, _, _ = result
    assert list(out.columns[:8]) == ["term", "count", "pmi", "left_entropy", "right_entropy", "score", "example_1", "example_2"]
    assert len(out) == 50
    assert out["score"].is_monotonic_decreasing
    assert (out["count"] >= 3).all() and (out["pmi"] > 0).all()
    assert (out[["left_entropy", "right_entropy"]].min(axis=1) > 0).all()
    assert not set(out["term"]) & known
    assert all(term in ex for term, ex in zip(out["term"], out["example_1"]))


def test_real_candidates_found(result):
    out = result[0]
    # Terms jieba splits that a researcher would add (checked by hand on the sample).
    assert {"市政协党组", "常委会会议", "垃圾分类"} <= set(out["term"])


def test_no_candidates_raises(result):
    _, known, paras, seg = result
    with pytest.raises(EmptyResultError, match="min_count"):
        suggest_phrases(paras.head(3), segmenter=seg, known_terms=known, min_count=50)
