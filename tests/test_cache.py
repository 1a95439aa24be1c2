import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cache import Cache, stage_key

params = st.dictionaries(st.text(min_size=1, max_size=5), st.integers() | st.text(max_size=5), min_size=1, max_size=6)


@given(params)
def test_key_ignores_param_order(p):
    reordered = dict(reversed(list(p.items())))
    assert stage_key("topics", "code", p, {"x": "1"}) == stage_key("topics", "code", reordered, {"x": "1"})


@given(params, st.text(min_size=1, max_size=5))
def test_key_changes_with_any_param_or_input(p, extra):
    base = stage_key("topics", "code", p, {"x": "1"})
    assert base != stage_key("topics", "code", {**p, extra + "_new": 1}, {"x": "1"})
    assert base != stage_key("topics", "code", p, {"x": "2"})
    assert base != stage_key("topics", "other", p, {"x": "1"})


def test_cache_round_trip_and_incomplete_entries(tmp_path):
    cache = Cache(tmp_path)
    tables = {"t": pd.DataFrame({"term": ["协商", "民主"], "n": [3, 2]})}
    assert cache.get("s", "k") is None
    cache.put("s", "k", tables)
    pd.testing.assert_frame_equal(cache.get("s", "k")["t"], tables["t"])
    (tmp_path / "s" / "k" / "_complete").unlink()  # as if the writer died
    assert cache.get("s", "k") is None
    assert Cache(tmp_path, enabled=False).get("s", "k") is None
