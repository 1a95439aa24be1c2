"""The analyst's API: a finished run loaded as one object, for Jupyter.

``load("outputs")`` returns an ``Analysis``: every table of the run as a
DataFrame (``a.theme_years``, ``a["documents"]``), read from disk when
first used, and the helpers a researcher reaches for — ``trend``,
``kwic``, ``network``, ``topic_docs``, ``figure`` and ``paragraphs_for``.
Nothing is recomputed: a term that is not a theme is traced on the saved
paragraphs (``themes.trace_term``).  Figures are matplotlib figures that
show inline in Jupyter without ``%matplotlib``.

``load("theme_years", "outputs")`` (a table name first) still returns
that one table, as it always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import networkx as nx
import pandas as pd

from . import io
from .errors import ConfigError, OutputError, PipelineError
from .records import SCHEMAS, canonical
from .run import _SavedTables
from .run import run as _run_chain

FIGURES = ("theme_trends", "theme_heatmap", "theme_cities", "topic_trends", "network", "ingest_audit")


# Error messages are written for the command line; a notebook user passes keywords instead.
_FLAG_TO_KEYWORD = (("--corpus", "corpus="), ("--manifest", "manifest="), ("--lexicon", "lexicon="),
                    ("--outputs", "outputs="), ("--config", "load_config(path)"), ("--set", "Config overrides"))


def run(config=None, **kwargs):
    """``pipeline.run.run`` for Python callers: the same run, errors naming keyword arguments, not CLI flags.

    Examples
    --------
    >>> from pipeline import Config
    >>> run(Config(corpus=Path("/nonexistent")))
    Traceback (most recent call last):
    ...
    pipeline.errors.CorpusError: Corpus folder /nonexistent not found. Pass an existing folder with corpus=.
    """
    try:
        return _run_chain(config, **kwargs)
    except PipelineError as exc:
        msg = str(exc)
        for flag, keyword in _FLAG_TO_KEYWORD:
            msg = msg.replace(f"`{flag}`", keyword).replace(flag, keyword)
        exc.args = (msg,)
        raise


class Analysis:
    """A finished run: its tables and the helpers to read them.

    Parameters
    ----------
    tables : mapping
        Table name → DataFrame (``load`` passes the saved tables, read lazily).
    outputs : Path, optional
        Where the tables come from (shown in the repr).

    Examples
    --------
    >>> from pipeline.themes import Theme, track_themes
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2023, 2024], "city": "贵阳",
    ...     "doc_type": "work_report", "n_chars": [20000, 20000], "is_canonical": True})
    >>> paras = pd.DataFrame({"doc_id": ["a", "b"], "para_id": ["a:p0000", "b:p0000"], "para_index": 0,
    ...     "text": ["建设强省会", "强省会行动，推进社区协商"]})
    >>> a = Analysis({"documents": docs, "paragraphs": paras,
    ...     **track_themes(docs, paras, None, themes=(Theme("强省会", ("强省会",)),))})
    >>> a
    <Analysis (in memory): 2 documents (2 counted), 2023–2024, 7 tables>
    >>> a.theme_years[["year", "count"]].values.tolist()
    [[2023, 1], [2024, 1]]
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], outputs: Path | None = None):
        self._tables = tables
        self.outputs = outputs

    # ---------------------------------------------------------- tables

    @property
    def tables(self) -> list[str]:
        """Names of the tables of this run."""
        return sorted(self._tables)

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._tables[name]
        except KeyError:
            raise OutputError(f"No table {name!r} in this run (tables: {', '.join(self.tables) or 'none'}). "
                              "Check the name, or run the stage that makes it.") from None

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._tables:
            return self._tables[name]
        raise AttributeError(f"{type(self).__name__} has no table or attribute {name!r}; tables: {', '.join(self.tables)}")

    def __dir__(self):
        return [*super().__dir__(), *self.tables]

    def __repr__(self) -> str:
        where = str(self.outputs) if self.outputs is not None else "(in memory)"
        if "documents" not in self._tables:
            return f"<Analysis {where}: {len(self.tables)} tables>"
        docs = self._tables["documents"]
        years = docs["year"].dropna().astype(int) if "year" in docs else pd.Series(dtype=int)
        span = "" if years.empty else f", {years.min()}–{years.max()}" if years.min() != years.max() else f", {years.min()}"
        return f"<Analysis {where}: {len(docs)} documents ({len(canonical(docs))} counted){span}, {len(self.tables)} tables>"

    # ---------------------------------------------------------- helpers

    def _is_theme(self, term: str) -> bool:
        ty = self._tables.get("theme_years")
        return ty is not None and term in set(ty["theme"])

    def trend(self, term: str) -> pd.DataFrame:
        """Yearly rate of a theme (or of any literal term) per 10,000 characters, with its interval.

        A theme comes from ``theme_years``; any other term is counted on the
        saved paragraphs of the counted documents.

        Examples
        --------
        >>> a = _example()
        >>> a.trend("强省会")[["year", "count", "n_chars"]].values.tolist()
        [[2023, 1, 20000], [2024, 1, 20000]]
        >>> a.trend("社区协商")[["year", "count"]].values.tolist()
        [[2023, 0], [2024, 1]]
        """
        if self._is_theme(term):
            ty = self["theme_years"]
            return ty[ty["theme"] == term].reset_index(drop=True)
        return self._trace(term)[0]

    def kwic(self, term: str) -> pd.DataFrame:
        """Every hit of a theme (or any literal term) in context, in chronological order.

        Examples
        --------
        >>> _example().kwic("社区协商")[["year", "para_id", "left", "match"]].values.tolist()
        [[2024, 'b:p0000', '强省会行动，推进', '社区协商']]
        """
        if self._is_theme(term):
            hits = self["theme_hits"]
            return hits[hits["theme"] == term].reset_index(drop=True)
        return self._trace(term)[1]

    def _trace(self, term: str):
        from .themes import trace_term

        if not isinstance(term, str) or not term.strip():
            raise ConfigError(f"term must be a non-empty string, not {term!r}, e.g. a.trend('强省会').")
        return trace_term(term, self["documents"], self["paragraphs"])

    def network(self, period: str = "all") -> nx.Graph:
        """The co-occurrence graph of one period as a networkx graph (node attributes: freq, community …).

        Examples
        --------
        >>> nodes = pd.DataFrame({"period": "2024", "term": ["协商", "民主"], "freq": [3, 2], "degree": 1,
        ...     "community": 0})
        >>> edges = pd.DataFrame({"period": ["2024"], "source": ["协商"], "target": ["民主"], "weight": [2],
        ...     "npmi": [0.5]})
        >>> g = Analysis({"network_nodes": nodes, "network_edges": edges}).network(period="2024")
        >>> sorted(g.nodes), g["协商"]["民主"]["weight"]
        (['协商', '民主'], 2)
        >>> Analysis({"network_nodes": nodes, "network_edges": edges}).network(period="1999")
        Traceback (most recent call last):
        ...
        pipeline.errors.ConfigError: No network for period='1999'. Periods in this run: 2024. Pass one of them as period=….
        """
        from .network import to_graph

        nodes = self["network_nodes"]
        periods = sorted(str(p) for p in nodes["period"].dropna().unique())
        period = str(period)
        if period not in periods:
            raise ConfigError(f"No network for period={period!r}. Periods in this run: {', '.join(periods) or 'none'}. "
                              "Pass one of them as period=….")
        return to_graph(nodes, self["network_edges"], period)

    def topic_docs(self, topic_id: int, n: int = 3) -> pd.DataFrame:
        """The ``n`` paragraphs most representative of a topic (document, year, paragraph id, text).

        Examples
        --------
        >>> ta = pd.DataFrame({"unit_id": ["a:p0000", "b:p0000"], "doc_id": ["a", "b"], "year": [2023, 2024],
        ...     "topic_id": [3, 3], "similarity": [0.4, 0.9]})
        >>> a = _example(topic_assignments=ta, topics=pd.DataFrame({"topic_id": [3], "label": ["强省会"]}))
        >>> a.topic_docs(3, n=1)[["para_id", "year", "text"]].values.tolist()
        [['b:p0000', 2024, '强省会行动，推进社区协商']]
        """
        known = set(self["topics"]["topic_id"].astype(int))
        if int(topic_id) not in known:
            raise ConfigError(f"No topic topic_id={topic_id!r}; topics in this run: {', '.join(map(str, sorted(known)))}.")
        ev = self._tables.get("topic_evidence")
        if ev is not None and len(ev):
            return ev[ev["topic_id"] == topic_id].sort_values("rank").head(n).reset_index(drop=True)
        ta = self["topic_assignments"]
        top = ta[ta["topic_id"] == topic_id].sort_values(["similarity", "unit_id"], ascending=[False, True]).head(n)
        text = self["paragraphs"].set_index("para_id")["text"]
        out = top.assign(para_id=top["unit_id"], text=top["unit_id"].map(text))
        return out[["topic_id", "doc_id", "year", "para_id", "similarity", "text"]].reset_index(drop=True)

    def figure(self, name: str, **kwargs):
        """One of the report's figures, built from this run's tables (shows inline in Jupyter).

        ``name`` is one of ``FIGURES``; ``theme_trends`` takes ``themes=[…]``
        and ``network`` takes ``period=…``.

        Examples
        --------
        >>> fig = _example().figure("theme_trends")
        >>> fig.axes[0].get_title()[:4], callable(fig._repr_png_)
        ('主题趋势', True)
        """
        from . import network_plots, report, theme_plots

        if name not in FIGURES:
            raise ConfigError(f"Unknown figure name={name!r}. Choose one of: {', '.join(FIGURES)}.")
        if name == "network":
            self.network(kwargs.get("period", "all"))  # validates period= with a clear message
            return network_plots.plot_network(self["network_nodes"], self["network_edges"], **kwargs)
        make = {
            "theme_trends": lambda: theme_plots.plot_theme_trends(self["theme_years"], **kwargs),
            "theme_heatmap": lambda: theme_plots.plot_theme_heatmap(self["theme_years"]),
            "theme_cities": lambda: theme_plots.plot_theme_cities(self["theme_groups"]),
            "topic_trends": lambda: report.plot_topic_trends(self["topics"], self["topic_trends"]),
            "ingest_audit": lambda: report.plot_ingest_audit(self["audit"]),
        }
        fig = make[name]()
        if fig is None:
            raise OutputError(f"Figure {name!r} has nothing to draw in this run (e.g. one city only).")
        return fig

    def paragraphs_for(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` with the text of the paragraph behind each row (see ``paragraphs_for``)."""
        return _join_paragraphs(rows, self["paragraphs"])


def _join_paragraphs(rows: pd.DataFrame, paragraphs: pd.DataFrame) -> pd.DataFrame:
    key = "para_id" if "para_id" in rows.columns else "unit_id" if "unit_id" in rows.columns else None
    if key is None:
        raise ConfigError(f"rows= needs a para_id (or unit_id) column; it has {', '.join(map(str, rows.columns))}.")
    name = "para_text" if "para_text" not in rows.columns and "text" in rows.columns else "text"
    text = paragraphs.set_index("para_id")["text"]
    return rows.assign(**{name: rows[key].map(text)})


def paragraphs_for(rows: pd.DataFrame, outputs: str | Path = "outputs") -> pd.DataFrame:
    """The paragraphs behind a set of rows that carry ``para_id`` (KWIC hits, topic assignments …).

    Returns the caller's rows, all their columns kept, with the paragraph
    text added as ``text`` (``para_text`` when ``text`` is taken).

    Examples
    --------
    >>> hits = pd.DataFrame({"theme": ["强省会"], "para_id": ["a:p0000"], "year": [2024]})
    >>> paras = pd.DataFrame({"para_id": ["a:p0000"], "text": ["实施强省会行动"]})
    >>> _join_paragraphs(hits, paras).values.tolist()
    [['强省会', 'a:p0000', 2024, '实施强省会行动']]
    """
    return _join_paragraphs(rows, io.read_table(Path(outputs), "paragraphs"))


def load(what: str | Path = "outputs", outputs: str | Path | None = None):
    """Load a finished run (``load("outputs")``) or one of its tables (``load("theme_years", "outputs")``).

    Parameters
    ----------
    what : str or Path
        The run's outputs folder; or a table name, then ``outputs`` is the folder.
    outputs : str or Path, optional
        The outputs folder, when ``what`` is a table name.

    Returns
    -------
    Analysis or DataFrame

    Raises
    ------
    OutputError
        When the folder holds no finished run, or the table does not exist.

    Examples
    --------
    >>> load("/nonexistent/outputs")
    Traceback (most recent call last):
    ...
    pipeline.errors.OutputError: No finished run in /nonexistent/outputs (no tables/ folder). Run pipeline.run(Config(outputs=…)) first, or pass the folder it wrote as outputs=….
    """
    if outputs is not None or (str(what) in SCHEMAS and not Path(what).is_dir()):
        return io.read_table(Path(outputs if outputs is not None else "outputs"), str(what))
    folder = Path(what)
    if not (folder / "tables").is_dir():
        raise OutputError(f"No finished run in {folder} (no tables/ folder). Run pipeline.run(Config(outputs=…)) "
                          "first, or pass the folder it wrote as outputs=….")
    return Analysis(_SavedTables(folder), outputs=folder)


def _example(**extra: pd.DataFrame) -> Analysis:
    """The two-document run the doctests use."""
    from .themes import Theme, track_themes

    docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2023, 2024], "city": "贵阳", "doc_type": "work_report",
                         "n_chars": [20000, 20000], "is_canonical": True})
    paras = pd.DataFrame({"doc_id": ["a", "b"], "para_id": ["a:p0000", "b:p0000"], "para_index": 0,
                          "text": ["建设强省会", "强省会行动，推进社区协商"]})
    themes = track_themes(docs, paras, None, themes=(Theme("强省会", ("强省会",)),))
    return Analysis({"documents": docs, "paragraphs": paras, **themes, **extra})
