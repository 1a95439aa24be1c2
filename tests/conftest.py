"""Shared fixtures: project paths and one cached run of the sample corpus."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI draws the same Hypothesis examples on every run, so a red CI is reproducible and
# never depends on the draw; a developer's run (no CI) still explores new examples.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


def tree_hash(folder: Path) -> str:
    """Hash of every file's path, bytes and mode under ``folder``."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
            h.update(str(p.stat().st_mode).encode())
    return h.hexdigest()


@pytest.fixture(scope="session", autouse=True)
def raw_inputs_untouched():
    """Nothing lost: every raw file the tests read has the same bytes and mode after the session."""
    folders = [ROOT / "corpus", CORPORA]
    before = {f: tree_hash(f) for f in folders if f.is_dir()}
    yield before
    changed = [str(f) for f, h in before.items() if tree_hash(f) != h]
    assert not changed, f"raw inputs modified during the tests: {changed}"


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """Run the whole chain once on corpus/ into a temporary outputs folder."""
    from pipeline import Config, run

    out = tmp_path_factory.mktemp("outputs")
    before = tree_hash(ROOT / "corpus")
    cfg = Config(root=ROOT, outputs=out, progress=False)
    res = run(cfg)
    return {"result": res, "config": cfg, "outputs": out, "corpus_hash_before": before}
