"""Smoke test of bench/bench_scale.py: the built corpora are deterministic and distinct, and one tiny run completes."""

from __future__ import annotations

import importlib.util
import json
import sys

import pandas as pd
import pytest
from conftest import CORPORA, ROOT

pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="needs ../shared/corpora")


def _bench():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "bench_scale.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_one_megabyte_corpus_is_deterministic_distinct_and_varied(tmp_path):
    bench = _bench()
    docs = bench.build_corpus(tmp_path / "a", 1)
    again = bench.build_corpus(tmp_path / "b", 1)
    assert [d.text for d in docs] == [d.text for d in again]
    assert sum(len(d.text.encode(d.encoding)) for d in docs) >= 1_000_000
    assert len({d.text for d in docs}) == len(docs)  # no copies: dedupe would collapse them
    manifest = pd.read_csv(tmp_path / "a" / "manifest.csv")
    assert manifest["year"].nunique() > 10 and manifest["city"].nunique() > 10 and manifest["doc_type"].nunique() >= 3
    assert all((tmp_path / "a" / f).is_file() for f in manifest["file"])
    # The smaller corpus is a prefix of the larger one, so sizes scale the same documents.
    assert [d.text for d in bench.build_corpus(tmp_path / "c", 0.3)] == [d.text for d in docs[: len(bench.build_corpus(tmp_path / "c", 0.3))]]


def test_a_tiny_run_records_stages_rss_and_jieba(tmp_path):
    bench = _bench()
    result = bench.main(["--sizes", "0.1", "--workdir", str(tmp_path), "--no-refresh"])
    row = result["rows"][0]
    assert set(row["analyze"]["stages"]) >= {"read", "ingest", "segment", "topics", "report"}
    assert row["analyze"]["maxrss_mb"] > 50 and row["jieba"]["seconds"] > 0
    counts = row["analyze"]["counts"]
    assert counts["documents"] == counts["canonical_documents"] == row["docs"]  # all read, none collapsed by dedupe
    assert json.loads((tmp_path / "bench_scale.json").read_text("utf-8"))["rows"][0]["docs"] == row["docs"]
    assert "ratio pipeline ÷ jieba" in (tmp_path / "bench_scale.md").read_text("utf-8")
