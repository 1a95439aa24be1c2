"""A refresh is safe to schedule: bad input, a second run, a failed or killed run, and determinism."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from bad_inputs import make_bad_corpus
from conftest import ROOT, tree_hash

from pipeline import Config, io, run
from pipeline.errors import CorpusError, RunLockedError, StrictError
from pipeline.stages import PIPELINE, Stage

SMALL = {"topics": {"n_topics": 3}}


def _small_corpus(folder: Path, n: int = 3) -> Path:
    (folder / "raw").mkdir(parents=True)
    for f in sorted((ROOT / "corpus" / "raw").glob("*.txt"))[:n]:
        shutil.copy(f, folder / "raw" / f.name)
    return folder


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: io.read_table(out, name) for name in io.list_tables(out)}


# ------------------------------------------------------------------ bad input


def test_two_hundred_bad_files_are_reported_and_the_good_ones_unchanged(sample_run, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus" / "raw", corpus / "raw")
    bad = make_bad_corpus(corpus / "raw" / "generated", n=210)
    assert len(bad) >= 200
    # The manifest lists the sample reports and every generated file, odd names included.
    with open(ROOT / "corpus" / "manifest.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    with open(corpus / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        w.writerows({"file": f"raw/generated/{b.rel}"} for b in bad)
    lines: list[str] = []
    # The generated readable files are work reports; count every type, as the sample run (no work-report majority) does.
    every_type = {"select": {"doc_types": ["work_report", "speech", "article", "resolution", "other"]}}
    cfg = Config(root=ROOT, corpus=corpus, outputs=tmp_path / "out", progress=False).with_overrides(every_type)
    res = run(cfg, log=lines.append)

    expected_errors = {f"raw/generated/{b.rel}" for b in bad if b.expect == "error"}
    errors = res.tables["ingest_errors"]
    assert set(errors["source_file"]) == expected_errors
    assert errors["reason"].str.len().min() > 10
    # One line per bad file, naming it.
    skipped = [m for m in lines if m.startswith("Skipped ")]
    assert len(skipped) == len(expected_errors)
    assert {m.split(": ", 1)[0].removeprefix("Skipped ") for m in skipped} == expected_errors
    # Every readable generated file (awkward names, one long line) was read.
    read = set(res.tables["documents"]["source_file"])
    assert {f"raw/generated/{b.rel}" for b in bad if b.expect == "ok"} <= read
    # The sample reports come out exactly as in a run without the bad files.
    base = sample_run["result"].tables
    ids = set(base["documents"]["doc_id"])
    for name in ("documents", "paragraphs", "sentences", "audit", "theme_hits"):
        got = res.tables[name][res.tables[name]["doc_id"].isin(ids)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, base[name].reset_index(drop=True), obj=name)
    tokens = io.read_table(tmp_path / "out", "tokens")
    pd.testing.assert_frame_equal(tokens[tokens["doc_id"].isin(ids)].reset_index(drop=True),
                                  io.read_table(sample_run["outputs"], "tokens"), obj="tokens")
    manifest = res.manifest
    assert manifest["status"] == "ok" and len(manifest["errors"]) == len(expected_errors)
    assert io.check_outputs(tmp_path / "out") == []


def test_strict_turns_an_unreadable_file_into_a_failure_and_publishes_nothing(tmp_path):
    corpus = _small_corpus(tmp_path / "c", 2)
    cfg = Config(root=ROOT, corpus=corpus, outputs=tmp_path / "out", progress=False).with_overrides(SMALL)
    run(cfg, until="ingest")
    before = tree_hash(tmp_path / "out" / "current")
    (corpus / "raw" / "坏 文件.pdf").write_bytes(b"%PDF-1.4 truncated")
    with pytest.raises(StrictError, match=r"1 raw file\(s\) could not be read and --strict is set \(first: raw/坏 文件.pdf: "):
        run(cfg, until="ingest", strict=True)
    assert tree_hash(tmp_path / "out" / "current") == before
    history = sorted((tmp_path / "out" / "runs").glob("*.json"))
    last = json.loads(history[-1].read_text(encoding="utf-8"))
    assert last["status"] == "failed" and last["error"].startswith("StrictError")
    assert [e["source_file"] for e in last["errors"]] == ["raw/坏 文件.pdf"]
    assert not [p for p in (tmp_path / "out" / "builds").iterdir() if p.name != io.current_build(tmp_path / "out").name]


def test_manifest_paths_outside_the_corpus_are_rejected(tmp_path):
    corpus = _small_corpus(tmp_path / "c", 1)
    (tmp_path / "secret.txt").write_text("政协秘密", encoding="utf-8")
    for bad in ("../secret.txt", str(tmp_path / "secret.txt"), "raw/../../secret.txt"):
        (corpus / "manifest.csv").write_text(f"file,year\n{bad},2020\n", encoding="utf-8")
        with pytest.raises(CorpusError, match=r"points outside the corpus folder .* move the file into the folder"):
            run(Config(root=ROOT, corpus=corpus, outputs=tmp_path / "out", progress=False), until="ingest")


# ------------------------------------------------------------------ one run at a time


def test_a_second_run_is_refused_or_waits_for_the_lock(tmp_path):
    corpus = _small_corpus(tmp_path / "c", 2)
    out = tmp_path / "out"
    cfg = Config(root=ROOT, corpus=corpus, outputs=out, progress=False)
    with io.run_lock(out, {"run_id": "R1", "pid": 123, "started": "then"}):
        with pytest.raises(RunLockedError, match=r"Another run, run R1 \(pid 123, started then\), is writing .*--wait SECONDS"):
            run(cfg, until="read")
    # With --wait the second run queues behind the first and then runs.
    release = threading.Event()

    def hold():
        with io.run_lock(out, {"run_id": "R2", "pid": 1, "started": "now"}):
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    time.sleep(0.3)
    threading.Timer(1.0, release.set).start()
    t0 = time.monotonic()
    res = run(cfg, until="read", wait=30)
    t.join()
    assert res.manifest["status"] == "ok" and time.monotonic() - t0 >= 0.5


def test_a_killed_holder_does_not_block_and_its_run_is_marked_interrupted(tmp_path):
    corpus = _small_corpus(tmp_path / "c", 2)
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    io.write_json(out / "runs" / "DEAD.json", {"run_id": "DEAD", "status": "running"})
    code = ("import sys, time; from pathlib import Path; from pipeline import io\n"
            "with io.run_lock(Path(sys.argv[1]), {'run_id': 'DEAD', 'pid': 0, 'started': 'x'}):\n"
            "    print('locked', flush=True); time.sleep(60)\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    p.send_signal(signal.SIGKILL)
    p.wait()
    res = run(Config(root=ROOT, corpus=corpus, outputs=out, progress=False), until="read")
    assert res.manifest["status"] == "ok"
    assert json.loads((out / "runs" / "DEAD.json").read_text(encoding="utf-8"))["status"] == "interrupted"


# ------------------------------------------------------------------ failed and killed runs


def _boom(**_):
    raise RuntimeError("stage failed half-way")


def test_a_failed_run_leaves_the_last_good_outputs(tmp_path):
    corpus = _small_corpus(tmp_path / "c", 2)
    out = tmp_path / "out"
    cfg = Config(root=ROOT, corpus=corpus, outputs=out, progress=False).with_overrides(SMALL)
    run(cfg, until="ingest")
    before = tree_hash(out / "current")
    (corpus / "raw" / "new.txt").write_text("政协工作报告\n（2024年1月5日）\n我们坚持协商民主。", encoding="utf-8")
    failing = (*PIPELINE[:2], Stage("explode", _boom, inputs=("documents",)))
    with pytest.raises(RuntimeError, match="half-way"):
        run(cfg, stages=failing, until="explode")
    assert tree_hash(out / "current") == before and io.check_outputs(out) == []
    assert len(io.read_table(out, "documents")) == 2
    assert [p.name for p in (out / "builds").iterdir()] == [io.current_build(out).name]


def test_outputs_hold_only_the_current_run(tmp_path, sample_run):
    # A full run, then a run of another corpus up to ingest: no figure, GEXF or table of the first survives.
    out = tmp_path / "out"
    shutil.copytree(sample_run["outputs"] / "current", out / "legacy")
    for name in ("tables", "figures", "network", "report.html"):  # a folder written before builds existed
        os.replace(out / "legacy" / name, out / name)
    corpus = _small_corpus(tmp_path / "c", 2)
    run(Config(root=ROOT, corpus=corpus, outputs=out, progress=False), until="ingest")
    assert io.check_outputs(out) == []
    assert not (out / "figures").exists() and not (out / "network").exists() and not (out / "report.html").exists()
    assert set(io.list_tables(out)) == {"documents", "paragraphs", "sentences", "audit", "duplicates", "ingest_errors"}
    assert len(io.read_table(out, "documents")) == 2
    assert sorted(p.name for p in (out / "builds").iterdir()) == [io.current_build(out).name]


def test_outputs_are_readable_by_group_and_others_under_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        corpus = _small_corpus(tmp_path / "c", 1)
        run(Config(root=ROOT, corpus=corpus, outputs=tmp_path / "out", progress=False), until="ingest")
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and not p.is_symlink()]
    assert files and {oct(p.stat().st_mode & 0o777) for p in files} == {"0o644"}


def _kill_during_run(cfg: Config, delay: float) -> str:
    """Run ``cfg`` in a forked child (no interpreter start-up) and kill -9 it after ``delay`` seconds."""
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=run, args=(cfg,))
    child.start()
    child.join(delay)
    if not child.is_alive():
        return "finished"
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    return "killed"


def test_kill_9_at_random_moments_never_leaves_a_mix(tmp_path):
    # The quick version of `make bench-refresh` (20 kills of the real CLI): 3 kills of a forked run.
    corpus = _small_corpus(tmp_path / "c", 2)
    out = tmp_path / "out"
    cfg = Config(root=ROOT, corpus=corpus, outputs=out, progress=False).with_overrides(SMALL)
    run(cfg)
    rng = random.Random(3)
    states = []
    for i, f in enumerate(sorted((ROOT / "corpus" / "raw").glob("*.txt"))[2:5]):
        shutil.copy(f, corpus / "raw" / f.name)
        states.append(_kill_during_run(cfg, rng.uniform(0.2, 2.5)))
        assert io.check_outputs(out) == [], (i, states)
        res = run(cfg)
        assert io.check_outputs(out) == [] and len(res.tables["documents"]) == 3 + i
        assert sorted(p.name for p in (out / "builds").iterdir()) == [io.current_build(out).name]
    assert "killed" in states
    # The refreshed outputs equal a run from scratch on the final corpus.
    run(cfg.with_overrides({"outputs": str(tmp_path / "ref"), "cache": False}))
    got, ref = _tables(out), _tables(tmp_path / "ref")
    assert set(got) == set(ref)
    for name in ref:
        pd.testing.assert_frame_equal(got[name], ref[name], obj=name)


# ------------------------------------------------------------------ determinism


def test_two_runs_on_the_same_input_give_identical_tables(sample_run, tmp_path):
    res = run(sample_run["config"].with_overrides({"outputs": str(tmp_path / "again"), "cache": False}))
    first, again = _tables(sample_run["outputs"]), _tables(tmp_path / "again")
    assert set(first) == set(again) and len(first) >= 18
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name], obj=name, check_exact=True)
    assert all(v["state"] in ("computed", "rendered") for v in res.manifest["stages"].values())
    csvs = sorted((tmp_path / "again" / "csv").glob("*.csv"))
    assert csvs and all(p.read_bytes() == (sample_run["outputs"] / "csv" / p.name).read_bytes() for p in csvs)


# ------------------------------------------------------------------ a file that hangs


def _read_or_hang(name, data, hints, **kwargs):
    if "卡住" in name:
        time.sleep(600)  # a pathological file: the reader never returns
    from pipeline.ingest import ingest_file

    return ingest_file(name, data, hints, **kwargs)


def test_a_file_that_hangs_is_skipped_at_the_time_limit_and_the_run_publishes(tmp_path):
    import dataclasses

    corpus = _small_corpus(tmp_path / "c", 2)
    (corpus / "raw" / "卡住 的.txt").write_text("政协工作报告\n（2024年1月5日）\n协商民主。", encoding="utf-8")
    hanging = (dataclasses.replace(PIPELINE[0], func=_read_or_hang), PIPELINE[1])
    cfg = Config(root=ROOT, corpus=corpus, outputs=tmp_path / "out", progress=False).with_overrides(
        {"engine": {"workers": 1, "file_timeout": 2}})
    lines: list[str] = []
    t = time.monotonic()
    res = run(cfg, stages=hanging, until="ingest", log=lines.append)
    assert time.monotonic() - t < 120
    assert res.tables["ingest_errors"]["source_file"].tolist() == ["raw/卡住 的.txt"]
    assert [m for m in lines if m.startswith("Skipped raw/卡住 的.txt: ") and "limit of 2 s" in m]
    assert len(res.tables["documents"]) == 2 and io.check_outputs(tmp_path / "out") == []
    with pytest.raises(StrictError, match="卡住"):
        run(cfg.with_overrides({"cache": False}), stages=hanging, until="ingest", strict=True)
