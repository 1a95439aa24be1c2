"""Tests of pipeline.ingest.dedupe: exact/near duplicates, containment, internal repeats, real corpora."""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import ConfigError, EmptyResultError, SchemaError
from pipeline.ingest.dedupe import find_duplicates, find_internal_repeats

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"

# Distinct report-like paragraphs, so shingle sets of different texts barely overlap.
_PARAS = [
    "一年来，我们坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻中共二十大精神。",
    "聚焦高质量发展建言资政，围绕强省会行动开展专题协商，形成调研报告十二篇。",
    "坚持团结和民主两大主题，广泛凝聚共识，组织委员深入基层开展协商议事活动一百余次。",
    "加强委员队伍建设，健全履职档案，推动委员在界别群众中发挥代表作用。",
    "推进提案工作提质增效，立案提案四百二十件，办复率达到百分之百。",
    "深化专门协商机构建设，完善协商议政格局，提高协商质量和水平。",
    "加强机关作风建设，严格落实中央八项规定精神，营造风清气正的政治生态。",
    "发挥文史资料存史资政作用，编辑出版文史资料丛书三册。",
]
BASE = "\n".join(_PARAS)
OTHER = "\n".join(p[::-1] for p in _PARAS)  # same characters, unrelated shingles


def _docs(**texts: str) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": list(texts), "text": list(texts.values())})


def test_exact_duplicates_ignore_whitespace():
    spaced = BASE.replace("，", "， ").replace("\n", "\n\n\u3000\u3000")
    out = find_duplicates(_docs(a=BASE, b=spaced, c=OTHER), min_shingles=10)
    assert out["dup_group"].tolist()[:2] == ["dup-0000", "dup-0000"]
    assert pd.isna(out.loc[2, "dup_group"]) and pd.isna(out.loc[2, "dup_kind"])
    assert out["dup_kind"].tolist()[:2] == ["exact", "exact"]
    assert out["is_canonical"].tolist() == [True, False, True]  # tie on length → smaller doc_id
    assert out.loc[1, "similarity"] == 1.0
    assert list(out.columns) == [
        "doc_id",
        "dup_group",
        "dup_kind",
        "is_canonical",
        "similarity",
        "containment",
        "internal_repeat",
        "is_compilation",
        "contained_in",
        "contained_kind",
        "contained_share",
    ]


def test_near_duplicate_is_verified_and_scored():
    edited = BASE.replace("十二篇", "十三篇").replace("四百二十件", "四百三十件")
    out = find_duplicates(_docs(x=BASE, y=edited, z=OTHER))
    assert out["dup_group"].tolist()[:2] == ["dup-0000", "dup-0000"]
    assert out["dup_kind"].tolist()[:2] == ["near", "near"]
    assert 0.8 <= out.loc[1, "similarity"] < 1.0
    assert pd.isna(out.loc[2, "dup_group"])


def test_truncated_copy_joins_by_containment_and_full_text_is_canonical():
    head = "\n".join(_PARAS[:5])  # ~60% of the text: Jaccard well below 0.8
    out = find_duplicates(_docs(full=BASE, part=head), min_shingles=10)
    assert out["dup_group"].notna().all() and out["dup_group"].nunique() == 1
    assert out["is_canonical"].tolist() == [True, False]
    assert out.loc[1, "similarity"] < 0.8 <= out.loc[1, "containment"]
    # Below min_shingles a contained text is not linked.
    assert (
        find_duplicates(_docs(full=BASE, part=head), min_shingles=10_000)["dup_group"].isna().all()
    )


def test_short_passage_does_not_chain_two_reports():
    quote = _PARAS[0]
    a = BASE
    b = quote + "\n" + OTHER  # an unrelated report that quotes one paragraph of a
    out = find_duplicates(_docs(a=a, b=b, q=quote), min_shingles=10)
    assert out.set_index("doc_id")["dup_group"].isna().to_dict() == {
        "a": False,
        "b": True,
        "q": False,
    }


def test_internal_repeats_and_canonical_prefers_complete_text():
    twice = BASE + "\n" + BASE.replace("\n", "")
    spans = find_internal_repeats(twice, min_len=100)
    assert spans == [(len(BASE) + 1, len(twice), 0)]
    s, e, src = spans[0]
    assert twice[s:e] == BASE.replace("\n", "")
    out = find_duplicates(_docs(a_twice=twice, b_once=BASE), repeat_min_len=100, min_shingles=10)
    assert out["internal_repeat"].round(3).tolist() == [0.5, 0.0]
    # Same compact length once the repeat is removed → tie → doc_id order.
    assert out["is_canonical"].tolist() == [True, False]
    assert find_internal_repeats(BASE, min_len=100) == []
    assert find_internal_repeats("哈" * 1000, min_len=100) == []  # periodic, not a copy


def test_deterministic_and_seeded():
    docs = _docs(a=BASE, b=BASE.replace("三册", "四册"), c=OTHER, d=OTHER + "。")
    first = find_duplicates(docs, seed=3)
    pd.testing.assert_frame_equal(first, find_duplicates(docs, seed=3))
    pd.testing.assert_frame_equal(
        first, find_duplicates(docs, seed=7)
    )  # verified pairs do not depend on the seed
    assert first["dup_group"].tolist() == ["dup-0000", "dup-0000", "dup-0001", "dup-0001"]
    # Row order does not change the groups.
    rev = (
        find_duplicates(docs.iloc[::-1].reset_index(drop=True), seed=3)
        .set_index("doc_id")
        .loc[list("abcd")]
    )
    assert rev["dup_group"].tolist() == first["dup_group"].tolist()


def test_errors_and_warnings():
    with pytest.raises(SchemaError, match="text"):
        find_duplicates(pd.DataFrame({"doc_id": ["a"]}))
    with pytest.raises(EmptyResultError):
        find_duplicates(pd.DataFrame({"doc_id": [], "text": []}))
    with pytest.raises(SchemaError, match="'a' occurs more than once"):
        find_duplicates(_docs(a=BASE).pipe(lambda d: pd.concat([d, d])))
    with pytest.raises(ConfigError, match="threshold=1.5"):
        find_duplicates(_docs(a=BASE), threshold=1.5)
    with pytest.raises(ConfigError, match="min_len=3"):
        find_internal_repeats(BASE, min_len=3)
    with pytest.warns(UserWarning, match="no text"):
        out = find_duplicates(_docs(a=BASE, e="  \n", f=""))
    assert out["dup_group"].isna().all()
    docs = _docs(a=BASE, b=BASE).assign(year=[2024, 2025])
    with pytest.warns(UserWarning, match=r"mixes years \[2024, 2025\]"):
        find_duplicates(docs, across_years=True)


def test_different_years_never_merge_and_containment_is_reported():
    head = "\n".join(_PARAS[:5])
    docs = _docs(a=BASE, b=BASE, c=head).assign(year=[2024, 2025, 2024])
    out = find_duplicates(docs, min_shingles=10).set_index("doc_id")
    # a and c (2024) group; b (2025) has the same text but another year: counted, reported.
    assert out.loc["a", "dup_group"] == out.loc["c", "dup_group"] and pd.isna(out.loc["b", "dup_group"])
    assert out["is_canonical"].tolist() == [True, True, False]
    assert (out.loc["a", "contained_in"], out.loc["a", "contained_kind"]) == ("b", "other_year")


def test_compilation_is_detected_and_its_parts_are_counted():
    parts = ["\n".join(_PARAS[:3]), "\n".join(_PARAS[3:6]), "\n".join(_PARAS[6:])]
    whole = "\n".join(f"{2020 + k}年报告\n{p}" for k, p in enumerate(parts))
    docs = _docs(y2020=parts[0], y2021=parts[1], y2022=parts[2], all=whole).assign(year=[2020, 2021, 2022, 2022])
    out = find_duplicates(docs, min_shingles=10).set_index("doc_id")
    assert out["is_compilation"].tolist() == [False, False, False, True]
    assert out["is_canonical"].tolist() == [True, True, True, False]
    assert out["dup_group"].isna().all()  # the 2022 part is not grouped with the compilation
    assert set(out["contained_in"].dropna()) == {"all"} and set(out["contained_kind"].dropna()) == {"compilation"}
    # Without its parts in the corpus, a long text is just a document.
    alone = find_duplicates(docs.iloc[[0, 3]], min_shingles=10).set_index("doc_id")
    assert not alone["is_compilation"].any()


@pytest.mark.skipif(not (SHARED / "gwr-hprc").exists(), reason="../shared/corpora not present")
def test_national_reports_from_two_sources_pair_up_by_year():
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_dedupe

    docs = bench_dedupe.load(SHARED)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a group mixing years would warn
        out = find_duplicates(docs[["doc_id", "text", "year"]])
    elapsed = time.perf_counter() - t0
    res = bench_dedupe.score(docs, out)
    assert res["shared_years"] == 48
    assert res["pairs_found"] == 48 and res["missed"] == []
    assert res["false_groups"] == [] and res["unexpected_grouped"] == []
    by_id = out.set_index("doc_id")
    # hprc 2007 is a truncated copy (~67% of Wikisource's): joined by containment.
    assert (
        by_id.loc["gwr-hprc:2007", "similarity"] < 0.8 <= by_id.loc["gwr-hprc:2007", "containment"]
    )
    assert not by_id.loc["gwr-hprc:2007", "is_canonical"]
    # hprc 1959 holds the whole report twice.
    assert by_id.loc["gwr-hprc:1959", "internal_repeat"] == pytest.approx(0.5, abs=0.01)
    assert elapsed < 30
