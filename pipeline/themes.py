"""Themes stage: researcher-defined themes counted, dated and shown in context.

Input: ``documents`` (doc_id, year, city, doc_type, n_chars, is_canonical,
date), ``paragraphs`` (doc_id, para_id, para_index, text) and, for the
token comparison and emerging terms, ``tokens`` (doc_id, token, keep).
Output (see ``pipeline/records.py``): ``theme_hits`` (KWIC, one row per
hit), ``theme_docs``, ``theme_years``, ``theme_first`` and
``theme_groups`` (``theme_years`` per year × city and year × doc_type).

Counting is done on the normalised paragraph text, never on tokens, so a
segmentation error cannot hide a theme; tokens are counted only for
comparison (``token_count``).  Per paragraph a theme's candidates are
every occurrence of a term (in its half- and full-width forms too, so
``互联网+`` also matches ``互联网＋``) and every regex match; a candidate overlapping an
excluded phrase is dropped, then the longest candidates are kept first
and anything overlapping them is discarded.  So ``乡镇（街道）委员工作站``
counts once even though the theme also lists ``委员工作站``.

Yearly and group figures are pooled (sum of hits / sum of characters ×
10,000), never a mean of per-document rates, and carry ``n_docs`` and
``docs_with`` so a reader sees how many documents stand behind them.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ConfigError, EmptyResultError, LexiconError, SchemaError
from .records import assign_periods, canonical, check_columns, conform

# Extra columns (beyond records.py) that these tables carry:
#   theme_hits: doc_type, date, para_index
#   theme_docs / theme_years / theme_groups: n_paras, paras_with (para_share = paras_with / n_paras)
#   theme_years / theme_groups: token_count;  theme_groups: group_by, group
#   theme_first: first_date, first_term, first_context, n_docs_with
_AGG_COLS = ["n_docs", "docs_with", "count", "token_count", "n_chars", "n_paras", "paras_with"]
_CI_COLS = ["per_10k_low", "per_10k_high", "rate_ok"]
_THEME_KEYS = {"name", "terms", "patterns", "exclude", "description"}
_UNKNOWN = "unknown"  # group label for documents without a city or doc_type


@dataclass(frozen=True)
class Theme:
    """One theme of ``corpus/lexicon/themes.toml``.

    ``terms`` are literal strings (the first is the headline form),
    ``patterns`` Python regular expressions, ``exclude`` literal phrases
    whose span cancels any overlapping match.
    """

    name: str
    terms: tuple[str, ...]
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class _Matcher:
    name: str
    literals: tuple[tuple[str, str], ...]  # (text to find, dictionary term it stands for)
    regexes: tuple[tuple[re.Pattern, str], ...]
    excludes: tuple[str, ...]
    token_forms: frozenset[str]


# ------------------------------------------------------------------ lexicon


def parse_themes(toml_text: str) -> tuple[Theme, ...]:
    """Parse the theme dictionary (``corpus/lexicon/themes.toml``).

    Parameters
    ----------
    toml_text : str
        TOML text with one ``[[theme]]`` table per theme.

    Returns
    -------
    tuple of Theme
        In file order.

    Raises
    ------
    LexiconError
        On invalid TOML, unknown keys, a missing name, empty ``terms``,
        a duplicate name or a regular expression that does not compile;
        the message names the theme and the fix.

    Examples
    --------
    >>> themes = parse_themes('''
    ... [[theme]]
    ... name = "社区协商"
    ... terms = ["社区协商"]
    ... exclude = ["社区协商议事会"]
    ... ''')
    >>> themes[0].name, themes[0].exclude
    ('社区协商', ('社区协商议事会',))
    >>> parse_themes('[[theme]]\\nname = "强省会"\\nterms = []')
    Traceback (most recent call last):
    ...
    pipeline.errors.LexiconError: themes.toml: theme '强省会' has no terms. Add at least one literal term, e.g. terms = ["强省会"].
    """
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"themes.toml is not valid TOML ({exc}). Fix the line it names; "
                           "strings need double quotes and lists square brackets.") from None
    extra = set(data) - {"theme"}
    if extra:
        raise LexiconError(f"themes.toml: unknown top-level key(s) {sorted(extra)}. "
                           "Write every theme as a [[theme]] table.")
    entries = data.get("theme", [])
    if not isinstance(entries, list) or not entries:
        raise LexiconError("themes.toml defines no theme. Add at least one [[theme]] table with name and terms.")
    themes: list[Theme] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise LexiconError(f"themes.toml: theme #{i} has no name. Add name = \"…\" to that [[theme]] table.")
        name = name.strip()
        unknown = set(entry) - _THEME_KEYS
        if unknown:
            raise LexiconError(f"themes.toml: theme '{name}' has unknown key(s) {sorted(unknown)}. "
                               f"Allowed keys: {', '.join(sorted(_THEME_KEYS))}.")
        if name in seen:
            raise LexiconError(f"themes.toml: theme '{name}' is defined twice. Merge the two [[theme]] tables "
                               "or rename one.")
        seen.add(name)
        theme = Theme(
            name=name,
            terms=_str_list(entry, "terms", name),
            patterns=_str_list(entry, "patterns", name),
            exclude=_str_list(entry, "exclude", name),
            description=str(entry.get("description", "")).strip(),
        )
        _compile(theme)  # validates terms and regexes now, not halfway through a run
        themes.append(theme)
    return tuple(themes)


def _str_list(entry: dict, key: str, name: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"themes.toml: theme '{name}': {key} must be a list of strings, "
                           f"not {value!r}. Write {key} = [\"…\", \"…\"].")
    out = tuple(dict.fromkeys(v.strip() for v in value))
    if "" in out:
        raise LexiconError(f"themes.toml: theme '{name}': {key} holds an empty string. Remove it.")
    return out


def _compile(theme: Theme) -> _Matcher:
    if not theme.terms:
        raise LexiconError(f"themes.toml: theme '{theme.name}' has no terms. "
                           f"Add at least one literal term, e.g. terms = [\"{theme.name}\"].")
    literals: dict[str, str] = {}
    for term in theme.terms:
        if not term:
            raise LexiconError(f"themes.toml: theme '{theme.name}' has an empty term. Remove it.")
        for form in _width_forms(term):
            literals.setdefault(form, term)
    regexes = []
    for pat in theme.patterns:
        try:
            rx = re.compile(pat)
        except re.error as exc:
            raise LexiconError(f"themes.toml: theme '{theme.name}': pattern {pat!r} is not a valid regular "
                               f"expression ({exc}). Fix it or escape special characters with a backslash.") from None
        if rx.fullmatch(""):
            raise LexiconError(f"themes.toml: theme '{theme.name}': pattern {pat!r} matches the empty string. "
                               "Use + instead of * or add a literal character.")
        regexes.append((rx, pat))
    excludes = tuple(dict.fromkeys(f for e in theme.exclude for f in _width_forms(e)))
    return _Matcher(theme.name, tuple(literals.items()), tuple(regexes), excludes, frozenset(literals))


# ------------------------------------------------------------------ matching


def _width_forms(term: str) -> tuple[str, ...]:
    """The term as written, its NFKC (half-width) form and its full-width ASCII form.

    Reports mix ``（`` and ``(``, ``＋`` and ``+``; a researcher should not have to list both.

    >>> _width_forms("互联网+")
    ('互联网+', '互联网＋')
    """
    half = unicodedata.normalize("NFKC", term)
    full = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in half)
    return tuple(dict.fromkeys((term, half, full)))


def _find_all(text: str, sub: str, *, overlapping: bool) -> list[int]:
    out, i = [], text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + (1 if overlapping else len(sub)))
    return out


def _match_text(text: str, m: _Matcher) -> list[tuple[int, int, str]]:
    """Non-overlapping theme matches in one paragraph: ``(start, end, term)``, by start."""
    cands: list[tuple[int, int, int, str]] = []  # (start, end, priority, term)
    for prio, (form, term) in enumerate(m.literals):
        cands += [(s, s + len(form), prio, term) for s in _find_all(text, form, overlapping=True)]
    for prio, (rx, pat) in enumerate(m.regexes, start=len(m.literals)):
        cands += [(x.start(), x.end(), prio, pat) for x in rx.finditer(text) if x.end() > x.start()]
    if not cands:
        return []
    if m.excludes:
        banned = [(s, s + len(e)) for e in m.excludes for s in _find_all(text, e, overlapping=True)]
        cands = [c for c in cands if not any(c[0] < be and bs < c[1] for bs, be in banned)]
    chosen: list[tuple[int, int, str]] = []
    # Longest first, then leftmost, then dictionary order: 乡镇（街道）委员工作站 beats 委员工作站.
    for s, e, _, term in sorted(cands, key=lambda c: (c[0] - c[1], c[0], c[2])):
        if not any(s < ce and cs < e for cs, ce, _ in chosen):
            chosen.append((s, e, term))
    return sorted(chosen)


# ------------------------------------------------------------------ inputs


def _require(df: pd.DataFrame | None, cols: list[str], table: str, stage: str) -> None:
    check_columns(df, table, stage=stage, needs=tuple(cols))


def _select_docs(documents: pd.DataFrame, *, canonical_only: bool, stage: str) -> pd.DataFrame:
    _require(documents, ["doc_id", "year", "n_chars"], "documents", stage)
    docs = canonical(documents) if canonical_only else documents
    out = pd.DataFrame({
        "doc_id": docs["doc_id"].astype("string"),
        "year": docs["year"].astype("Int64"),
        "city": _opt(docs, "city"),
        "doc_type": _opt(docs, "doc_type"),
        "date": _opt(docs, "date"),
        "n_chars": docs["n_chars"].astype("Int64"),
    }).reset_index(drop=True)
    if out.empty:
        raise EmptyResultError(f"{stage}: no {'canonical ' if canonical_only else ''}documents to count. "
                               "Check the ingest output or run with canonical_only=False.")
    if out["doc_id"].duplicated().any():
        dup = out.loc[out["doc_id"].duplicated(), "doc_id"].iloc[0]
        raise SchemaError(f"{stage}: doc_id {dup!r} appears twice in 'documents'. Re-run ingest; ids must be unique.")
    return out


def _opt(df: pd.DataFrame, col: str) -> pd.Series:
    if col in df.columns:
        return df[col].astype("string")
    return pd.Series(pd.NA, index=df.index, dtype="string")


def _select_paras(paragraphs: pd.DataFrame, doc_ids: pd.Series, stage: str) -> pd.DataFrame:
    _require(paragraphs, ["doc_id", "para_id", "para_index", "text"], "paragraphs", stage)
    paras = paragraphs.loc[paragraphs["doc_id"].isin(doc_ids), ["doc_id", "para_id", "para_index", "text"]]
    return paras.astype({"doc_id": "string", "para_id": "string", "para_index": "Int64"})


# ------------------------------------------------------------------ counting


def track_themes(
    documents: pd.DataFrame,
    paragraphs: pd.DataFrame,
    tokens: pd.DataFrame | None,
    *,
    themes: tuple[Theme, ...],
    context_chars: int = 30,
    canonical_only: bool = True,
    min_rate_chars: int = 5000,
) -> dict[str, pd.DataFrame]:
    """Count themes per hit, document, year, city and document type.

    Parameters
    ----------
    documents, paragraphs : DataFrame
        Ingest tables (``records.py``).
    tokens : DataFrame or None
        Segment table; used only for ``token_count`` (token == term).
        ``None`` leaves ``token_count`` empty.
    themes : tuple of Theme
        From ``parse_themes``.
    context_chars : int
        Characters of KWIC context on each side, within the paragraph.
    canonical_only : bool
        Count only documents with ``is_canonical`` (duplicates once).
    min_rate_chars : int
        A year (or group) with fewer characters gets ``rate_ok`` False:
        its rate rests on too little text to compare with other years.

    Returns
    -------
    dict
        ``theme_hits``, ``theme_docs``, ``theme_years``, ``theme_first``,
        ``theme_groups``.  Yearly and group rates carry their denominator
        (``n_chars``) and a 95 % exact Poisson interval (``per_10k_low``,
        ``per_10k_high``).

    Raises
    ------
    SchemaError, EmptyResultError, ConfigError, LexiconError

    Warns
    -----
    UserWarning
        When documents have no year: they are counted in ``theme_docs``
        but left out of ``theme_years`` and ``theme_groups``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2023, 2024], "city": "贵阳",
    ...     "doc_type": "work_report", "n_chars": [10, 20], "is_canonical": True})
    >>> paras = pd.DataFrame({"doc_id": ["a", "b"], "para_id": ["a:p0000", "b:p0000"],
    ...     "para_index": [0, 0], "text": ["推进社区协商议事会", "深化社区协商，社区协商见效"]})
    >>> theme = Theme("社区协商", ("社区协商",), exclude=("社区协商议事会",))
    >>> out = track_themes(docs, paras, None, themes=(theme,), context_chars=2)
    >>> out["theme_years"][["year", "count", "per_10k"]].values.tolist()
    [[2023, 0, 0.0], [2024, 2, 1000.0]]
    >>> out["theme_hits"][["left", "match", "right"]].values.tolist()
    [['深化', '社区协商', '，社'], ['商，', '社区协商', '见效']]
    >>> out["theme_first"][["first_year", "first_doc_id"]].values.tolist()
    [[2024, 'b']]
    """
    if context_chars < 0:
        raise ConfigError(f"themes.context_chars must be ≥ 0, not {context_chars}.")
    if min_rate_chars < 0:
        raise ConfigError(f"themes.min_rate_chars must be ≥ 0, not {min_rate_chars}.")
    if not themes:
        raise LexiconError("No themes given. Add [[theme]] tables to corpus/lexicon/themes.toml.")
    names = [t.name for t in themes]
    if len(set(names)) != len(names):
        raise LexiconError(f"Theme names must be unique; got {names}. Rename the duplicates in themes.toml.")
    matchers = [_compile(t) for t in themes]
    docs = _select_docs(documents, canonical_only=canonical_only, stage="themes")
    paras = _select_paras(paragraphs, docs["doc_id"], "themes")
    if tokens is not None:
        _require(tokens, ["doc_id", "token"], "tokens", "themes")
        tokens = tokens.loc[tokens["doc_id"].isin(docs["doc_id"]), ["doc_id", "token"]]

    hits = _collect_hits(paras, docs, matchers, context_chars)
    theme_docs = _doc_table(hits, paras, docs, matchers, tokens)

    undated = docs.loc[docs["year"].isna(), "doc_id"].tolist()
    if undated:
        warnings.warn(f"{len(undated)} document(s) have no year ({', '.join(undated[:5])}"
                      f"{' …' if len(undated) > 5 else ''}): they are counted in theme_docs but left out of "
                      "theme_years and theme_groups. Give them a year in corpus/manifest.csv.", stacklevel=2)
    dated = theme_docs[theme_docs["year"].notna()]
    theme_years = _aggregate(dated, ["year"], names, min_rate_chars)
    groups = []
    for col in ("city", "doc_type"):
        g = _aggregate(dated.assign(**{col: dated[col].fillna(_UNKNOWN)}), ["year", col], names, min_rate_chars)
        groups.append(g.rename(columns={col: "group"}).assign(group_by=col))
    group_cols = ["theme", "group_by", "group", "year"]
    theme_groups = pd.concat(groups, ignore_index=True)
    theme_groups = theme_groups[group_cols + [c for c in theme_groups.columns if c not in group_cols]]

    return {
        "theme_hits": conform(hits, "theme_hits"),
        "theme_docs": conform(theme_docs, "theme_docs"),
        "theme_years": conform(theme_years, "theme_years"),
        "theme_first": conform(_first_table(hits, docs, names), "theme_first"),
        "theme_groups": theme_groups.astype({"group_by": "string", "group": "string"}),
    }


def _collect_hits(paras, docs, matchers, context_chars) -> pd.DataFrame:
    meta = docs.set_index("doc_id")
    rows = []
    for m in matchers:
        for doc_id, para_id, para_index, text in paras[["doc_id", "para_id", "para_index", "text"]].itertuples(
            index=False
        ):
            if pd.isna(text):
                continue
            for s, e, term in _match_text(text, m):
                rows.append((m.name, term, doc_id, para_id, para_index, s, e,
                             text[max(0, s - context_chars):s], text[s:e], text[e:e + context_chars]))
    cols = ["theme", "term", "doc_id", "para_id", "para_index", "start", "end", "left", "match", "right"]
    hits = pd.DataFrame(rows, columns=cols).astype({"doc_id": "string"})
    hits = hits.merge(meta[["year", "city", "doc_type", "date"]], left_on="doc_id", right_index=True, how="left")
    order = {m.name: i for i, m in enumerate(matchers)}
    hits = hits.assign(_t=hits["theme"].map(order)).sort_values(
        ["_t", "year", "date", "doc_id", "para_index", "start"], na_position="last", kind="stable"
    )
    return hits.drop(columns="_t").reset_index(drop=True)


def _doc_table(hits, paras, docs, matchers, tokens) -> pd.DataFrame:
    n_paras = paras.groupby("doc_id").size()
    frames = []
    for m in matchers:
        h = hits[hits["theme"] == m.name]
        d = docs.copy()
        d["theme"] = m.name
        d["count"] = d["doc_id"].map(h.groupby("doc_id").size()).fillna(0).astype("Int64")
        d["n_paras"] = d["doc_id"].map(n_paras).fillna(0).astype("Int64")
        d["paras_with"] = d["doc_id"].map(h.groupby("doc_id")["para_id"].nunique()).fillna(0).astype("Int64")
        if tokens is None:
            d["token_count"] = pd.Series(pd.NA, index=d.index, dtype="Int64")
        else:
            tc = tokens.loc[tokens["token"].isin(m.token_forms)].groupby("doc_id").size()
            d["token_count"] = d["doc_id"].map(tc).fillna(0).astype("Int64")
        frames.append(d)
    out = pd.concat(frames, ignore_index=True)
    out["per_10k"] = _rate(out["count"], out["n_chars"])
    out["para_share"] = _rate(out["paras_with"], out["n_paras"], scale=1.0)
    return out


def _rate(num: pd.Series, den: pd.Series, scale: float = 10_000.0) -> pd.Series:
    num = num.astype("float64")
    den = den.astype("float64").where(den > 0)  # a zero-length document has no rate, not an infinite one
    return (num / den * scale).astype("float64")


def poisson_ci(count: pd.Series, n_chars: pd.Series, *, level: float = 0.95) -> tuple[pd.Series, pd.Series]:
    """Exact (Garwood) Poisson interval of a rate per 10,000 characters.

    Hits are rare events in a long text, so their count is close to
    Poisson; the exact interval stays honest at counts of 0–5, where a
    normal approximation would go below zero.

    Examples
    --------
    >>> lo, hi = poisson_ci(pd.Series([0, 10]), pd.Series([10_000, 10_000]))
    >>> [round(x, 2) for x in lo], [round(x, 2) for x in hi]
    ([0.0, 4.8], [3.69, 18.39])
    """
    from scipy.stats import chi2

    k = count.astype("float64").to_numpy()
    n = n_chars.astype("float64").where(n_chars.astype("float64") > 0).to_numpy()
    a = 1 - level
    with np.errstate(invalid="ignore"):
        low = np.where(k > 0, chi2.ppf(a / 2, 2 * k) / 2, 0.0) / n * 10_000
        high = chi2.ppf(1 - a / 2, 2 * k + 2) / 2 / n * 10_000
    return pd.Series(low, index=count.index, dtype="float64"), pd.Series(high, index=count.index, dtype="float64")


def _aggregate(theme_docs: pd.DataFrame, by: list[str], names: list[str], min_rate_chars: int = 0) -> pd.DataFrame:
    """Pooled figures per theme × ``by``: sums first, rates after (never a mean of rates)."""
    cols = ["theme", *by, *_AGG_COLS, "per_10k", "para_share", *_CI_COLS]
    if theme_docs.empty:
        return pd.DataFrame(columns=cols)
    d = theme_docs.assign(docs_with=(theme_docs["count"] > 0).astype("int64"), n_docs=1)
    agg = d.groupby(["theme", *by], sort=False, dropna=False).agg(
        n_docs=("n_docs", "sum"), docs_with=("docs_with", "sum"), count=("count", "sum"),
        token_count=("token_count", lambda s: s.sum() if s.notna().any() else pd.NA),
        n_chars=("n_chars", "sum"), n_paras=("n_paras", "sum"), paras_with=("paras_with", "sum"),
    ).reset_index()
    agg["per_10k"] = _rate(agg["count"], agg["n_chars"])
    agg["para_share"] = _rate(agg["paras_with"], agg["n_paras"], scale=1.0)
    agg["per_10k_low"], agg["per_10k_high"] = poisson_ci(agg["count"], agg["n_chars"])
    agg["rate_ok"] = (agg["n_chars"].astype("float64") >= max(1, min_rate_chars)).astype("boolean")
    agg["_t"] = agg["theme"].map({n: i for i, n in enumerate(names)})
    agg = agg.sort_values(["_t", *by], kind="stable").drop(columns="_t").reset_index(drop=True)
    return agg.astype({c: "Int64" for c in _AGG_COLS})[cols]


def _first_table(hits: pd.DataFrame, docs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """First hit per theme (corpus row, city ''), plus one row per city when there are several."""
    cities = sorted(docs["city"].dropna().unique().tolist())
    scopes: list[str | None] = [None] + (cities if len(cities) > 1 else [])
    rows = []
    for name in names:
        h = hits[hits["theme"] == name]  # already sorted by year, date, doc_id, paragraph, offset
        for city in scopes:
            hc = h if city is None else h[h["city"] == city]
            row = {"theme": name, "city": "" if city is None else city, "total_count": len(hc),
                   "n_docs_with": hc["doc_id"].nunique()}
            if len(hc):
                f = hc.iloc[0]
                row.update(first_year=f["year"], first_doc_id=f["doc_id"], first_para_id=f["para_id"],
                           first_date=f["date"], first_term=f["term"],
                           first_context=f"{f['left']}【{f['match']}】{f['right']}")
            rows.append(row)
    extra = ["first_date", "first_term", "first_context"]
    out = pd.DataFrame(rows)
    for col in extra:
        out[col] = out[col].astype("string") if col in out.columns else pd.Series(pd.NA, index=out.index, dtype="string")
    return out.astype({"n_docs_with": "Int64"})


# ------------------------------------------------------------------ ad hoc trace


def trace_term(
    term: str,
    documents: pd.DataFrame,
    paragraphs: pd.DataFrame,
    *,
    context_chars: int = 30,
    canonical_only: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trace one literal term: yearly rates and every hit (``themes trace 高质量发展``).

    Parameters
    ----------
    term : str
        Literal string searched in the normalised paragraphs (no regex).
    documents, paragraphs : DataFrame
        Ingest tables.
    context_chars : int
        KWIC context on each side.
    canonical_only : bool
        Count canonical documents only.

    Returns
    -------
    (DataFrame, DataFrame)
        ``theme_years`` rows for the term (every corpus year, zeros
        included) and its ``theme_hits`` in chronological order, so the
        first hit row is the first appearance.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2021, 2022], "city": "全国",
    ...     "doc_type": "work_report", "n_chars": [100, 100], "is_canonical": True})
    >>> paras = pd.DataFrame({"doc_id": ["a", "b"], "para_id": ["a:p0000", "b:p0000"],
    ...     "para_index": [0, 0], "text": ["推动发展", "推动高质量发展"]})
    >>> years, hits = trace_term("高质量发展", docs, paras)
    >>> years[["year", "count", "per_10k"]].values.tolist()
    [[2021, 0, 0.0], [2022, 1, 100.0]]
    >>> hits[["year", "doc_id", "left"]].values.tolist()
    [[2022, 'b', '推动']]
    """
    term = term.strip() if isinstance(term, str) else ""
    if not term:
        raise ConfigError("themes trace needs a non-empty term, e.g. `themes trace 高质量发展`.")
    out = track_themes(documents, paragraphs, None, themes=(Theme(term, (term,)),),
                       context_chars=context_chars, canonical_only=canonical_only)
    return out["theme_years"], out["theme_hits"]


# ------------------------------------------------------------------ emerging terms


def find_emerging(
    documents: pd.DataFrame,
    tokens: pd.DataFrame,
    *,
    period: str = "year",
    min_count: int = 5,
    top_n: int = 50,
    known_terms: frozenset[str] = frozenset(),
    max_p: float = 0.001,
    burst: bool = False,
    canonical_only: bool = True,
) -> pd.DataFrame:
    """Rank kept tokens whose frequency in a period rises against all earlier periods.

    Each period is compared with the pooled earlier periods by Dunning's
    log-likelihood G² (Rayson & Garside's 2×2 form).  ``g2`` is signed
    (+ when the term is relatively more frequent now); only significant
    increases are kept.  Terms in ``known_terms`` (e.g. the theme
    dictionary) are left out, so the table lists candidates nobody has
    put on a list yet.

    Parameters
    ----------
    documents : DataFrame
        ``doc_id``, ``year`` (and ``is_canonical``).
    tokens : DataFrame
        ``doc_id``, ``token``, ``keep``; only kept tokens count.
    period : str
        ``year``, or a span such as ``5y`` (see ``records.assign_periods``).
    min_count : int
        Minimum occurrences in the period.
    top_n : int
        Rows per period.
    known_terms : frozenset of str
        Terms to leave out.
    max_p : float
        Largest p-value kept (χ², 1 d.f.); 0.001 ↔ G² ≥ 10.83.
    burst : bool
        Also run Kleinberg's two-state burst detection (batched, s=2,
        γ=1) over all periods and flag terms in a burst in the period.
    canonical_only : bool
        Count each duplicate group once (``records.canonical``).

    Returns
    -------
    DataFrame
        ``period``, ``rank``, ``term``, ``count``, ``count_before``,
        ``per_10k`` and ``per_10k_before`` (per 10,000 kept tokens),
        ``g2``, ``p_value``, ``is_new`` (never seen before),
        ``first_year`` (first year in the corpus), ``burst`` (empty
        unless ``burst=True``).  The first period has no earlier one and
        yields no rows.

    Raises
    ------
    ConfigError
        For ``min_count < 1``, ``top_n < 1`` or ``max_p`` outside (0, 1].

    Warns
    -----
    UserWarning
        When the dated kept tokens span fewer than two periods, or no term
        rises significantly (an empty table is returned).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2022, 2023], "is_canonical": True})
    >>> toks = ["发展", "改革"] * 50 + ["发展"] * 40 + ["新质生产力"] * 10
    >>> tok = pd.DataFrame({"doc_id": ["a"] * 100 + ["b"] * 50, "token": toks, "keep": True})
    >>> find_emerging(docs, tok, min_count=5)[["period", "term", "count", "count_before"]].values.tolist()
    [['2023', '新质生产力', 10, 0]]
    """
    from scipy.stats import chi2

    if min_count < 1 or top_n < 1 or not 0 < max_p <= 1:
        raise ConfigError(f"themes.emerging needs min_count ≥ 1, top_n ≥ 1 and 0 < max_p ≤ 1 "
                          f"(got {min_count}, {top_n}, {max_p}).")
    _require(documents, ["doc_id", "year"], "documents", "emerging terms")
    _require(tokens, ["doc_id", "token", "keep"], "tokens", "emerging terms")
    docs = canonical(documents) if canonical_only else documents
    docs = docs.loc[docs["year"].notna(), ["doc_id", "year"]].astype({"year": "Int64"})
    docs = docs.assign(period=assign_periods(docs["year"], period))
    kept = tokens.loc[tokens["keep"].fillna(False).astype(bool), ["doc_id", "token"]]
    kept = kept.merge(docs, on="doc_id", how="inner")
    order = kept.groupby("period")["year"].min().sort_values()
    cols = ["period", "rank", "term", "count", "count_before", "per_10k", "per_10k_before", "g2",
            "p_value", "is_new", "first_year", "burst"]
    if len(order) < 2:
        # A one-year corpus is valid input; the themes stage must not fail over it.
        warnings.warn(f"Emerging terms need at least two periods with kept tokens; got {len(order)} "
                      f"(period={period!r}). Use a shorter period or add dated documents.", stacklevel=2)
        return _empty_emerging(cols)
    periods = order.index.tolist()
    counts = kept.groupby(["token", "period"]).size().unstack("period", fill_value=0)[periods]
    first_year = kept.groupby("token")["year"].min()
    a_all = counts.to_numpy(dtype="float64")
    before_all = np.cumsum(a_all, axis=1) - a_all
    totals = a_all.sum(axis=0)
    d_all = np.cumsum(totals) - totals
    states = _kleinberg(a_all, totals) if burst else None
    terms = counts.index.to_numpy()
    # Numbers written in Chinese (一九五七年, 三个) date a report, they do not say what is new in it.
    known = np.isin(terms, list(known_terms)) | pd.Series(terms, dtype="string").str.fullmatch(_NUMERAL).to_numpy(bool)

    frames = []
    for j in range(1, len(periods)):
        a, b, c, d = a_all[:, j], before_all[:, j], totals[j], d_all[j]
        g2 = _g2(a, b, c, d)
        rise = (a / c) > (b / d)
        keep = (a >= min_count) & rise & ~known & (chi2.sf(g2, 1) <= max_p)
        idx = np.flatnonzero(keep)
        if not len(idx):
            continue
        f = pd.DataFrame({
            "period": periods[j], "term": terms[idx], "count": a[idx].astype("int64"),
            "count_before": b[idx].astype("int64"), "per_10k": a[idx] / c * 10_000,
            "per_10k_before": b[idx] / d * 10_000, "g2": g2[idx], "p_value": chi2.sf(g2[idx], 1),
            "is_new": b[idx] == 0, "first_year": first_year.reindex(terms[idx]).to_numpy(),
            "burst": states[idx, j].astype(bool) if states is not None else pd.NA,
        })
        f = f.sort_values(["g2", "term"], ascending=[False, True]).head(top_n)
        frames.append(f.assign(rank=np.arange(1, len(f) + 1)))
    if not frames:
        warnings.warn(f"No term rises significantly (min_count={min_count}, max_p={max_p}). "
                      "Lower min_count or raise max_p.", stacklevel=2)
        return _empty_emerging(cols)
    return pd.concat(frames, ignore_index=True)[cols].astype(_EMERGING_TYPES)


_NUMERAL = r"[〇零一二三四五六七八九十百千万亿两]+[年月日号个项次倍届]?"


def parse_fillers(text: str) -> frozenset[str]:
    """Parse ``corpus/lexicon/fillers.txt``: one word per line, ``#`` starts a comment.

    Fillers (可能, 有些, 就是 …) are frequent in any period and carry no
    topic; they are left out of the emerging-terms table.

    Examples
    --------
    >>> sorted(parse_fillers("# 虚词\\n可能\\n有些  # 量词\\n\\n"))
    ['可能', '有些']
    """
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(w for w in words if w)


_EMERGING_TYPES = {"period": "string", "rank": "Int64", "term": "string", "count": "Int64",
                   "count_before": "Int64", "per_10k": "float64", "per_10k_before": "float64",
                   "g2": "float64", "p_value": "float64", "is_new": "boolean", "first_year": "Int64",
                   "burst": "boolean"}


def _empty_emerging(cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_EMERGING_TYPES[c]) for c in cols})


def _g2(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    """Signed Dunning log-likelihood for counts ``a`` of ``c`` tokens against ``b`` of ``d``.

    >>> float(round(_g2(np.array([10.0]), np.array([0.0]), 50.0, 100.0)[0], 3))
    21.972
    """
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(a > 0, a * np.log(a / e1), 0.0)
        t2 = np.where(b > 0, b * np.log(b / e2), 0.0)
    g2 = 2 * (t1 + t2)
    return np.where(a / c >= b / d, g2, -g2)


def _kleinberg(r: np.ndarray, d: np.ndarray, s: float = 2.0, gamma: float = 1.0) -> np.ndarray:
    """Kleinberg's (2002) batched two-state burst automaton, one Viterbi pass per term (row).

    ``r[i, t]`` relevant events (term count) out of ``d[t]`` (all tokens)
    in batch ``t``.  State 1 emits at ``s`` times the base rate; entering
    it costs ``gamma·ln n``, leaving it is free.  Returns 0/1 states.
    The ``burst_detection`` package implements the same model but is
    unmaintained since 2018 and loops in pure Python per term anyway.

    >>> _kleinberg(np.array([[1, 1, 30, 1]]), np.array([100, 100, 100, 100])).tolist()
    [[0, 0, 1, 0]]
    """
    n_terms, n = r.shape
    p0 = np.clip(r.sum(axis=1) / d.sum(), 1e-12, None)[:, None]
    p = np.stack([p0, np.clip(s * p0, None, 1 - 1e-9)])  # (2, terms, 1)
    # -log of the binomial likelihood without the binomial coefficient (equal in both states).
    cost = -(r[None] * np.log(p) + (d[None, None, :] - r[None]) * np.log1p(-p))  # (2, terms, n)
    up = gamma * math.log(n)
    best = np.zeros((2, n_terms))
    best[1] = up
    back = np.zeros((2, n_terms, n), dtype=np.int8)
    best = best + cost[:, :, 0]
    for t in range(1, n):
        stay0, from1 = best[0], best[1]
        to0 = np.minimum(stay0, from1)
        back[0, :, t] = (from1 < stay0).astype(np.int8)
        to1_from0, to1_from1 = best[0] + up, best[1]
        to1 = np.minimum(to1_from0, to1_from1)
        back[1, :, t] = (to1_from1 <= to1_from0).astype(np.int8)
        best = np.stack([to0, to1]) + cost[:, :, t]
    states = np.zeros((n_terms, n), dtype=np.int8)
    states[:, -1] = (best[1] < best[0]).astype(np.int8)
    rows = np.arange(n_terms)
    for t in range(n - 1, 0, -1):
        states[:, t - 1] = back[states[:, t], rows, t]
    return states


def analyze_themes(
    documents: pd.DataFrame,
    paragraphs: pd.DataFrame,
    tokens: pd.DataFrame,
    *,
    themes: tuple[Theme, ...],
    context_chars: int = 30,
    canonical_only: bool = True,
    emerging_min_count: int = 5,
    emerging_top_n: int = 30,
    emerging_period: str = "year",
    emerging_burst: bool = True,
    min_rate_chars: int = 5000,
    fillers: frozenset[str] = frozenset(),
) -> dict[str, pd.DataFrame]:
    """The themes stage: ``track_themes`` plus ``find_emerging`` (theme terms and fillers left out).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a"], "year": [2023], "n_chars": [9], "is_canonical": True})
    >>> paras = pd.DataFrame({"doc_id": ["a"], "para_id": ["a:p0000"], "para_index": [0], "text": ["推进社区协商"]})
    >>> tok = pd.DataFrame({"doc_id": "a", "para_id": "a:p0000", "token": ["推进", "社区协商"], "keep": True})
    >>> import warnings; warnings.simplefilter("ignore")
    >>> out = analyze_themes(docs, paras, tok, themes=(Theme("社区协商", ("社区协商",)),))
    >>> out["theme_years"]["count"].tolist(), len(out["emerging"])
    ([1], 0)
    """
    out = track_themes(documents, paragraphs, tokens, themes=themes, context_chars=context_chars,
                       canonical_only=canonical_only, min_rate_chars=min_rate_chars)
    known = frozenset(t for theme in themes for t in theme.terms) | fillers
    out["emerging"] = find_emerging(documents, tokens, period=emerging_period, min_count=emerging_min_count,
                                    top_n=emerging_top_n, known_terms=known, burst=emerging_burst,
                                    canonical_only=canonical_only)
    return out
