"""Command line: a thin layer over ``pipeline.run`` (used by ``make analyze`` and cron).

Every subcommand takes the same corpus/config options.  User mistakes
raise ``PipelineError`` and print ``Error: <message>``; anything else is a
bug and keeps its traceback, followed by a one-line summary.

Exit codes (``EXIT_CODES``, restated in the README for cron):
0 done; 1 a user error (config, corpus, lexicon; nothing was published);
2 a command-line usage error; 3 ``--strict`` and some raw files could not
be read (nothing was published); 4 an internal error (a bug; the previous
outputs are kept); 75 another run holds the outputs folder (EX_TEMPFAIL:
cron may simply try again later); 130 interrupted.
"""

from __future__ import annotations

import sys
import time
import traceback
import warnings
from pathlib import Path

import click

from .config import load_config
from .errors import ConfigError, PipelineError, RunLockedError, StrictError
from .run import RunResult, run


def _parse_sets(values: tuple[str, ...]) -> dict:
    out: dict = {}
    for item in values:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise ConfigError(f"--set {item!r} is not SECTION.KEY=VALUE, e.g. --set topics.n_topics=6.")
        key, value = item.split("=", 1)
        *sections, leaf = key.strip().split(".")
        node = out
        for s in sections:
            node = node.setdefault(s, {})
        node[leaf] = value
    return out


def corpus_options(f):
    """Options shared by every stage command."""
    opts = [
        click.option("--corpus", type=click.Path(path_type=Path), multiple=True,
                     help="Corpus folder (raw files in it or in its raw/ subfolder); repeat it to read several folders together, "
                          "each with its own manifest. Default: corpus/."),
        click.option("--manifest", type=click.Path(path_type=Path), help="CSV/TSV manifest (default: manifest.csv or manifest.tsv in the corpus folder)."),
        click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML config file (see pipeline.toml). Default: pipeline.toml if present."),
        click.option("--outputs", type=click.Path(path_type=Path), help="Outputs folder. Default: outputs/."),
        click.option("--lexicon", type=click.Path(path_type=Path), help="Lexicon folder. Default: corpus/lexicon/."),
        click.option("--set", "sets", multiple=True, metavar="SECTION.KEY=VALUE", help="Override one config value; repeatable."),
        click.option("--no-cache", is_flag=True, help="Recompute every stage."),
        click.option("--quiet", is_flag=True, help="No progress bars or stage lines; errors and the summary only."),
        click.option("--engine", type=click.Choice(["local", "dask"]), help="Where files are read: local processes (default) or Dask (pip install '.[dask]')."),
        click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --engine dask; default: a local cluster)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def run_options(f):
    """Options of the commands that publish outputs (a cron job's concerns)."""
    opts = [
        click.option("--strict", is_flag=True, help="Fail (exit 3, outputs left as they were) if any raw file cannot be read."),
        click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
                     help="If another run is writing the same outputs, wait this long for it before giving up (exit 75)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _config(corpus, manifest, config_file, outputs, lexicon, sets, no_cache, quiet, engine=None, scheduler=None):
    if config_file is None and Path("pipeline.toml").is_file():
        config_file = Path("pipeline.toml")
    overrides = _parse_sets(sets)
    for key, value in (("kind", engine), ("scheduler", scheduler)):
        if value is not None:
            overrides.setdefault("engine", {})[key] = value
    if corpus:
        overrides["corpus"] = str(corpus[0])
        overrides["corpora"] = [str(c) for c in corpus[1:]]
    for key, value in (("manifest", manifest), ("outputs", outputs), ("lexicon", lexicon)):
        if value is not None:
            overrides[key] = str(value)
    if no_cache:
        overrides["cache"] = False
    if quiet:
        overrides["progress"] = False
    return load_config(config_file, overrides=overrides)


def _log(quiet: bool):
    def log(msg: str) -> None:
        if not quiet or msg.startswith("Skipped"):
            click.echo(msg, err=True)

    return log


def _summary(res: RunResult, seconds: float) -> str:
    c = res.manifest["counts"]
    skipped = f" ({c['skipped_files']} file(s) skipped, see above)" if c["skipped_files"] else ""
    where = res.report_path if res.report_path.is_file() and res.manifest.get("until") == "report" else res.outputs
    return (
        f"Done: {c['documents']} documents{skipped}, {c['canonical_documents']} counted, "
        f"{c['characters']:,} characters in {seconds:.1f} s → {where}"
    )


def _run_stage(until: str, strict: bool = False, wait: float = 0, **kw) -> RunResult:
    t = time.perf_counter()
    cfg = _config(**kw)
    res = run(cfg, until=until, log=_log(kw["quiet"]), strict=strict, wait=wait)
    if res.nothing_new:
        click.echo(f"Nothing new since run {res.manifest['same_as']}: outputs left as they were.")
    click.echo(_summary(res, time.perf_counter() - t))
    return res


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cppcc-pipeline")
def cli() -> None:
    """Text mining of Chinese political work reports: ingest, segment, topics, network, themes, report."""


@cli.command()
@corpus_options
@run_options
def analyze(**kw) -> None:
    """Run the whole chain on the corpus and write outputs/ (report included)."""
    _run_stage("report", **kw)


@cli.command()
@corpus_options
@run_options
def refresh(**kw) -> None:
    """For cron: rerun, recomputing only files and stages that changed; exit non-zero on error.

    A second run on the same outputs exits 75 at once (or waits --wait SECONDS);
    a failed or killed run leaves the previous outputs in place.
    """
    t = time.perf_counter()
    strict, wait = kw.pop("strict"), kw.pop("wait")
    cfg = _config(**kw)
    res = run(cfg, until="report", log=_log(kw["quiet"]), strict=strict, wait=wait)
    if res.nothing_new:
        click.echo(f"Nothing new since run {res.manifest['same_as']}: outputs left as they were.")
    else:
        changed = [s for s, v in res.manifest["stages"].items() if v.get("state") == "computed"]
        click.echo(f"Recomputed: {', '.join(changed) if changed else 'nothing (all stages cached)'}")
    click.echo(_summary(res, time.perf_counter() - t))


def _stage_command(name: str, doc: str):
    @corpus_options
    @run_options
    def cmd(**kw) -> None:
        _run_stage(name, **kw)

    cmd.__doc__ = doc
    return cmd


for _name, _doc in (
    ("ingest", "Read, repair and normalise raw files; find duplicates; write documents, paragraphs, audit."),
    ("segment", "Segment paragraphs with jieba and the domain lexicon; write tokens (runs ingest first)."),
    ("topics", "Cluster TF-IDF vectors into labelled topics; write topics, topic_assignments, topic_trends."),
    ("network", "Build co-occurrence graphs per period with communities; write tables and GEXF."),
    ("report", "Write figures and the self-contained HTML report (runs every stage)."),
):
    cli.command(name=_name)(_stage_command(_name, _doc))


@cli.group(invoke_without_command=True)
@corpus_options
@click.pass_context
def themes(ctx, **kw) -> None:
    """Count researcher-defined themes per document, year and city; find emerging terms.

    `themes trace TERM` prints one term's yearly rates and first appearance;
    the options above may come before or after `trace`
    (`themes trace 改革开放 --corpus X` = `themes --corpus X trace 改革开放`).
    """
    ctx.obj = kw
    if ctx.invoked_subcommand is None:
        _run_stage("themes", **kw)


@themes.command()
@click.argument("term")
@corpus_options
@click.option("--context", default=30, show_default=True, help="Characters of context shown on each side.")
@click.option("--hits", "n_hits", default=10, show_default=True, help="KWIC lines to print.")
@click.pass_obj
def trace(kw, term: str, context: int, n_hits: int, **after) -> None:
    """Trace TERM ad hoc: yearly rate per 10,000 characters, first appearance, KWIC."""
    from .records import canonical
    from .themes import trace_term

    # An option given after `trace` wins over the same option given before it.
    cfg = _config(**{k: after[k] if after[k] not in (None, False, ()) else v for k, v in kw.items()})
    res = run(cfg, until="ingest", log=_log(True), publish=False)
    docs = canonical(res.tables["documents"])
    years, hits = trace_term(term, docs, res.tables["paragraphs"], context_chars=context)
    if hits.empty:
        click.echo(f"{term}: no occurrence in {len(docs)} documents.")
        return
    click.echo(years.to_string(index=False))
    first = hits.sort_values(["year", "doc_id", "para_id", "start"], na_position="last").iloc[0]
    click.echo(f"First appearance: {first['year']} in {first['doc_id']} ({first['para_id']}): …{first['left']}【{first['match']}】{first['right']}…")
    for r in hits.head(n_hits).itertuples(index=False):
        click.echo(f"  {r.year} {r.para_id}: …{r.left}【{r.match}】{r.right}…")


@cli.group()
def lexicon() -> None:
    """Work on the domain lexicon (corpus/lexicon/)."""


@lexicon.command()
@corpus_options
@click.option("--top", default=200, show_default=True, help="Candidates to write.")
@click.option("--min-count", default=3, show_default=True, help="Minimum frequency of a candidate.")
def suggest(top: int, min_count: int, **kw) -> None:
    """Rank candidate new terms (frequency, PMI, branching entropy) into outputs/lexicon_suggestions.csv."""
    from . import io
    from .phrases import suggest_phrases
    from .records import canonical
    from .segment import build_segmenter, parse_stopwords, parse_userdict

    cfg = _config(**kw)
    res = run(cfg, until="ingest", log=_log(kw["quiet"]), publish=False)
    lex = cfg.path(cfg.lexicon)
    terms = parse_userdict(io.read_lexicon(lex, "userdict.txt"))
    seg = build_segmenter(terms, backend=cfg.segment.backend, hmm=cfg.segment.hmm)
    docs = canonical(res.tables["documents"])
    paras = res.tables["paragraphs"][res.tables["paragraphs"]["doc_id"].isin(docs["doc_id"])]
    table = suggest_phrases(paras, segmenter=seg, known_terms=frozenset(t.word for t in terms), top_n=top,
                            min_count=min_count, stopwords=parse_stopwords(io.read_lexicon(lex, "stopwords*.txt")),
                            sentences=res.tables["sentences"])
    path = io.write_csv(res.outputs / "lexicon_suggestions.csv", table)
    click.echo(f"{len(table)} candidates → {path}")


@cli.command()
def schema() -> None:
    """Print the artifact schema (every table and column) as Markdown."""
    from .records import SCHEMAS

    for name, cols in SCHEMAS.items():
        click.echo(f"\n#### `{name}`\n\n| column | type | meaning |\n|---|---|---|")
        for c in cols:
            click.echo(f"| `{c.name}` | {c.dtype} | {c.doc} |")


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    # Suspect-but-valid input is the user's business, not a code location.
    return f"Warning: {message}\n"


EXIT_CODES = {"ok": 0, "error": 1, "usage": 2, "strict": 3, "internal": 4, "locked": 75, "interrupted": 130}


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning user errors into one ``Error:`` line and an exit code."""
    warnings.formatwarning = _one_line_warning
    try:
        cli.main(args=argv, prog_name="python -m pipeline", standalone_mode=False)
    except RunLockedError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_CODES["locked"]
    except StrictError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_CODES["strict"]
    except PipelineError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_CODES["error"]
    except click.exceptions.Abort:
        click.echo("Error: interrupted; the previous outputs were kept.", err=True)
        return EXIT_CODES["interrupted"]
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        # A bug: keep the traceback for the report, and end with one line a cron mail shows first.
        traceback.print_exc()
        click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); the previous outputs were kept. "
                   "Please report it with the traceback above.", err=True)
        return EXIT_CODES["internal"]
    return EXIT_CODES["ok"]


if __name__ == "__main__":
    sys.exit(main())
