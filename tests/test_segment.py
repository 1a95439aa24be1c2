"""Segmentation: offsets, join property, stopword marks, parallel = serial, jieba = rjieba."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline import segment
from pipeline.errors import ConfigError, EmptyResultError, LexiconError, SchemaError
from pipeline.segment import (
    build_segmenter,
    parse_stopwords,
    parse_userdict,
    segment_docs,
)

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"

USERDICT = (ROOT / "corpus" / "lexicon" / "userdict.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def segs():
    return {(b, hmm): build_segmenter(USERDICT, backend=b, hmm=hmm) for b in ("jieba", "rjieba") for hmm in (True, False)}


def _lines(paths):
    return [line for p in paths for line in p.read_text(encoding="utf-8-sig").split("\n")]


def test_issue_example_keeps_terms_whole(segs):
    text = "助力“强省会”行动，深入推进社区协商和园区协商，聚焦“四同·四度”"
    for seg in segs.values():
        assert [t[0] for t in seg.cut(text)] == [
            "助力", "“", "强省会", "”", "行动", "，", "深入", "推进", "社区协商", "和", "园区协商", "，", "聚焦", "“", "四同·四度", "”",
        ]


def test_offsets_slice_back_and_pos(segs):
    text = "2024年是“十四五”规划关键之年，PM2.5下降4.5%。"
    for seg in segs.values():
        toks = seg.cut(text)
        assert all(text[s:e] == w for w, s, e, _ in toks)
        assert dict((w, p) for w, _, _, p in toks)["十四五"] == "nz"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("政协委员强省会社区协商四同·四度“”，。、 \n\r\t-_.%+#&2aZ㐀𠀀華a1")) | st.characters(), max_size=40))
def test_join_and_backends_agree(segs, text):
    for hmm in (True, False):
        a, b = segs[("jieba", hmm)].cut(text), segs[("rjieba", hmm)].cut(text)
        assert "".join(t[0] for t in a) == text
        assert all(text[s:e] == w for w, s, e, _ in a)
        assert a == b


# ASCII runs next to Han and each other: the cases correction 3 (re-split
# runs jieba-rs keeps whole) and the fast path's trigger characters decide.
_ASCII_MIX = st.text(alphabet=st.sampled_from(list("2026-02-09PM_2.5%a.b+#&Zx 政协委员会议年月日提升增长，。\n")), max_size=60)


@settings(max_examples=200, deadline=None)
@given(_ASCII_MIX)
def test_ascii_runs_resplit_like_jieba(segs, text):
    assume("提提提" not in text)  # the known tie, pinned as a strict xfail below
    a, b = segs[("jieba", True)].cut(text), segs[("rjieba", True)].cut(text)
    assert a == b


@pytest.mark.xfail(strict=True, reason="known: on a tie between equally likely routes through an unknown "
                   "reduplication (提提提年) pure jieba's HMM and rjieba's pick different cuts; found by the "
                   "property above, not yet corrected")
def test_reduplicated_unknown_verb_cuts_alike(segs):
    assert segs[("jieba", True)].cut("提提提年") == segs[("rjieba", True)].cut("提提提年")


def test_known_corrections(segs):
    # One case per correction: a date and PM_2.5 in an HMM run, a rare
    # ideograph (Ext-A, Ext-B), a protected term, an unencodable surrogate.
    text = "研判2026-02-09报告PM_2.5浓度，㐀𠀀字，四同·四度\ud800"
    want = segs[("jieba", True)].cut(text)
    assert [t[0] for t in want][:8] == ["研判", "2026", "-", "02", "-", "09", "报告", "PM"]
    assert {"㐀", "𠀀", "四同·四度", "\ud800"} <= {t[0] for t in want}
    assert segs[("rjieba", True)].cut(text) == want


@pytest.mark.parametrize("hmm", [True, False])
def test_rjieba_token_identical_on_sample_corpus(segs, hmm):
    lines = _lines(sorted((ROOT / "corpus" / "raw").glob("*.txt")))
    assert len(lines) > 100
    a, b = segs[("jieba", hmm)], segs[("rjieba", hmm)]
    assert [a.cut(x) for x in lines] == [b.cut(x) for x in lines]


def test_rjieba_token_identical_on_real_corpus(segs):
    folder = CORPORA / "provincial-gwr-2026" / "txt"
    if not folder.is_dir():
        pytest.skip("shared corpora absent")
    # Ten provinces (≈1.2 MB) keep the test fast; bench/bench_segment.py --check covers all corpora.
    lines = _lines(sorted(folder.glob("*.txt"))[:10])
    a, b = segs[("jieba", True)], segs[("rjieba", True)]
    diff = [x for x in lines if a.cut(x) != b.cut(x)]
    assert diff == []


def test_pickle_round_trip(segs):
    seg = segs[("rjieba", True)]
    copy = pickle.loads(pickle.dumps(seg))
    assert copy.backend == "rjieba" and copy.cut("推进园区协商") == seg.cut("推进园区协商")


def test_segment_docs_keep_flags_and_parallel_identical(segs):
    stop = parse_stopwords("# t\n坚持\n推进  # boilerplate\n的")
    paras = pd.DataFrame({
        "doc_id": ["a", "a", "b"],
        "para_id": ["a:p0000", "a:p0001", "b:p0000"],
        "text": ["坚持推进社区协商，2024年增长4.5%。", "", "强省会 的 新质生产力"],
    })
    seg = segs[("jieba", True)]
    out = segment_docs(paras, segmenter=seg, stopwords=stop, min_len=2)
    assert list(out.columns[:8]) == ["doc_id", "para_id", "token_index", "token", "start", "end", "pos", "keep"]
    kept = out.loc[out["keep"], "token"].tolist()
    assert kept == ["社区协商", "增长", "强省会", "新质生产力"]
    assert set(out["token"]) >= {"2024", "4.5%", "，", " ", "的"}
    assert not out.loc[out["token"].isin(["2024", "4.5%", "，", " ", "的", "坚持", "年"]), "keep"].any()
    assert out.groupby("para_id")["token_index"].apply(lambda s: list(s) == list(range(len(s)))).all()
    par = segment_docs(paras, segmenter=segs[("rjieba", True)], stopwords=stop, min_len=2, workers=2)
    pd.testing.assert_frame_equal(out, par)
    nouns = segment_docs(paras, segmenter=seg, stopwords=stop, pos_keep=("nz",), min_len=1)
    assert set(nouns.loc[nouns["keep"], "pos"]) == {"nz"}


def test_segment_docs_matches_cut_on_sample_corpus(segs):
    # The table is built from token lengths and UTF-8 byte offsets, not from
    # cut()'s tuples; both must agree, astral and 2-byte characters included.
    seg = segs[("rjieba", True)]
    texts = _lines(sorted((ROOT / "corpus" / "raw").glob("*.txt")))[:400] + ["©𠀀😀政协，a²", "", "2026-02-09"]
    paras = pd.DataFrame({"doc_id": "d", "para_id": [f"d:p{i:04d}" for i in range(len(texts))], "text": texts})
    out = segment_docs(paras, segmenter=seg, stopwords=frozenset())
    want = [(f"d:p{i:04d}", j, *tok) for i, t in enumerate(texts) for j, tok in enumerate(seg.cut(t))]
    got = list(out[["para_id", "token_index", "token", "start", "end", "pos"]].itertuples(index=False, name=None))
    assert got == want


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_worker_pool_identical_to_serial(segs, monkeypatch, backend):
    # PARALLEL_MIN_CHARS keeps the pool off for small inputs; force it on.
    monkeypatch.setitem(segment.PARALLEL_MIN_CHARS, backend, 0)
    seg = segs[(backend, True)]
    lines = _lines(sorted((ROOT / "corpus" / "raw").glob("*.txt")))[:300]
    paras = pd.DataFrame({
        "doc_id": [f"doc{i // 40}" for i in range(len(lines))],
        "para_id": [f"doc{i // 40}:p{i:04d}" for i in range(len(lines))],
        "text": lines,
    })
    stop = frozenset({"的", "推进"})
    serial = segment_docs(paras, segmenter=seg, stopwords=stop, pos_keep=("n", "nz", "vn"), workers=1)
    parallel = segment_docs(paras, segmenter=seg, stopwords=stop, pos_keep=("n", "nz", "vn"), workers=2)
    pd.testing.assert_frame_equal(serial, parallel)
    pooled = segment._cut_all(seg, lines, 2, None)
    assert [pooled.vocab[i] for i in pooled.ids] == [w for t in lines for w, *_ in seg.cut(t)]


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_pool_handles_surrogates_and_ascii(segs, monkeypatch, backend):
    # Token ids come from Arrow over the texts' UTF-8; a lone surrogate has
    # none and takes the pure-Python fallback, ASCII-only text skips the
    # byte-offset step.  Both must give what cut() gives.
    monkeypatch.setitem(segment.PARALLEL_MIN_CHARS, backend, 0)
    seg = segs[(backend, True)]
    for texts in (["甲\ud800乙，推进协商", "四同·四度", "", "PM_2.5 up 3.5%"], ["abc 12", "", "x-y"]):
        pooled = segment._cut_all(seg, texts, 2, None)
        assert [pooled.vocab[i] for i in pooled.ids] == [w for t in texts for w, *_ in seg.cut(t)]
        assert pooled.counts.tolist() == [len(seg.cut(t)) for t in texts]
        cut = segment._cut_ids(seg, texts)
        assert [cut.vocab[i] for i in cut.ids] == [w for t in texts for w, *_ in seg.cut(t)]


def test_pool_threshold_and_chunks():
    assert segment.PARALLEL_MIN_CHARS["rjieba"] > segment.PARALLEL_MIN_CHARS["jieba"] > 0
    lengths = segment.np.array([5, 5, 100, 1, 1, 1, 90, 10])
    groups = ["a", "a", "b", "c", "c", "c", "d", "d"]
    bounds = segment._chunk_bounds(lengths, groups, 3)
    # Contiguous, covering, cut only where the document changes.
    assert bounds[0][0] == 0 and bounds[-1][1] == len(lengths)
    assert all(a < b for a, b in bounds) and all(p[1] == q[0] for p, q in zip(bounds, bounds[1:]))
    assert all(groups[a] != groups[a - 1] for a, _ in bounds[1:])
    assert bounds == [(0, 3), (3, 6), (6, 8)]  # nearest document starts to 1/3 and 2/3
    assert segment._chunk_bounds(lengths, ["x"] * 8, 4) == [(0, 8)]


def test_punct_rule_is_isalnum():
    # Punctuation is found with a regex for speed; it must equal "no str.isalnum() character".
    for cp in range(0, 0x30000, 3):
        ch = chr(cp)
        assert (segment._ALNUM.search(ch) is None) == (not ch.isalnum()), hex(cp)
    assert segment._ALNUM.search("，。") is None and segment._ALNUM.search("·a") is not None


def test_build_prints_nothing(capfd):
    build_segmenter("强省会 3000 nz", backend="jieba").cut("强省会")
    build_segmenter("强省会 3000 nz", backend="rjieba").cut("强省会")
    assert capfd.readouterr() == ("", "")


def test_errors():
    with pytest.raises(ConfigError, match="Unknown segment backend 'spacy'"):
        build_segmenter("", backend="spacy")
    with pytest.raises(LexiconError, match="line 2"):
        parse_userdict("强省会 3000 nz\n强 省会 x 1\n")
    with pytest.raises(LexiconError, match="frequency 0"):
        parse_userdict("强省会 0 nz")
    seg = build_segmenter("", backend="rjieba", pos=False)
    with pytest.raises(SchemaError, match="text"):
        segment_docs(pd.DataFrame({"doc_id": [], "para_id": []}), segmenter=seg, stopwords=frozenset())
    with pytest.raises(EmptyResultError):
        segment_docs(pd.DataFrame({"doc_id": [], "para_id": [], "text": []}), segmenter=seg, stopwords=frozenset())
    one = pd.DataFrame({"doc_id": ["d"], "para_id": ["d:p0"], "text": ["协商"]})
    with pytest.raises(ConfigError, match="pos=False"):
        segment_docs(one, segmenter=seg, stopwords=frozenset(), pos_keep=("n",))


# --------------------------------------------------------------------------- no lexicon term split (issue 10)

_OVERLAP_DICT = "中央八项规定 3000 nz\n八项规定精神 3000 nz\n文化强国 3000 nz\n强国建设 3000 nz\n反右派斗争 3000 nz\n协商民主 3000 nz"


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_overlapping_dictionary_words_never_split_a_term(backend):
    # Cases the issue found: without protection jieba's DAG prefers the
    # overlapping word, with it the leftmost longest lexicon term is whole.
    terms = [t.word for t in parse_userdict(_OVERLAP_DICT)]
    cases = {
        "推进文化强国建设": ["推进", "文化强国", "建设"],
        "反右派斗争扩大化": ["反右派斗争", "扩大化"],
        "落实中央八项规定精神": ["落实", "中央八项规定", "精神"],
    }
    before = build_segmenter(_OVERLAP_DICT, backend=backend, protect_terms=False)
    after = build_segmenter(_OVERLAP_DICT, backend=backend)
    assert [t[0] for t in before.cut("推进文化强国建设")] == ["推进", "文化", "强国建设"]  # the bug
    for text, want in cases.items():
        toks = [t[0] for t in after.cut(text)]
        assert toks == want
        assert {st for _, _, st in segment.term_splits(text, toks, terms)} <= {"whole", "inside", "overlap"}
    # 八项规定精神 loses to the leftmost 中央八项规定: reported as overlap, not split.
    assert ("八项规定精神", 4, "overlap") in segment.term_splits("落实中央八项规定精神", cases["落实中央八项规定精神"], terms)


def test_term_splits_counts_plain_search_occurrences():
    terms = ["文化强国", "强国", "协商"]
    rows = segment.term_splits("文化强国，强国，协商议事", ["文化", "强国", "，", "强国", "，", "协商议事"], terms)
    assert rows == [("文化强国", 0, "split"), ("强国", 2, "whole"), ("强国", 5, "whole"), ("协商", 8, "split")]
    with pytest.raises(ValueError):
        segment.term_splits("文化", ["文"], terms)


def _overlap_contexts(terms: list[str]) -> list[str]:
    """Each term between characters that form dictionary words with its edges (三农 → 三农业, 第三农)."""
    from pipeline import basedict

    freq, _ = basedict._prefix_dict()
    before: dict[str, list[tuple[int, str]]] = {}
    after: dict[str, list[tuple[int, str]]] = {}
    for w, f in freq.items():
        if len(w) == 2 and f > 0:
            before.setdefault(w[1], []).append((f, w[0]))
            after.setdefault(w[0], []).append((f, w[1]))

    def top(d, c):
        return [x for _, x in sorted(d.get(c, []), reverse=True)[:2]]

    return [p + t + s for t in terms for p in ["", *top(before, t[0])] for s in ["", *top(after, t[-1])]]


def test_no_project_lexicon_term_is_split_next_to_overlapping_words():
    terms = [t.word for t in parse_userdict(USERDICT) if len(t.word) > 1]
    texts = _overlap_contexts(terms)

    def split(seg):
        return [x for x in texts if any(st == "split" for *_, st in segment.term_splits(x, [t[0] for t in seg.cut(x)], terms))]

    # The contexts do reach the bug: unprotected, about 1 in 25 splits a term.
    assert len(split(build_segmenter(USERDICT, backend="rjieba", protect_terms=False))) > 100
    protected = {b: build_segmenter(USERDICT, backend=b) for b in ("jieba", "rjieba")}
    assert split(protected["rjieba"]) == []
    assert [protected["jieba"].cut(x) for x in texts] == [protected["rjieba"].cut(x) for x in texts]


def test_protected_segmenter_pickles_with_its_setting():
    seg = build_segmenter(_OVERLAP_DICT, backend="jieba", protect_terms=False)
    assert pickle.loads(pickle.dumps(seg)).protect_terms is False
