"""The one runner: a loop over the declared stage table (``pipeline/stages.py``).

``run(config)`` executes the stages in table order up to ``until``, reusing
every stage result whose cache key has not changed, and writes what each
stage declares.  The CLI and the notebooks both call it; neither holds
analysis logic, and the loop below holds no stage-specific code.

A stage's key is its name, the source of its declared modules (and
``records``), its params, the text of its lexicon files and the keys of
the stages that produced its inputs.  Stages are deterministic, so an
upstream key fingerprints that stage's output.

A publishing run is safe to schedule: it holds ``outputs/.lock``, writes
into a staging build that ``io.publish_build`` swaps in only after the last
stage, and records itself in ``outputs/runs/<run_id>.json`` (status,
hashes, versions, timings, unreadable files, document warnings) whether it
succeeds or fails.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io as _io
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from . import engine, io, records
from .cache import Cache, code_hash, library_versions, stage_key
from .config import Config
from .errors import ConfigError, StrictError
from .stages import PIPELINE, Stage

STAGES = tuple(s.name for s in PIPELINE)


@dataclass
class RunResult:
    """What a run produced: its tables, where it wrote them, and how it went."""

    outputs: Path
    tables: Mapping[str, pd.DataFrame]
    manifest: dict
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def report_path(self) -> Path:
        return self.outputs / "report.html"

    def __repr__(self) -> str:
        # The dataclass repr would print every table (15,000 characters); a notebook wants one line.
        c = self.manifest.get("counts", {})
        return (f"<RunResult {self.outputs}: {c.get('documents', '?')} documents "
                f"({c.get('canonical_documents', '?')} counted), {len(self.tables)} tables, "
                f"{len(self.skipped)} skipped file(s); pipeline.load(outputs) to explore>")

    @property
    def nothing_new(self) -> bool:
        """True when the run found nothing changed and left the outputs as they were."""
        return bool(self.manifest.get("nothing_new"))


class _SavedTables(Mapping):
    """The tables of the current outputs, read from disk when first asked for."""

    def __init__(self, outputs: Path):
        self._outputs, self._names, self._got = outputs, io.list_tables(outputs), {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._got:
            if name not in self._names:
                raise KeyError(name)
            self._got[name] = io.read_table(self._outputs, name)
        return self._got[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


Logger = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def run(
    config: Config | None = None,
    *,
    until: str = "report",
    log: Logger = _quiet,
    stages: tuple[Stage, ...] = PIPELINE,
    publish: bool = True,
    strict: bool = False,
    wait: float = 0.0,
    **overrides,
) -> RunResult:
    """Run the pipeline on ``config.corpus`` and write ``config.outputs``.

    A publishing run holds the outputs folder's lock, writes into a staging
    build and swaps it in only when every stage has finished, so a run that
    fails or is killed leaves the previous outputs whole.  When the corpus,
    config, lexicon and code are those of the current outputs, it does
    nothing and says so (``RunResult.nothing_new``).

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
    publish : bool
        False computes (through the cache) without touching the outputs (``themes trace``).
    strict : bool
        Fail, publishing nothing, when any raw file cannot be read.
    wait : float
        Seconds to wait for another run on the same outputs to finish.
    **overrides
        Nested overrides, e.g. ``topics={"n_topics": 6}``.

    Returns
    -------
    RunResult

    Raises
    ------
    RunLockedError
        When another run holds the outputs after ``wait`` seconds.
    StrictError
        When ``strict`` and some raw files could not be read.
    """
    cfg = (config or Config()).with_overrides(overrides) if overrides else (config or Config())
    names = [s.name for s in stages]
    if until not in names:
        raise ConfigError(f"Unknown stage {until!r}. Choose one of: {', '.join(names)}.")
    todo = stages[: names.index(until) + 1]
    out = cfg.path(cfg.outputs)
    cache = Cache(out / "cache", enabled=cfg.cache)
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}.{started.microsecond:06d}Z"
    config_dict = cfg.as_dict()
    manifest = {"run_id": run_id, "status": "running", "started": started.isoformat(), "pid": os.getpid(),
                "until": until, "strict": strict, "corpus": str(cfg.path(cfg.corpus)), "config": config_dict,
                "config_hash": _digest(config_dict), "stages": {}, "versions": _versions()}
    if not publish:
        values, skipped = _execute(todo, cfg, cache, manifest, None, strict, log)
        return RunResult(outputs=out, tables=_frames(values), manifest=manifest, skipped=skipped)
    holder = {"run_id": run_id, "pid": os.getpid(), "started": manifest["started"]}
    with io.run_lock(out, holder, wait=wait) as previous:
        _close_interrupted(out, previous)
        io.discard_builds(out)  # staging folders of runs that were killed
        manifest["corpus_hash"] = _corpus_hash(cfg, todo)
        manifest["fingerprint"] = _fingerprint(cfg, todo, manifest["corpus_hash"])
        history = out / "runs" / f"{run_id}.json"
        same = _unchanged(out, manifest) if cfg.cache else None
        if same is not None:
            if strict and same.get("errors"):
                first = same["errors"][0]
                raise StrictError(
                    f"{len(same['errors'])} raw file(s) could not be read and --strict is set (first: "
                    f"{first['source_file']}: {first['reason']}). Fix or remove the files, or run without --strict."
                )
            manifest.update(errors=same.get("errors", []), warnings=same.get("warnings", []))
            manifest.update(status="ok", nothing_new=True, same_as=same["run_id"], counts=same.get("counts", {}),
                            ended=datetime.now(UTC).isoformat(), seconds=_since(started))
            log(f"Nothing new since run {same['run_id']}: corpus, config, lexicon and code unchanged; outputs left as they are")
            io.write_json(history, manifest)
            return RunResult(outputs=out, tables=_SavedTables(out), manifest=manifest, skipped=[])
        io.write_json(history, manifest)  # status "running" until the end: a killed run stays visible
        build = io.new_build(out, run_id)
        try:
            values, skipped = _execute(todo, cfg, cache, manifest, build, strict, log)
            manifest.update(status="ok", ended=datetime.now(UTC).isoformat(), seconds=_since(started),
                            files=io.tree_digest(build))
            io.write_json(build / "run.json", manifest)
            io.publish_build(out, build)
        except BaseException as exc:
            manifest.update(status="failed", ended=datetime.now(UTC).isoformat(), seconds=_since(started),
                            error=f"{type(exc).__name__}: {exc}")
            io.write_json(history, manifest)
            io.discard_builds(out)
            raise
        io.write_json(history, manifest)
    return RunResult(outputs=out, tables=_frames(values), manifest=manifest, skipped=skipped)


def _execute(todo, cfg: Config, cache: Cache, manifest: dict, build: Path | None, strict: bool, log: Logger):
    """The stage loop: compute or fetch each stage, write what it declares into ``build``."""
    values: dict = {"run_info": manifest}  # every table so far, by name
    keys: dict[str, str] = {}  # table name → key of the stage that made it
    skipped: list[tuple[str, str]] = []
    for stage in todo:
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
            if strict and skipped:
                manifest["errors"] = _errors(skipped)
                raise StrictError(
                    f"{len(skipped)} raw file(s) could not be read and --strict is set (first: {skipped[0][0]}: "
                    f"{skipped[0][1]}). The outputs were left as they were; fix or remove the files, or run without --strict."
                )
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
        if build is not None:
            for output in stage.outputs:
                WRITERS[output.kind](build, output.name, values)
        manifest["stages"][stage.name] = {"key": key, "state": state, "seconds": round(time.perf_counter() - t, 2)}
        log(f"{stage.name}: {state} in {manifest['stages'][stage.name]['seconds']} s")
    # Recorded after the loop: the report shows the run's settings, and these lists are its tables already.
    manifest["errors"] = _errors(skipped)
    if "audit" in values:
        manifest["warnings"] = _document_warnings(values["audit"])
    return values, skipped


def _errors(skipped: list[tuple[str, str]]) -> list[dict]:
    return [{"source_file": f, "reason": r} for f, r in skipped]


def _frames(values: dict) -> dict[str, pd.DataFrame]:
    return {k: v for k, v in values.items() if isinstance(v, pd.DataFrame)}


def _since(started: datetime) -> float:
    return round((datetime.now(UTC) - started).total_seconds(), 2)


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _corpus_hash(cfg: Config, todo) -> str | None:
    """Hash of every raw file's name, manifest row and bytes (rows that leave the corpus are rejected here)."""
    suffixes = frozenset().union(*(s.per_file for s in todo if s.per_file))
    if not suffixes:
        return None
    sources = io.corpus_sources(cfg, suffixes)
    io.check_inside([cfg.path(cfg.corpus), *(cfg.path(Path(p)) for p in cfg.corpora)], sources)
    return _digest([(s.rel, s.doc_prefix, list(s.hints), io.file_digest(s.path)) for s in sources])


def _fingerprint(cfg: Config, todo, corpus_hash: str | None) -> str:
    """Everything that decides a run's outputs: corpus, config, lexicon, code, libraries, stages."""
    lexicon = {lx.pattern: io.read_lexicon(cfg.path(cfg.lexicon), lx.pattern) for s in todo for lx in s.lexicon}
    settings = {k: v for k, v in cfg.as_dict().items() if k not in ("progress", "outputs", "root")}
    return _digest({"corpus": corpus_hash, "config": settings, "lexicon": lexicon,
                    "code": [(s.name, code_hash(*s.modules, records)) for s in todo]})


def _unchanged(out: Path, manifest: dict) -> dict | None:
    """The current run's manifest if it was made from the same fingerprint, else None."""
    build = io.current_build(out)
    if build is None or not (build / "run.json").is_file():
        return None
    try:
        last = json.loads((build / "run.json").read_text(encoding="utf-8"))
    except ValueError:
        return None
    same = last.get("status") == "ok" and last.get("fingerprint") == manifest["fingerprint"]
    return last if same else None


def _close_interrupted(out: Path, previous: dict | None) -> None:
    """Mark the manifest of a run that died holding the lock (kill -9, power cut) as interrupted."""
    if not previous or "run_id" not in previous:
        return
    path = out / "runs" / f"{previous['run_id']}.json"
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if old.get("status") == "running":
        old.update(status="interrupted", error="the process ended before the run finished (killed?); its outputs were discarded")
        io.write_json(path, old)


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
    sources = io.corpus_sources(cfg, stage.per_file)
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


def _document_warnings(audit: pd.DataFrame) -> list[dict]:
    rows = audit[audit["warnings"].fillna("") != ""]
    return [{"doc_id": r.doc_id, "source_file": r.source_file, "warnings": r.warnings} for r in rows.itertuples(index=False)]


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
        g = to_graph(nodes, edges, period)
        for fmt, write in (("gexf", nx.write_gexf), ("graphml", nx.write_graphml)):  # Gephi; Cytoscape
            buf = _io.BytesIO()
            write(g, buf)
            io.write_bytes(out / "network" / f"cooccurrence_{period}.{fmt}", buf.getvalue())


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
