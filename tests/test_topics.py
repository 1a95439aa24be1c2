import pandas as pd
import pytest

from pipeline.errors import ConfigError, EmptyResultError
from pipeline.topics import fit_topics


def _tables():
    # Two clearly separated vocabularies, 6 paragraphs each, in two years.
    a = ["社区协商", "民生", "居民", "议事", "基层", "服务"]
    b = ["数字经济", "产业", "投资", "园区", "企业", "创新"]
    rows, docs = [], []
    for i in range(12):
        vocab = a if i % 2 == 0 else b
        doc = f"d{i % 4}"
        for j, tok in enumerate(vocab[(i // 2) % 2 :] + vocab[: (i // 2) % 2]):
            rows.append({"doc_id": doc, "para_id": f"{doc}:p{i:04d}", "token_index": j, "token": tok,
                         "start": 0, "end": 0, "pos": "n", "keep": True})
        rows.append({"doc_id": doc, "para_id": f"{doc}:p{i:04d}", "token_index": 99, "token": "，",
                     "start": 0, "end": 0, "pos": "x", "keep": False})
    docs = pd.DataFrame({"doc_id": ["d0", "d1", "d2", "d3"], "year": [2020, 2020, 2021, 2021], "is_canonical": True})
    return pd.DataFrame(rows), docs


def test_every_unit_gets_exactly_one_topic_and_topics_separate_vocabularies():
    tokens, docs = _tables()
    out = fit_topics(tokens, docs, n_topics=2, min_df=1, max_df=1.0, min_unit_tokens=3, seed=1)
    assign = out["topic_assignments"]
    assert assign["unit_id"].is_unique and len(assign) == 12
    # Pinned seeded result: each topic holds one vocabulary.
    labels = set(out["topics"]["top_terms"].map(lambda s: frozenset(s.split())))
    assert labels == {frozenset(["社区协商", "民生", "居民", "议事", "基层", "服务"]),
                      frozenset(["数字经济", "产业", "投资", "园区", "企业", "创新"])}
    trends = out["topic_trends"]
    assert trends.groupby("year")["share"].sum().round(9).eq(1).all()


def test_same_seed_same_topics():
    tokens, docs = _tables()
    a = fit_topics(tokens, docs, n_topics=2, min_df=1, max_df=1.0, min_unit_tokens=3, seed=7)
    b = fit_topics(tokens, docs, n_topics=2, min_df=1, max_df=1.0, min_unit_tokens=3, seed=7)
    pd.testing.assert_frame_equal(a["topic_assignments"], b["topic_assignments"])


def test_errors_prescribe_the_fix():
    tokens, docs = _tables()
    with pytest.raises(ConfigError, match="at least 2"):
        fit_topics(tokens, docs, n_topics=1)
    with pytest.raises(EmptyResultError, match="Lower topics.n_topics"):
        fit_topics(tokens, docs, n_topics=50, min_df=1, min_unit_tokens=3)
    with pytest.raises(EmptyResultError, match="Lower topics.min_df"):
        fit_topics(tokens, docs, n_topics=2, min_df=100, min_unit_tokens=3)
