"""All file access: the corpus folder, lexicon files and the outputs folder.

Raw inputs are only ever opened for reading.  Every output is written to a
temporary file in the same folder (with the umask's permissions) and
renamed into place, so a reader never sees a half-written file.  A run
writes a whole build and swaps it in at the end (``publish_build``), so a
cron job that dies half-way leaves the previous run's outputs.

Output layout (``outputs/``; the first six entries are links into ``current/``)::

    tables/<table>.parquet   typed tables, columns in pipeline/records.py
    csv/<table>.csv          the same tables as UTF-8-with-BOM CSV (Excel opens Chinese)
    figures/*.png, *.svg     figures
    network/<period>.gexf    co-occurrence graphs for Gephi
    report.html              self-contained report
    run.json                 the last run: config, cache keys, versions, counts, timings
    runs/<run_id>.json       every run's manifest, for cron history
    current -> builds/<id>/  the complete build the links above show
    .lock                    flock held by the run that is writing
    cache/<stage>/<key>/     content-addressed stage results
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import fcntl
import hashlib
import io as _io
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from .errors import ConfigError, CorpusError, LexiconError, OutputError, RunLockedError
from .records import SCHEMAS, conform

MANIFEST_NAMES = ("manifest.csv", "manifest.tsv")
# Files that document a corpus folder rather than belong to it.
IGNORED_NAMES = {"readme.md", "source.md", "license", "license.md", "manifest.csv", "manifest.tsv"}

# Manifest column aliases → our names (first match wins).
MANIFEST_ALIASES: dict[str, tuple[str, ...]] = {
    "file": ("file", "path", "filename", "file_name", "文件"),
    "title": ("title", "标题"),
    "organisation": ("organisation", "organization", "org", "机构"),
    "city": ("city", "province", "城市", "省份"),
    "speaker": ("speaker", "author", "作者"),
    "year": ("year", "年份"),
    "date": ("date", "publish_date", "published_at", "日期"),
    "doc_type": ("doc_type", "kind", "type", "类型"),
    "year_evidence": ("evidence", "year_evidence", "依据"),
    "year_certainty": ("year_certainty", "certainty"),
}


@dataclass(frozen=True)
class SourceFile:
    """One raw file to ingest, with its manifest row (if any)."""

    path: Path
    rel: str  # path relative to the corpus folder, used as the source name
    hints: tuple[tuple[str, str], ...] = ()
    doc_prefix: str = ""  # unique document-id prefix within the corpus (see ``doc_prefixes``)


# ----------------------------------------------------------------- corpus


def find_manifest(corpus: Path, explicit: Path | None) -> Path | None:
    """Return the manifest to use: ``explicit``, else ``manifest.csv``/``.tsv`` in ``corpus``."""
    if explicit is not None:
        if not explicit.is_file():
            raise CorpusError(f"Manifest {explicit} not found. Pass an existing CSV/TSV with --manifest, or omit it.")
        return explicit
    for name in MANIFEST_NAMES:
        if (corpus / name).is_file():
            return corpus / name
    return None


def read_manifest(path: Path) -> pd.DataFrame:
    """Read a CSV/TSV manifest and rename known columns to ours (``file``, ``year``, …)."""
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CorpusError(f"Manifest {path} cannot be read ({exc}). Save it as UTF-8 CSV or TSV.") from None
    lower = {c.lower().strip(): c for c in df.columns}
    rename = {}
    for ours, aliases in MANIFEST_ALIASES.items():
        for alias in aliases:
            if alias in lower and lower[alias] not in rename:
                rename[lower[alias]] = ours
                break
    df = df.rename(columns=rename)
    if "file" not in df.columns:
        raise CorpusError(
            f"Manifest {path} has no file column (columns: {', '.join(df.columns)}). "
            "Add a column named 'file' with paths relative to the corpus folder."
        )
    return df


def list_sources(
    corpus: Path, manifest: Path | None, suffixes: frozenset[str], *, fields: str = "", label: str = ""
) -> list[SourceFile]:
    """List the raw files of a corpus folder, joined with their manifest rows.

    With a manifest, exactly the files it lists are read (so a folder that
    also holds the same texts in another layout is not read twice).  A
    manifest row may name one row of a tabular file as ``file.jsonl#4``
    (row number from 0, as in the doc_id) or ``file.jsonl#<id>`` (the value
    of the field ``ingest.fields.id``); a file listed only by rows is read
    only for those rows.  Without a manifest, every supported file under
    ``corpus/raw`` (or ``corpus``) is read, in sorted order.

    ``fields`` (JSON from ``field_hints``) travels with every file as the
    hint ``fields``; ``label`` is put before each source name, so files of
    several corpus folders keep apart (``gwr-hprc/by_year/1954_….txt``).
    """
    if not corpus.is_dir():
        raise CorpusError(f"Corpus folder {corpus} not found. Pass an existing folder with --corpus.")
    base = corpus / "raw" if (corpus / "raw").is_dir() else corpus
    manifest_path = find_manifest(corpus, manifest)
    extra = (("fields", fields),) if fields else ()
    if manifest_path is not None:
        df = read_manifest(manifest_path)
        keys = [k for k in MANIFEST_ALIASES if k != "file" and k in df.columns]
        by_file: dict[Path, dict] = {}
        for row in df.to_dict("records"):
            rel = row["file"].strip()
            path = next((p for p in (corpus / rel, base / rel) if p.is_file()), None)
            selector = ""
            if path is None and "#" in rel:
                rel, selector = rel.rsplit("#", 1)
                path = next((p for p in (corpus / rel, base / rel) if p.is_file()), None)
            path = path or corpus / rel
            hints = {k: str(row[k]).strip() for k in keys if str(row[k]).strip()}
            entry = by_file.setdefault(path, {"file": None, "rows": {}})
            if selector:
                entry["rows"][selector.strip()] = hints
            else:
                entry["file"] = hints
        out = []
        for path, entry in by_file.items():
            hints = dict(entry["file"] or {})
            if entry["rows"]:
                # Rows travel as one JSON hint, so the per-file cache key sees them.
                hints["rows"] = json.dumps(entry["rows"], ensure_ascii=False, sort_keys=True)
                hints["rows_only"] = "false" if entry["file"] is not None else "true"
            rel = _label(label, _rel(path, corpus))
            out.append(SourceFile(path=path, rel=rel, hints=(*hints.items(), *extra)))
        return _with_prefixes(out)
    files = sorted(
        p
        for p in base.rglob("*")
        # A broken symbolic link is listed too, so it is reported rather than silently missed.
        if (p.is_file() or p.is_symlink())
        and not any(part.startswith(".") for part in p.relative_to(base).parts)
        and p.name.lower() not in IGNORED_NAMES
        and p.suffix.lower() in suffixes
    )
    if not files:
        raise CorpusError(
            f"No readable files in {base} (looked for {', '.join(sorted(suffixes))}). "
            "Put reports there or pass another folder with --corpus."
        )
    return _with_prefixes([SourceFile(path=p, rel=_label(label, _rel(p, corpus)), hints=extra) for p in files])


def _label(label: str, rel: str) -> str:
    return f"{label}/{rel}" if label else rel


def corpus_sources(cfg, suffixes: frozenset[str]) -> list[SourceFile]:
    """Every raw file of a run: ``cfg.corpus`` plus the folders in ``cfg.corpora``.

    With one folder this is ``list_sources``.  With several, each folder is
    listed with its own manifest (``manifest.csv``/``.tsv`` in it), source
    names start with the folder's name (``gwr-hprc/by_year/…``) and doc ids
    are made unique across all of them.  The field mapping of
    ``cfg.ingest.fields`` (and its lookup table, read here) goes to every file.

    Raises
    ------
    ConfigError
        When ``--manifest`` is combined with several folders, two folders have
        the same name, or the lookup table is missing or malformed.
    CorpusError
        When a folder does not exist or holds no readable file.
    """
    fields = field_hints(cfg.ingest.fields, cfg.path(cfg.ingest.fields.lookup))
    folders = [cfg.path(cfg.corpus), *(cfg.path(Path(p)) for p in cfg.corpora)]
    if len(folders) == 1:
        return list_sources(folders[0], cfg.path(cfg.manifest), suffixes, fields=fields)
    if cfg.manifest is not None:
        raise ConfigError(
            f"--manifest {cfg.manifest} cannot be combined with several corpus folders. Put a manifest.tsv in each "
            "folder, or use one manifest whose paths start with the folder names and one --corpus for their parent."
        )
    names = [f.resolve().name for f in folders]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash:
        raise ConfigError(f"Two corpus folders are both named {clash!r}; source names would clash. Rename one folder.")
    sources = [s for f, n in zip(folders, names, strict=True) for s in list_sources(f, None, suffixes, fields=fields, label=n)]
    return _with_prefixes(sources)


FIELD_TARGETS = ("year", "date", "doc_type", "title", "city", "organisation", "speaker")


def field_hints(fields, lookup: Path | None) -> str:
    """The field mapping of ``ingest.fields`` with its lookup table, as one JSON hint ('' when unused).

    The lookup table (CSV/TSV, columns ``field,value,mapped``) is read here,
    so the ingest stage never opens files, and its content enters every
    file's cache key.
    """
    mapping = {k: getattr(fields, k).strip() for k in (*FIELD_TARGETS, "id") if getattr(fields, k).strip()}
    values: dict[str, dict[str, str]] = {}
    if lookup is not None:
        if not lookup.is_file():
            raise ConfigError(f"Lookup table {lookup} (ingest.fields.lookup) not found. Pass an existing CSV/TSV with columns field,value,mapped.")
        sep = "\t" if lookup.suffix.lower() == ".tsv" else ","
        try:
            df = pd.read_csv(lookup, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise ConfigError(f"Lookup table {lookup} cannot be read ({exc}). Save it as UTF-8 CSV or TSV.") from None
        df.columns = [str(c).strip().lower() for c in df.columns]
        if not {"field", "value", "mapped"} <= set(df.columns):
            raise ConfigError(
                f"Lookup table {lookup} has columns {', '.join(df.columns)}; it needs field,value,mapped "
                "(e.g. a row year,1,1921)."
            )
        for row in df.itertuples(index=False):
            target = str(row.field).strip()
            if target not in FIELD_TARGETS:
                raise ConfigError(
                    f"Lookup table {lookup}: field {target!r} is not one of {', '.join(FIELD_TARGETS)}. Fix that row."
                )
            values.setdefault(target, {})[str(row.value).strip()] = str(row.mapped).strip()
    if not mapping and not values:
        return ""
    return json.dumps({"map": mapping, "values": values}, ensure_ascii=False, sort_keys=True)


def doc_prefixes(names: list[str]) -> dict[str, str]:
    """Map each source name to its document-id prefix: the file stem, or the
    whole path (``/`` → ``__``) when two files share a stem.

    Examples
    --------
    >>> doc_prefixes(["raw/甲.txt", "a/乙.txt", "b/乙.txt"])
    {'raw/甲.txt': '甲', 'a/乙.txt': 'a__乙', 'b/乙.txt': 'b__乙'}
    """
    stems = [PurePosixPath(n).stem for n in names]
    return {
        n: stem if stems.count(stem) == 1 else str(PurePosixPath(n).with_suffix("")).replace("/", "__")
        for n, stem in zip(names, stems, strict=True)
    }


def _with_prefixes(sources: list[SourceFile]) -> list[SourceFile]:
    prefixes = doc_prefixes([s.rel for s in sources])
    return [dataclasses.replace(s, doc_prefix=prefixes[s.rel]) for s in sources]


def _rel(path: Path, corpus: Path) -> str:
    try:
        return path.relative_to(corpus).as_posix()
    except ValueError:
        return path.as_posix()


def read_bytes(path: Path) -> bytes:
    """Read a raw file (read-only).

    Raises
    ------
    OSError
        When the file cannot be read; a broken symbolic link says where it points.
    """
    if path.is_symlink() and not path.exists():
        raise OSError(errno.ENOENT, f"broken symbolic link to {os.readlink(path)}; fix or remove the link")
    with open(path, "rb") as fh:
        return fh.read()


def file_digest(path: Path) -> str | None:
    """SHA-256 of a raw file's bytes (None when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def check_inside(folders: list[Path], sources: list[SourceFile]) -> None:
    """Reject sources (manifest rows) whose path leaves the corpus folders.

    The check is on the path as written (``..`` and absolute paths), so a
    manifest cannot make the pipeline read ``/etc/passwd``; a symbolic link
    placed inside the corpus by its owner is followed.

    Raises
    ------
    CorpusError
        Naming the first such path.
    """
    roots = [os.path.normpath(os.path.abspath(f)).rstrip(os.sep) + os.sep for f in folders]
    for src in sources:
        p = os.path.normpath(os.path.abspath(src.path))
        if not any(p.startswith(r) for r in roots):
            raise CorpusError(
                f"Manifest entry {src.rel!r} points outside the corpus folder {folders[0] if len(folders) == 1 else folders}. "
                "Manifest paths must be relative to the corpus folder and stay inside it; move the file into the folder."
            )


# ---------------------------------------------------------------- lexicon


def read_lexicon_file(lexicon: Path, name: str, *, required: bool = True) -> str:
    """Return the text of ``<lexicon>/<name>`` ('' when optional and absent)."""
    path = lexicon / name
    if not path.is_file():
        if required:
            raise LexiconError(f"Lexicon file {path} not found. Restore it from git or point --lexicon at a folder that has it.")
        return ""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LexiconError(f"Lexicon file {path} is not UTF-8. Re-save it as UTF-8.") from None


def read_lexicon(lexicon: Path, pattern: str) -> str:
    """Text of the lexicon file ``pattern``, or of every file a glob pattern matches.

    A plain name must exist; a glob (``stopwords*.txt``) may match nothing
    (''), and matching files are joined in sorted order, one newline apart.
    This is the only place lexicon files are read: the runner parses the
    text with the stage's parser and hashes the same text for the cache key.
    """
    if not any(c in pattern for c in "*?["):
        return read_lexicon_file(lexicon, pattern)
    return "\n".join(read_lexicon_file(lexicon, p.name) for p in sorted(lexicon.glob(pattern)) if p.is_file())


# ---------------------------------------------------------------- outputs


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not tempfile.mkstemp: it creates 0600 files, and colleagues on a shared
    # server must be able to open the report.  Mode 0666 lets the kernel apply
    # the user's umask, as for any file a program creates.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` atomically."""
    _atomic_write(path, data)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj) -> Path:
    """Write JSON (UTF-8, Chinese kept readable) atomically."""
    return write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n")


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = _io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def write_parquet(path: Path, df: pd.DataFrame) -> Path:
    """Write a table as Parquet atomically."""
    return write_bytes(path, parquet_bytes(df))


# Excel cannot hold more than 32,767 characters in a cell; a longer cell
# spills into the next rows and shifts every column after it.
EXCEL_CELL_LIMIT = 32_767


def excel_cell(value: str, limit: int = EXCEL_CELL_LIMIT) -> str:
    """Cut a cell that Excel cannot hold, ending it with a marker that says so.

    Excel counts UTF-16 code units, so a character outside the Basic
    Multilingual Plane counts twice.

    Examples
    --------
    >>> excel_cell("政协" * 3, limit=100)
    '政协政协政协'
    >>> cut = excel_cell("协商" * 60, limit=100)
    >>> len(cut) <= 100, cut.endswith("full text in the Parquet table]")
    (True, True)
    """
    if len(value) <= limit // 2 or _utf16_len(value) <= limit:
        return value
    marker = f"…[cut at Excel's cell limit: {len(value):,} characters; full text in the Parquet table]"
    room = limit - _utf16_len(marker)
    head, used = [], 0
    for ch in value:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > room:
            break
        head.append(ch)
    return "".join(head) + marker


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _excel_safe(df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    long = [c for c in cols if (df[c].astype("string").str.len() > EXCEL_CELL_LIMIT // 2).fillna(False).any()]
    if not long:
        return df
    df = df.copy()
    for c in long:
        df[c] = df[c].map(lambda v: excel_cell(v) if isinstance(v, str) else v, na_action="ignore")
    return df


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    """Write a table as CSV with a UTF-8 BOM, so Excel shows Chinese correctly.

    Cells longer than Excel's limit are cut with a marker (``excel_cell``);
    the Parquet table keeps the full text.
    """
    text = _excel_safe(df).to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return write_bytes(path, ("\ufeff" + text).encode("utf-8"))


def write_table(outputs: Path, name: str, df: pd.DataFrame, *, csv_too: bool = True) -> Path:
    """Write ``tables/<name>.parquet`` (typed by its schema when it has one) and ``csv/<name>.csv``."""
    if name in SCHEMAS:
        df = conform(df, name)
    path = write_parquet(outputs / "tables" / f"{name}.parquet", df)
    if csv_too:
        write_csv(outputs / "csv" / f"{name}.csv", df)
    return path


def list_tables(outputs: Path) -> list[str]:
    """Names of the tables a finished run wrote."""
    return sorted(p.stem for p in (outputs / "tables").glob("*.parquet"))


def read_table(outputs: Path, name: str) -> pd.DataFrame:
    """Load ``tables/<name>.parquet`` from a finished run."""
    path = outputs / "tables" / f"{name}.parquet"
    if not path.is_file():
        have = ", ".join(list_tables(outputs)) or "none"
        raise OutputError(
            f"No table '{name}' in {outputs / 'tables'} (tables there: {have}). "
            "Run `make analyze` (or pipeline.run()) first, or check the name."
        )
    return pd.read_parquet(path)


def iter_cache_tables(folder: Path) -> Iterator[tuple[str, Path]]:
    for p in sorted(folder.glob("*.parquet")):
        yield p.stem, p


# ------------------------------------------------ runs: lock, staging, swap
#
# A publishing run holds ``outputs/.lock`` (flock: the kernel drops it when
# the process dies, so a killed run never blocks the next one), writes
# everything into ``outputs/builds/<run_id>/`` and, only when that build is
# complete, swaps the symbolic link ``outputs/current`` to it with one
# rename.  ``outputs/report.html``, ``outputs/tables`` … are fixed links
# into ``current/``, so at every moment they show one complete run.

LOCK_NAME = ".lock"
BUILDS = "builds"
CURRENT = "current"
# Entries a build may hold; the same names at the top of outputs/ are links into current/.
PUBLISHED = ("report.html", "run.json", "tables", "csv", "figures", "network")


@contextmanager
def run_lock(outputs: Path, holder: dict, *, wait: float = 0.0):
    """Hold the outputs folder's lock for the duration of a run.

    Parameters
    ----------
    outputs : Path
        The outputs folder (created if missing).
    holder : dict
        Who holds it (run id, pid, start), written into the lock file so a
        refused run can say who is running.
    wait : float
        Seconds to wait for a running run to finish; 0 refuses at once.

    Yields
    ------
    dict or None
        What the previous holder wrote (a run that never released it was killed).

    Raises
    ------
    RunLockedError
        When another run still holds the lock after ``wait`` seconds.
    """
    outputs.mkdir(parents=True, exist_ok=True)
    fd = os.open(outputs / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    other = _lock_holder(fd)
                    who = f"run {other.get('run_id', '?')} (pid {other.get('pid', '?')}, started {other.get('started', '?')})"
                    waited = f" after waiting {wait:g} s" if wait > 0 else ""
                    raise RunLockedError(
                        f"Another run, {who}, is writing {outputs}; this run did not start{waited}. "
                        "Let it finish, or pass --wait SECONDS to queue behind it."
                    ) from None
                time.sleep(0.2)
        previous = _lock_holder(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder, ensure_ascii=False).encode(), 0)
        try:
            yield previous or None
        finally:
            # An empty lock file says the last holder finished.
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


def _lock_holder(fd: int) -> dict:
    data = os.pread(fd, 4096, 0)
    try:
        return json.loads(data) if data else {}
    except ValueError:
        return {}


def new_build(outputs: Path, run_id: str) -> Path:
    """Create the empty staging folder ``outputs/builds/<run_id>/`` a run writes into."""
    build = outputs / BUILDS / run_id
    build.mkdir(parents=True)
    return build


def current_build(outputs: Path) -> Path | None:
    """The build ``outputs/current`` points at, if any."""
    link = outputs / CURRENT
    if not link.is_symlink():
        return None
    target = outputs / os.readlink(link)
    return target if target.is_dir() else None


def publish_build(outputs: Path, build: Path) -> None:
    """Make a complete build the current outputs with one atomic rename.

    Then link ``outputs/<name>`` to ``current/<name>`` for every entry of the
    build, drop links to entries it lacks (so no figure or GEXF of an earlier
    corpus survives), and delete the other builds.
    """
    names = sorted(p.name for p in build.iterdir())
    # Outputs written before builds existed are real files and folders; move them aside first.
    legacy = [outputs / n for n in {*PUBLISHED, *names} if (outputs / n).exists() and not (outputs / n).is_symlink()]
    if legacy:
        attic = outputs / BUILDS / f".legacy-{uuid.uuid4().hex[:8]}"
        attic.mkdir(parents=True)
        for p in legacy:
            os.replace(p, attic / p.name)
    for name in names:
        _link(outputs / name, f"{CURRENT}/{name}")
    _link(outputs / CURRENT, f"{BUILDS}/{build.name}")  # the commit point
    for name in PUBLISHED:
        link = outputs / name
        if name not in names and link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}":
            link.unlink()
    discard_builds(outputs)


def _link(path: Path, target: str) -> None:
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    os.symlink(target, tmp)
    os.replace(tmp, path)


def discard_builds(outputs: Path, keep: Path | None = None) -> None:
    """Delete every build but the current one (and ``keep``): staging folders of killed or failed runs.

    Call only while holding the lock: another run's staging folder would go too.
    """
    folder = outputs / BUILDS
    if not folder.is_dir():
        return
    current = current_build(outputs)
    for p in folder.iterdir():
        if current is not None and p.name == current.name or keep is not None and p.name == keep.name:
            continue
        shutil.rmtree(p, ignore_errors=True)


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path (the run manifest lists a build's files)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            with open(p, "rb") as fh:
                out[p.relative_to(folder).as_posix()] = hashlib.file_digest(fh, "sha256").hexdigest()
    return out


def check_outputs(outputs: Path) -> list[str]:
    """Problems with a finished outputs folder ([] when it holds one complete run).

    The current build must be complete: every file its ``run.json`` lists is
    there with the same bytes and nothing else is; every top-level link
    resolves into it.
    """
    build = current_build(outputs)
    if build is None:
        return [f"{outputs / CURRENT} does not point at a build"]
    try:
        manifest = json.loads((build / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{build / 'run.json'} unreadable: {exc}"]
    problems = []
    if manifest.get("status") != "ok":
        problems.append(f"run {manifest.get('run_id')} has status {manifest.get('status')!r}")
    listed = manifest.get("files", {})
    found = {k: v for k, v in tree_digest(build).items() if k != "run.json"}
    for name in sorted(set(listed) | set(found)):
        if name not in found:
            problems.append(f"{name} is listed but missing")
        elif name not in listed:
            problems.append(f"{name} is not part of run {manifest.get('run_id')}")
        elif listed[name] != found[name]:
            problems.append(f"{name} differs from what run {manifest.get('run_id')} wrote")
    for name in PUBLISHED:
        link = outputs / name
        if (build / name).exists() and not (link.is_symlink() and link.resolve() == (build / name).resolve()):
            problems.append(f"{link} does not lead to the current build")
    return problems
