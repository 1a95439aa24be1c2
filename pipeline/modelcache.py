"""Models derived from library data, built once and kept on disk (issue 9).

The character model of ``ingest.mojibake`` takes seconds to build from
jieba's ``dict.txt``, on every start and in every worker process.  It
depends only on that file and on the code that builds it, so it is stored
as a pickle named by the SHA-256 of both (and of the Python version): any
change to either builds a new one, and a stale file is never read.

The folder is ``$CPPCC_MODEL_CACHE``, else ``$XDG_CACHE_HOME/cppcc-pipeline``,
else ``~/.cache/cppcc-pipeline``.  This is the one place outside ``io.py``
that touches files, because what it stores is not corpus or output data but
a derived copy of an installed library's data; when the folder cannot be
written, the model is simply built in memory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_dir() -> Path:
    """The folder that holds the cached models.

    Examples
    --------
    >>> cache_dir().name in ("cppcc-pipeline", os.environ.get("CPPCC_MODEL_CACHE", "").rstrip("/").rsplit("/", 1)[-1])
    True
    """
    if os.environ.get("CPPCC_MODEL_CACHE"):
        return Path(os.environ["CPPCC_MODEL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cppcc-pipeline"


def cached_model(name: str, build: Callable[[], T], *depends_on: Path) -> T:
    """Return ``build()``, from the disk cache when the same inputs built it before.

    Parameters
    ----------
    name : str
        File-name prefix of the pickle.
    build : callable
        Builds the model; its module's source is part of the key.
    *depends_on : Path
        Data files the model is built from (their bytes are part of the key).

    Returns
    -------
    object
        What ``build()`` returns (or returned, for the same key).

    Examples
    --------
    >>> cached_model("例子", lambda: {"政协": 1}, Path(__file__))["政协"]
    1
    """
    h = hashlib.sha256(f"{name}\0{sys.version_info[:2]}\0{pickle.HIGHEST_PROTOCOL}".encode())
    for path in (Path(sys.modules[build.__module__].__file__), *depends_on):
        h.update(Path(path).read_bytes())
    target = cache_dir() / f"{name}-{h.hexdigest()[:24]}.pickle"
    try:
        with target.open("rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError):
        pass  # not built yet, or unreadable: build it
    model = build()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary file and renamed, so a parallel worker never
        # reads half a pickle.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only home: the model still works, it is just rebuilt next time
    return model
