"""The one runner: a loop over the declared stage table (``pipeline/stages.py``).

``run(config)`` executes the stages in table order up to ``until``, reusing
every stage result whose cache key has not changed, and writes what each
stage declares.  The CLI and the notebooks both call it; neither holds
analysis logic, and the loop below holds no stage-specific code.

A stage's key is its name, the source of its declared modules (and
``records``), its params, the text of its lexicon files and the keys of
the stages that produced its inputs.  Stages are deterministic, so an
upstream key fingerprints that stage's output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io as _io
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from . import engine, io, records
from .cache import Cache, code_hash, library_versions, stage_key
from .config import Config
from .errors import ConfigError
from .stages import PIPELINE, Stage

STAGES = tuple(s.name for s in PIPELINE)


@dataclass
class RunResult:
    """What a run produced: its tables, where it wrote them, and how it went."""

    outputs: Path
    tables: dict[str, pd.DataFrame]
    manifest: dict
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def report_path(self) -> Path:
        return self.outputs / "report.html"


Logger = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def run(
    config: Config | None = None,
    *,
    until: str = "report",
    log: Logger = _quiet,
    stages: tuple[Stage, ...] = PIPELINE,
    **overrides,
) -> RunResult:
    """Run the pipeline on ``config.corpus`` and write ``config.outputs``.

    Parameters
    ----------
    config : Config, optional
        Defaults to ``Config()`` (the project's ``corpus/``).
    until : str
        Last stage to run: one of ``STAGES`` (or of ``stages``).
    log : callable
        Receives one-line messages (skipped files, stage status); the CLI prints them.
    stages : tuple of Stage
        The stage table (default ``stages.PIPELINE``); add a row to add a stage.
    **overrides
        Nested overrides, e.g. ``topics={"n_topics": 6}``.

    Returns
    -------
    RunResult
    """
    cfg = (config or Config()).with_overrides(overrides) if overrides else (config or Config())
    names = [s.name for s in stages]
    if until not in names:
        raise ConfigError(f"Unknown stage {until!r}. Choose one of: {', '.join(names)}.")
    out = cfg.path(cfg.outputs)
    cache = Cache(out / "cache", enabled=cfg.cache)
    t0 = time.perf_counter()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    manifest = {"run_id": run_id, "corpus": str(cfg.path(cfg.corpus)), "config": cfg.as_dict(),
                "stages": {}, "versions": _versions()}
    values: dict = {"run_info": manifest}  # every table so far, by name
    keys: dict[str, str] = {}  # table name → key of the stage that made it
    skipped: list[tuple[str, str]] = []
    for stage in stages[: names.index(until) + 1]:
        t = time.perf_counter()
        missing = [n for n in stage.inputs if n not in values]
        if missing:
            raise ConfigError(f"Stage {stage.name!r} needs {', '.join(missing)}, which no earlier stage makes. Fix the stage table.")
        params = _params(cfg, stage)
        texts = {lx.arg: io.read_lexicon(cfg.path(cfg.lexicon), lx.pattern) for lx in stage.lexicon}
        kwargs = {**params, **{lx.arg: lx.parse(texts[lx.arg]) for lx in stage.lexicon}}
        keyed = {k: v for k, v in params.items() if k not in stage.unkeyed}
        keyed["lexicon"] = {a: hashlib.sha256(x.encode()).hexdigest() for a, x in texts.items()}
        code = code_hash(*stage.modules, records)
        if stage.per_file:
            result, key, state = _each_file(stage, cfg, cache, code, keyed, kwargs, skipped, log)
        else:
            key = stage_key(stage.name, code, keyed, {n: keys.get(n, n) for n in stage.inputs})
            result = cache.get(stage.name, key) if stage.cache else None
            state = "cached"
            if result is None:
                result = stage.func(**{n: values[n] for n in stage.inputs}, **kwargs)
                if stage.cache:
                    cache.put(stage.name, key, result)
                # An uncached stage (the report) is redone every run; it is not a change.
                state = "computed" if stage.cache else "rendered"
        values.update(result)
        keys.update(dict.fromkeys(result, key))
        if "documents" in result:
            manifest["counts"] = _counts(result["documents"], values, skipped)
        for output in stage.outputs:
            WRITERS[output.kind](out, output.name, values)
        manifest["stages"][stage.name] = {"key": key, "state": state, "seconds": round(time.perf_counter() - t, 2)}
        log(f"{stage.name}: {state} in {manifest['stages'][stage.name]['seconds']} s")
    manifest["seconds"] = round(time.perf_counter() - t0, 2)
    io.write_json(out / "run.json", manifest)
    io.write_json(out / "runs" / f"{run_id}.json", manifest)
    tables = {k: v for k, v in values.items() if isinstance(v, pd.DataFrame)}
    return RunResult(outputs=out, tables=tables, manifest=manifest, skipped=skipped)


def _params(cfg: Config, stage: Stage) -> dict:
    if stage.config is None:
        return {}
    section = dataclasses.asdict(getattr(cfg, stage.config))
    return section if stage.params is None else {k: section[k] for k in stage.params}


def _each_file(stage: Stage, cfg: Config, cache: Cache, code: str, keyed: dict, kwargs: dict, skipped: list, log: Logger):
    """Map a per-file stage over the corpus, caching each file's result by its bytes.

    Cached files are read from the cache; the others go to ``engine.map_files``
    (serial, local worker processes or Dask, per ``cfg.engine``), whose
    results come back in corpus order, so the tables do not depend on it.
    """
    eng = cfg.engine
    engine.check_engine(eng.kind, eng.workers, eng.file_timeout, eng.scheduler)
    sources = io.list_sources(cfg.path(cfg.corpus), cfg.path(cfg.manifest), stage.per_file)
    slots: list = []  # per source in order: [key, result] or None when skipped
    calls, todo = [], []
    for src in _progress(sources, cfg.progress, stage.name):
        try:
            data = io.read_bytes(src.path)
        except OSError as exc:
            skipped.append((src.rel, f"cannot read: {exc.strerror or exc}"))
            log(f"Skipped {src.rel}: cannot read ({exc.strerror or exc}); check the path in the manifest")
            slots.append(None)
            continue
        ident = {"name": src.rel, "prefix": src.doc_prefix, "hints": list(src.hints), "bytes": hashlib.sha256(data).hexdigest()}
        key = stage_key(stage.name, code, keyed, ident)
        slots.append([key, cache.get(stage.name, key)])
        if slots[-1][1] is None:
            todo.append(len(slots) - 1)
            calls.append(engine.Call(src.rel, stage.func, (src.rel, data, dict(src.hints)),
                                     {"doc_prefix": src.doc_prefix, **kwargs}, size=len(data)))
    outcomes = engine.map_files(calls, kind=eng.kind, workers=eng.workers, scheduler=eng.scheduler,
                                file_timeout=eng.file_timeout, parallel_min_mb=eng.parallel_min_mb)
    computed = 0
    for i, outcome in zip(todo, outcomes, strict=True):
        if outcome.skipped is not None:
            skipped.append((outcome.label, outcome.skipped))
            log(f"Skipped {outcome.label}: {outcome.skipped}")
            slots[i] = None
            continue
        cache.put(stage.name, slots[i][0], outcome.value)
        slots[i][1] = outcome.value
        computed += 1
    # Skips in corpus order, whichever pass found them.
    order = {s.rel: n for n, s in enumerate(sources)}
    skipped.sort(key=lambda r: order.get(r[0], -1))
    files = [s[1] for s in slots if s is not None]
    file_keys = [s[0] for s in slots if s is not None]
    log(f"{stage.name}: {len(files)} files read ({computed} new or changed), {len(skipped)} skipped")
    errors = pd.DataFrame(skipped, columns=["source_file", "reason"])
    # The errors are part of the result: a changed skip list must change downstream keys.
    key = stage_key(stage.name, code, keyed, {"files": file_keys, "skipped": skipped})
    return {"files": files, "ingest_errors": errors}, key, ("computed" if computed else "cached")


def _counts(docs: pd.DataFrame, values: dict, skipped: list) -> dict:
    return {
        "documents": int(len(docs)),
        "canonical_documents": int(len(records.canonical(docs))),
        "characters": int(docs["n_chars"].sum()),
        "paragraphs": int(len(values.get("paragraphs", ()))),
        "skipped_files": len(skipped),
    }


# ------------------------------------------------------------ writers, by output kind


def _write_gexf(out: Path, _name: str, values: dict) -> None:
    # Built from the (cached) node and edge tables, so a cached run writes the same files.
    import networkx as nx

    from .network import to_graph

    nodes, edges = values["network_nodes"], values["network_edges"]
    for period in sorted(nodes["period"].unique()):
        buf = _io.BytesIO()
        nx.write_gexf(to_graph(nodes, edges, period), buf)
        io.write_bytes(out / "network" / f"cooccurrence_{period}.gexf", buf.getvalue())


def _write_figures(out: Path, name: str, values: dict) -> None:
    for fig_name, rendered in values[name].items():
        for fmt, data in rendered.items():
            io.write_bytes(out / "figures" / f"{fig_name}.{fmt}", data)


WRITERS: dict[str, Callable[[Path, str, dict], object]] = {
    "table": lambda out, name, values: io.write_table(out, name, values[name]),
    "parquet": lambda out, name, values: io.write_table(out, name, values[name], csv_too=False),
    "gexf": _write_gexf,
    "figures": _write_figures,
    "html": lambda out, name, values: io.write_text(out / name, values[name]),
}


def _progress(items, enabled: bool, desc: str):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="file", disable=None, leave=False, file=sys.stderr)


def _versions() -> dict[str, str]:
    names = ("cppcc-pipeline", "jieba", "rjieba", "opencc", "scikit-learn", "pandas", "networkx", "matplotlib", "pdfplumber")
    return {"python": platform.python_version(), **library_versions(names)}


def load(name: str, outputs: str | Path = "outputs") -> pd.DataFrame:
    """Load one table of a finished run as a DataFrame, without re-running anything.

    Parameters
    ----------
    name : str
        A table name, e.g. ``documents``, ``theme_years``, ``theme_hits``.
    outputs : path
        The run's outputs folder.

    Raises
    ------
    OutputError
        If the run or the table does not exist.
    """
    return io.read_table(Path(outputs), name)


def paragraphs_for(hits: pd.DataFrame, outputs: str | Path = "outputs") -> pd.DataFrame:
    """The paragraphs behind a set of rows that carry ``para_id`` (KWIC hits, topic assignments …)."""
    paras = load("paragraphs", outputs)
    key = "para_id" if "para_id" in hits.columns else "unit_id"
    return paras[paras["para_id"].isin(hits[key])].reset_index(drop=True)
