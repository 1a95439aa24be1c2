"""Content-addressed cache of stage results.

A stage's key is ``sha256(stage name, source of the modules it runs,
versions of the libraries that change its output, canonical JSON of its
params, fingerprints of its inputs)``.  Keys never contain timestamps or
paths, so the same inputs give the same key on any machine, and a refresh
recomputes only the stages whose key changed.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path
from types import ModuleType

import pandas as pd

from . import io

# Libraries whose version can change a stage's output.
_LIBS = ("jieba", "rjieba", "opencc", "ftfy", "scikit-learn", "networkx", "pandas", "pdfplumber", "datasketch")


def library_versions(names: tuple[str, ...] = _LIBS) -> dict[str, str]:
    """Installed version of each distribution named ('absent' when not installed)."""
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def code_hash(*modules: ModuleType) -> str:
    """Hash the source files of the modules given (and the library versions).

    The file is read at call time, so an edit made after import still
    changes the hash.

    Examples
    --------
    >>> from pipeline import records
    >>> len(code_hash(records)) == 64
    True
    """
    h = hashlib.sha256()
    for mod in sorted(set(modules), key=lambda m: m.__name__):
        h.update(mod.__name__.encode())
        h.update(Path(mod.__file__).read_bytes())
    h.update(json.dumps(library_versions(), sort_keys=True).encode())
    return h.hexdigest()


def stage_key(stage: str, code: str, params: dict, inputs: dict[str, str]) -> str:
    """Combine stage name, code hash, params and input fingerprints into a key.

    Examples
    --------
    >>> a = stage_key("topics", "c", {"k": 8, "seed": 1}, {"tokens": "f"})
    >>> a == stage_key("topics", "c", {"seed": 1, "k": 8}, {"tokens": "f"})
    True
    >>> a == stage_key("topics", "c", {"k": 9, "seed": 1}, {"tokens": "f"})
    False
    """
    payload = json.dumps(
        {"stage": stage, "code": code, "params": params, "inputs": inputs},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class Cache:
    """Stage results stored as ``<root>/<stage>/<key>/<table>.parquet``."""

    def __init__(self, root: Path, *, enabled: bool = True):
        self.root = root
        self.enabled = enabled

    def get(self, stage: str, key: str) -> dict[str, pd.DataFrame] | None:
        folder = self.root / stage / key
        if not self.enabled or not (folder / "_complete").is_file():
            return None
        return {name: pd.read_parquet(p) for name, p in io.iter_cache_tables(folder)}

    def put(self, stage: str, key: str, tables: dict[str, pd.DataFrame]) -> None:
        if not self.enabled:
            return
        folder = self.root / stage / key
        for name, df in tables.items():
            io.write_parquet(folder / f"{name}.parquet", df)
        # Written last: a folder without it is an interrupted write and is ignored.
        io.write_text(folder / "_complete", key)
