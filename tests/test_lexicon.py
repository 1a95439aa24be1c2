"""Lexicon files: format, size, and every term whole in ten contexts on both backends."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.segment import build_segmenter, parse_stopwords, parse_userdict, segment_docs

ROOT = Path(__file__).resolve().parents[1]

LEX = ROOT / "corpus" / "lexicon"
CONTEXTS = ["“{}”", "{}，", "，{}。", "、{}、", "{}", "{}\n", "\n{}是", "2024年{}", "{}2025", "推进{}工作", "加快{}"]
REQUIRED = (
    "强省会 社区协商 园区协商 专门协商机构 凝聚共识 书香政协 委员工作站 协商议政 民主监督 参政议政 社情民意 "
    "提案办理 两个确立 两个维护 四个意识 四个自信 高质量发展 中国式现代化 新质生产力 十四五 四同·四度"
).split()


@pytest.fixture(scope="session")
def userdict_text() -> str:
    return (LEX / "userdict.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def segmenters(userdict_text):
    return {b: build_segmenter(userdict_text, backend=b) for b in ("jieba", "rjieba")}


def test_userdict_header_size_and_required_terms(userdict_text):
    header = [line for line in userdict_text.splitlines() if line.startswith("#")]
    assert any(re.search(r"version: \d+\.\d+\.\d+", h) for h in header)
    assert any(re.search(r"date: \d{4}-\d{2}-\d{2}", h) for h in header)
    terms = parse_userdict(userdict_text)
    assert len(terms) >= 300
    words = {t.word for t in terms}
    assert set(REQUIRED) <= words
    assert all(t.freq >= 3000 and t.tag in {"nz", "nt", "ns"} for t in terms)
    assert len(words) == sum(1 for line in userdict_text.splitlines() if line.strip() and not line.startswith("#"))


def _contexts(words):
    rows, expect = [], []
    for w in words:
        for c in CONTEXTS:
            text = c.format(w)
            rows.append(text)
            expect.append((w, c.index("{}")))
    return rows, expect


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
@pytest.mark.parametrize("workers", [1, 2])
def test_every_term_is_one_token_in_ten_contexts(segmenters, backend, workers):
    seg = segmenters[backend]
    words = {t.word for t in seg.terms}
    texts, expect = _contexts(sorted(words))
    paras = pd.DataFrame({"doc_id": "d", "para_id": [f"d:p{i:05d}" for i in range(len(texts))], "text": texts})
    tokens = segment_docs(paras, segmenter=seg, stopwords=frozenset(), workers=workers)
    by_para = tokens.groupby("para_id", sort=True)
    failures = []
    for (_pid, group), (word, start) in zip(by_para, expect):
        row = group[group["start"] == start]
        tok = row["token"].iloc[0] if len(row) else None
        # A longer lexicon term may legitimately win (人民政协 in 人民政协工作).
        if tok != word and not (tok in words and word in tok):
            failures.append((word, "/".join(group["token"])))
    assert failures == []


def test_stopwords_are_real_tokens(segmenters):
    for name in ("stopwords_general.txt", "stopwords_political.txt"):
        text = (LEX / name).read_text(encoding="utf-8")
        assert text.startswith("#")
        words = parse_stopwords(text)
        assert len(words) > 50
        for backend, seg in segmenters.items():
            split = [w for w in words if [t[0] for t in seg.cut(w)] != [w]]
            assert split == [], (name, backend)


def test_political_stopwords_are_not_lexicon_terms(userdict_text):
    terms = {t.word for t in parse_userdict(userdict_text)}
    political = parse_stopwords((LEX / "stopwords_political.txt").read_text(encoding="utf-8"))
    assert {"坚持", "推进", "加强", "进一步", "工作"} <= political
    assert not (terms & political)
