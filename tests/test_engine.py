"""Engines for per-file work: serial, local process pool and Dask give the same tables."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from conftest import ROOT

from pipeline import Config, run
from pipeline.engine import Call, check_engine, map_files
from pipeline.errors import ConfigError


def _tables(engine: dict, out, until: str = "ingest") -> dict[str, pd.DataFrame]:
    cfg = Config(root=ROOT, outputs=out, progress=False, cache=False).with_overrides({"engine": engine})
    return run(cfg, until=until).tables


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_process_pool_gives_the_serial_tables(tmp_path):
    serial = _tables({"workers": 1}, tmp_path / "serial")
    pooled = _tables({"workers": 2, "parallel_min_mb": 0}, tmp_path / "pool")
    assert len(serial["documents"]) == 5
    _assert_same(serial, pooled)


def test_a_file_over_the_time_limit_is_skipped_and_the_batch_goes_on():
    calls = [Call("快.txt", len, ("政协",), {}, size=10**7), Call("慢.txt", time.sleep, (600,), {}, size=10**7),
             Call("后.txt", len, ("工作报告",), {}, size=10**7)]
    for workers in (1, 2):
        t = time.perf_counter()
        got = list(map_files(calls, workers=workers, file_timeout=1.0, parallel_min_mb=0))
        assert time.perf_counter() - t < 300  # did not wait for the stuck file
        assert [o.value for o in got] == [2, None, 4]
        assert got[1].label == "慢.txt" and "per-file limit of 1 s" in got[1].skipped


def test_engine_settings_are_checked_before_reading():
    with pytest.raises(ConfigError, match="needs the Dask engine"):
        check_engine("local", 0, 10, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ConfigError, match="engine.workers"):
        check_engine("local", -1, 10)


def test_dask_local_cluster_gives_every_table_of_the_local_engine(tmp_path, sample_run):
    pytest.importorskip("dask.distributed", reason="Dask is an optional extra: pip install '.[dask]'")
    local = sample_run["result"].tables  # the whole chain on the local engine
    dask = _tables({"kind": "dask", "workers": 2}, tmp_path / "dask", until="themes")
    assert {"documents", "ingest_errors", "tokens", "topics", "network_edges", "theme_hits", "emerging"} <= set(dask)
    _assert_same({n: local[n] for n in dask}, dask)
