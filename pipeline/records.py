"""Documented tables passed between stages.

Every stage reads and returns pandas DataFrames whose columns are listed
here.  ``SCHEMAS`` is the single source of truth: the README's artifact
section is generated from it (``python -m pipeline schema``), ``io`` uses
it to give Parquet files stable column types, and ``check_columns`` guards
the entry of every stage.

Identifiers
-----------
``doc_id``  stable per source document: the file stem (``003_c54721cf5b7c43cb``),
            with ``#<row>`` appended for one row of a tabular corpus.
``para_id`` ``<doc_id>:p<index:04d>``, index counted from 0 in the normalised text.
``sent_id`` ``<para_id>:s<index:02d>``.
Offsets (``start``/``end``) are Python string indices, ``end`` exclusive.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd
from pandas.api.types import pandas_dtype

from .errors import ConfigError, SchemaError


@dataclass(frozen=True)
class Column:
    """One documented column: name, pandas dtype and meaning."""

    name: str
    dtype: str
    doc: str


def _cols(*rows: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*r) for r in rows)


SCHEMAS: dict[str, tuple[Column, ...]] = {
    # ---------------------------------------------------------------- ingest
    "documents": _cols(
        ("doc_id", "string", "Stable document id (file stem, `#row` for tabular rows)."),
        ("source_file", "string", "Path of the raw file relative to the corpus folder."),
        ("source_row", "Int64", "Row number inside a tabular source file; empty otherwise."),
        ("format", "string", "txt, html, pdf, docx, csv, tsv or jsonl."),
        ("title", "string", "Title: manifest value, else inferred from the text."),
        ("organisation", "string", "Issuing body, e.g. 贵阳市政协."),
        ("city", "string", "City or province the document belongs to."),
        ("speaker", "string", "Speaker or author when the text names one."),
        ("year", "Int64", "Year the document was given or published; empty if unknown."),
        ("date", "string", "ISO date (YYYY-MM-DD, or YYYY-MM) when known."),
        ("doc_type", "string", "work_report, speech, article, resolution or other."),
        ("year_source", "string", "manifest, field (the source's own field, via ingest.fields), text or none: where `year` comes from; `year_evidence` says the same."),
        ("year_evidence", "string", "The quoted text (or manifest cell) that dates the document."),
        ("n_chars", "Int64", "Characters of normalised text."),
        ("n_paragraphs", "Int64", "Paragraphs of normalised text."),
        ("dup_group", "string", "Duplicate group id shared by exact/near duplicates; empty if unique."),
        ("dup_kind", "string", "exact, near, compilation or empty."),
        ("is_canonical", "boolean", "False for every non-first member of a duplicate group, and for a compilation."),
        ("text", "string", "Normalised text: paragraphs joined by a newline."),
        ("source_meta", "string", "JSON: what the reader and clean-up moved out of the text (editor, keywords, breadcrumb, url, …)."),
        ("similarity", "float64", "Estimated Jaccard similarity to the canonical member of the duplicate group."),
        ("repeat_chars", "Int64", "Characters of passages the document repeats inside itself, counted once."),
        ("is_compilation", "boolean", "True for a file that holds several other documents of the corpus (one file of every yearly report): its parts are counted, it is not."),
        ("contained_in", "string", "The compilation holding this document (or that it was split out of), or a document of another year that holds it (both counted; see `duplicates`); empty otherwise."),
        ("is_stub", "boolean", "True when the text is shorter than ingest.min_chars (a disambiguation page, a title only): kept and listed; the selection leaves it out (select.drop_stubs)."),
        ("in_analysis", "boolean", "True if the corpus selection counts the document (select stage; see `[select]`)."),
        ("excluded_reason", "string", "Why the selection leaves it out (`doc_type=resolution`, `n_chars<2000`, `stub`); empty if counted."),
    ),
    "paragraphs": _cols(
        ("doc_id", "string", "Document id."),
        ("para_id", "string", "`<doc_id>:p<index>`."),
        ("para_index", "Int64", "Position of the paragraph in its document, from 0."),
        ("start", "Int64", "Offset of the paragraph in the document's `text`."),
        ("text", "string", "Normalised paragraph text."),
        ("n_chars", "Int64", "Characters in the paragraph."),
        ("is_heading", "boolean", "True for headings such as 一、… or （二）…."),
        ("is_repeat", "boolean", "True if the paragraph repeats earlier text of its document (dropped when ingest.dedupe)."),
    ),
    "sentences": _cols(
        ("doc_id", "string", "Document id."),
        ("para_id", "string", "Paragraph id."),
        ("sent_id", "string", "`<para_id>:s<index>`."),
        ("sent_index", "Int64", "Position of the sentence in its paragraph, from 0."),
        ("start", "Int64", "Offset of the sentence in the paragraph text."),
        ("end", "Int64", "End offset (exclusive)."),
        ("text", "string", "The sentence (ends after 。！？；… and closing quotes)."),
    ),
    "duplicates": _cols(
        ("dup_group", "string", "Duplicate group id."),
        ("dup_kind", "string", "exact (same normalised text) or near (MinHash candidates verified on shingles); for `in-…` groups: compilation or container (the holder), contained (a part of a compilation), split (a document cut out of a compilation because no other file has it) or other_year (held by a document of another year)."),
        ("doc_id", "string", "Member document."),
        ("source_file", "string", "Its raw file."),
        ("year", "Int64", "Its year."),
        ("n_chars", "Int64", "Its length."),
        ("is_canonical", "boolean", "True for the member counted in analysis (the most complete text)."),
        ("similarity", "float64", "Jaccard similarity of 5-gram shingles to the canonical member; in `in-…` groups, the share of the document found in its holder."),
    ),
    "ingest_errors": _cols(
        ("source_file", "string", "A raw file that could not be read."),
        ("reason", "string", "Why, and how to fix it."),
    ),
    "audit": _cols(
        ("doc_id", "string", "Document id."),
        ("source_file", "string", "Raw file relative to the corpus folder."),
        ("format", "string", "Detected format."),
        ("encoding", "string", "Detected byte encoding (e.g. utf_8, gb18030, big5)."),
        ("encoding_confidence", "float64", "Confidence of the encoding decision, 0–1."),
        ("chars_in", "Int64", "Characters after decoding, before any repair."),
        ("chars_out", "Int64", "Characters of normalised text."),
        ("repairs", "string", "JSON object: characters repaired per route."),
        ("chars_repaired", "Int64", "Sum of `repairs`."),
        ("placeholders", "Int64", "U+FFFD placeholders left for characters that cannot be recovered."),
        ("script_converted", "Int64", "Characters changed by Traditional→Simplified conversion."),
        ("width_normalised", "Int64", "Characters changed by width / space / quote normalisation."),
        ("artefacts_removed", "Int64", "Characters of site artefacts removed (pinyin, HTML, menus)."),
        ("lines_reflowed", "Int64", "Hard line breaks joined back into paragraphs."),
        ("dup_group", "string", "Duplicate group, if any."),
        ("warnings", "string", "Semicolon-separated warnings (needs OCR, no year, …)."),
    ),
    # --------------------------------------------------------------- segment
    "tokens": _cols(
        ("doc_id", "string", "Document id."),
        ("para_id", "string", "Paragraph id."),
        ("token_index", "Int64", "Position of the token in its paragraph, from 0."),
        ("token", "string", "The token exactly as in the paragraph text."),
        ("start", "Int64", "Offset of the token in the paragraph text."),
        ("end", "Int64", "End offset (exclusive)."),
        ("pos", "string", "jieba POS tag (empty when POS tagging is off)."),
        ("keep", "boolean", "False for stopwords, punctuation, numbers and filtered POS."),
    ),
    # ---------------------------------------------------------------- topics
    "topics": _cols(
        ("topic_id", "Int64", "Topic number, from 0, ordered by number of units."),
        ("label", "string", "The three terms with the highest class-based TF-IDF (c-TF-IDF): what is distinctive of the topic."),
        ("top_terms", "string", "Top terms by c-TF-IDF, space-separated (`topics.top_terms` of them)."),
        ("n_units", "Int64", "Units (paragraphs by default) assigned to the topic."),
        ("chars", "Int64", "Characters of those units."),
        ("share", "float64", "Share of all clustered characters (length-weighted)."),
        ("coherence", "float64", "NPMI coherence of the top 10 terms (co-occurrence within units of this corpus), −1 to 1."),
        ("stability", "float64", "Mean cosine of the topic's centroid to its Hungarian match in the runs with the other seeds."),
        ("stable", "boolean", "True when `stability` ≥ `topics.stable_cosine`; unstable topics should not be read alone."),
        ("similar_to", "Int64", "Most similar other topic when its centroid cosine ≥ `topics.duplicate_cosine` (a near duplicate); empty otherwise."),
        ("similar_cosine", "float64", "Centroid cosine to the most similar other topic."),
    ),
    "topic_assignments": _cols(
        ("unit_id", "string", "Unit id: the para_id (paragraph), the para_id of the section's first paragraph (section) or the doc_id (document)."),
        ("doc_id", "string", "Document id."),
        ("year", "Int64", "Document year."),
        ("city", "string", "Document city."),
        ("topic_id", "Int64", "Assigned topic (exactly one per unit)."),
        ("similarity", "float64", "Cosine similarity of the unit's TF-IDF vector to its topic centroid."),
        ("n_chars", "Int64", "Characters of the unit: its weight in every share."),
    ),
    "topic_evidence": _cols(
        ("topic_id", "Int64", "Topic."),
        ("rank", "Int64", "1 = closest to the centroid; three units per topic."),
        ("unit_id", "string", "Unit id (as in `topic_assignments`)."),
        ("para_id", "string", "Paragraph id (first paragraph of a section or document unit)."),
        ("doc_id", "string", "Document id."),
        ("year", "Int64", "Document year."),
        ("similarity", "float64", "Cosine similarity to the topic centroid."),
        ("text", "string", "The paragraph (a section or document is cut after 600 characters)."),
    ),
    "topic_trends": _cols(
        ("year", "Int64", "Year (only years with a document; every topic listed, zeros included)."),
        ("topic_id", "Int64", "Topic."),
        ("n_units", "Int64", "Units of that year in the topic."),
        ("chars", "Int64", "Characters of those units."),
        ("share", "float64", "Topic's share of the year's clustered characters (length-weighted)."),
    ),
    "topic_docs": _cols(
        ("doc_id", "string", "Document id (topics with no unit in the document are left out)."),
        ("topic_id", "Int64", "Topic."),
        ("n_units", "Int64", "Units of the document in the topic."),
        ("chars", "Int64", "Characters of those units."),
        ("share", "float64", "Topic's share of the document's clustered characters."),
        ("year", "Int64", "Document year."),
        ("city", "string", "Document city."),
    ),
    "topic_cities": _cols(
        ("city", "string", "City (documents without a city are left out)."),
        ("topic_id", "Int64", "Topic."),
        ("n_units", "Int64", "Units of the city in the topic."),
        ("chars", "Int64", "Characters of those units."),
        ("share", "float64", "Topic's share of the city's clustered characters."),
    ),
    "topic_eras": _cols(
        ("era", "string", "Era as configured in `topics.eras` (e.g. 1964-1978); eras without a document are left out."),
        ("topic_id", "Int64", "Topic."),
        ("n_units", "Int64", "Units of the era in the topic."),
        ("chars", "Int64", "Characters of those units."),
        ("share", "float64", "Topic's share of the era's clustered characters."),
        ("start", "Int64", "First year with a document in the era."),
        ("end", "Int64", "Last year with a document in the era."),
        ("dominant", "boolean", "True for the topic with the largest share in the era."),
        ("label", "string", "Topic label."),
    ),
    "topic_k": _cols(
        ("k", "Int64", "Number of topics tried."),
        ("criterion", "string", "`npmi_x_diversity`: topic quality as in Dieng et al. (2020), `npmi` × `diversity` (fits with 3 k-means restarts, on a seeded sample of 6,000 units when there are more)."),
        ("value", "float64", "Criterion value (higher is better)."),
        ("npmi", "float64", "NPMI coherence of each topic's top 10 c-TF-IDF terms over unit co-occurrence, averaged with topic sizes as weights."),
        ("diversity", "float64", "Share of distinct words among all topics' top 10 terms (1 = no topic repeats another's words)."),
        ("chosen", "boolean", "True for the k used (highest value; the smaller k on ties)."),
    ),
    "topic_stability": _cols(
        ("seed", "Int64", "Seed of a repeated fit with the chosen k (the first row is the reported fit)."),
        ("ari", "float64", "Adjusted Rand index of its unit assignments against the reported fit."),
        ("mean_cosine", "float64", "Mean centroid cosine of the Hungarian matching against the reported fit."),
    ),
    "topic_ca": _cols(
        ("kind", "string", "`term` (a distinctive topic term) or `year`: rows and columns of the correspondence analysis."),
        ("item", "string", "The term or the year."),
        ("topic_id", "Int64", "For a term: the topic whose top terms it heads; empty for years."),
        ("dim1", "float64", "Principal coordinate on the first CA axis (scipy SVD of standardised residuals)."),
        ("dim2", "float64", "Principal coordinate on the second CA axis."),
        ("mass", "float64", "Row or column mass (share of the term × year counts)."),
        ("inertia1", "float64", "Share of total inertia on axis 1 (same on every row)."),
        ("inertia2", "float64", "Share of total inertia on axis 2 (same on every row)."),
    ),
    "topic_summary": _cols(
        ("item", "string", "units_total, units_short (skipped, too few tokens), units_no_terms, units_clustered, terms, k_requested, k, mean_npmi, mean_ari, seeds, stable_topics."),
        ("value", "float64", "Its value."),
        ("note", "string", "What it counts."),
    ),
    # --------------------------------------------------------------- network
    "network_nodes": _cols(
        ("period", "string", "Period label (a year, a year range such as `2020–2024`, an era, or `all`)."),
        ("node_id", "Int64", "Run-wide id of the term, the same in every period (0 = most frequent overall)."),
        ("term", "string", "Token; also the node key in the GEXF/GraphML files."),
        ("freq", "Int64", "Windows (sentences by default) of the period containing the term."),
        ("share", "float64", "freq ÷ windows of the period."),
        ("score", "float64", "What picked the node: freq, or its TF-IDF distinctiveness for the period (`rank_by`)."),
        ("degree", "Int64", "Edges of the node after pruning (always ≥ 1: orphans are dropped)."),
        ("strength", "float64", "Weighted degree: sum of the node's edge weights."),
        ("betweenness", "float64", "Normalised betweenness centrality (hop counts)."),
        ("eigenvector", "float64", "Eigenvector centrality (weighted; per connected component, scaled by its share of nodes)."),
        ("community", "Int64", "Louvain (or Leiden) community, numbered by size from 0."),
        ("community_label", "string", "The community's label: its most central terms."),
    ),
    "network_edges": _cols(
        ("period", "string", "Period label."),
        ("source", "string", "Term (the smaller in code-point order)."),
        ("target", "string", "Term."),
        ("source_id", "Int64", "node_id of source."),
        ("target_id", "Int64", "node_id of target."),
        ("count", "Int64", "Windows of the period holding both terms (the raw co-occurrence count)."),
        ("weight", "float64", "The chosen measure (`network.measure`), used for pruning, layout and communities."),
        ("jaccard", "float64", "count ÷ windows holding either term."),
        ("dice", "float64", "2 · count ÷ (freq of source + freq of target)."),
        ("association", "float64", "Association strength: count · windows ÷ (freq of source · freq of target), observed ÷ expected."),
        ("pmi", "float64", "Pointwise mutual information, log(association)."),
        ("npmi", "float64", "Normalised PMI in [−1, 1]."),
        ("p_value", "float64", "One-sided binomial p-value of a count this high by chance."),
        ("q_value", "float64", "Benjamini–Hochberg adjusted p_value over the period's candidate pairs."),
        ("backbone", "boolean", "True if the edge is on the maximum spanning tree backbone (`network.backbone`)."),
    ),
    "network_communities": _cols(
        ("period", "string", "Period label."),
        ("community", "Int64", "Community number within the period, by size from 0."),
        ("size", "Int64", "Nodes in the community."),
        ("label", "string", "Its `label_terms` most central terms (weighted degree inside the community), joined by ·."),
        ("terms", "string", "All its terms, most central first, space-separated."),
    ),
    "network_neighbours": _cols(
        ("theme", "string", "Theme name (themes.toml), or the focus term itself (`network.focus_terms`)."),
        ("term", "string", "The theme's term whose neighbours these are."),
        ("period", "string", "Period label."),
        ("rank", "Int64", "Rank of the neighbour by the chosen weight, from 1."),
        ("neighbour", "string", "Co-occurring term (any candidate term, not only the period's nodes)."),
        ("weight", "float64", "The chosen measure (`network.measure`)."),
        ("count", "Int64", "Windows holding both terms."),
        ("npmi", "float64", "Normalised PMI."),
        ("jaccard", "float64", "Jaccard coefficient."),
        ("p_value", "float64", "One-sided binomial p-value (≤ `alpha`; not adjusted for the term's many partners)."),
        ("term_freq", "Int64", "Windows holding the theme term."),
        ("neighbour_freq", "Int64", "Windows holding the neighbour."),
        ("in_network", "boolean", "True if the neighbour is a node of the period's network."),
    ),
    "network_periods": _cols(
        ("period", "string", "Period label."),
        ("windows", "Int64", "Windows (sentences, paragraphs or token runs) of the period."),
        ("candidates", "Int64", "Terms seen in at least `min_df` windows."),
        ("nodes", "Int64", "Nodes after pruning (orphans dropped)."),
        ("edges", "Int64", "Edges after pruning."),
        ("density", "float64", "2 · edges ÷ (nodes · (nodes − 1))."),
        ("mean_degree", "float64", "2 · edges ÷ nodes."),
        ("communities", "Int64", "Communities found."),
        ("modularity", "float64", "Weighted modularity of the partition."),
    ),
    # ---------------------------------------------------------------- themes
    "theme_hits": _cols(
        ("theme", "string", "Theme name."),
        ("term", "string", "The dictionary term or pattern that matched."),
        ("doc_id", "string", "Document id."),
        ("para_id", "string", "Paragraph id."),
        ("year", "Int64", "Document year."),
        ("city", "string", "Document city."),
        ("start", "Int64", "Offset of the match in the paragraph text."),
        ("end", "Int64", "End offset (exclusive)."),
        ("left", "string", "Context before the match."),
        ("match", "string", "Matched text."),
        ("right", "string", "Context after the match."),
        ("para_index", "Int64", "Paragraph position in the document."),
        ("doc_type", "string", "Document type."),
        ("date", "string", "Document date."),
    ),
    "theme_docs": _cols(
        ("theme", "string", "Theme name."),
        ("doc_id", "string", "Document id."),
        ("year", "Int64", "Year."),
        ("city", "string", "City."),
        ("doc_type", "string", "Document type."),
        ("count", "Int64", "Hits in the normalised text."),
        ("token_count", "Int64", "Hits counted on tokens (for comparison)."),
        ("n_chars", "Int64", "Characters of the document."),
        ("per_10k", "float64", "Hits per 10,000 characters."),
        ("para_share", "float64", "Share of paragraphs with at least one hit."),
        ("date", "string", "Document date."),
        ("n_paras", "Int64", "Paragraphs of the document."),
        ("paras_with", "Int64", "Paragraphs with at least one hit."),
    ),
    "theme_years": _cols(
        ("theme", "string", "Theme name."),
        ("year", "Int64", "Year."),
        ("n_docs", "Int64", "Documents of that year (canonical only)."),
        ("docs_with", "Int64", "Documents with at least one hit."),
        ("count", "Int64", "Hits."),
        ("n_chars", "Int64", "Characters of the year's documents."),
        ("per_10k", "float64", "count / n_chars × 10,000 (a pooled rate, not a mean of rates)."),
        ("para_share", "float64", "Paragraphs with a hit / the year's paragraphs."),
        ("token_count", "Int64", "Hits counted on tokens, for comparison."),
        ("n_paras", "Int64", "Paragraphs of the year."),
        ("paras_with", "Int64", "Paragraphs with a hit."),
        ("per_10k_low", "float64", "Lower end of the 95 % exact Poisson interval of `per_10k`."),
        ("per_10k_high", "float64", "Upper end of that interval (wide when `n_chars` is small)."),
        ("rate_ok", "boolean", "False when `n_chars` < themes.min_rate_chars: too little text to compare the rate."),
    ),
    "theme_groups": _cols(
        ("theme", "string", "Theme name."),
        ("group_by", "string", "city or doc_type."),
        ("group", "string", "The city or document type."),
        ("year", "Int64", "Year."),
        ("n_docs", "Int64", "Documents of the group and year."),
        ("docs_with", "Int64", "Documents with at least one hit."),
        ("count", "Int64", "Hits."),
        ("token_count", "Int64", "Hits counted on tokens."),
        ("n_chars", "Int64", "Characters."),
        ("n_paras", "Int64", "Paragraphs."),
        ("paras_with", "Int64", "Paragraphs with a hit."),
        ("per_10k", "float64", "Pooled rate per 10,000 characters."),
        ("para_share", "float64", "paras_with / n_paras."),
        ("per_10k_low", "float64", "Lower end of the 95 % exact Poisson interval of `per_10k`."),
        ("per_10k_high", "float64", "Upper end of that interval (wide when `n_chars` is small)."),
        ("rate_ok", "boolean", "False when `n_chars` < themes.min_rate_chars: too little text to compare the rate."),
    ),
    "theme_first": _cols(
        ("theme", "string", "Theme name."),
        ("city", "string", "City (empty for the corpus-wide row)."),
        ("first_year", "Int64", "First year with a hit."),
        ("first_doc_id", "string", "First document with a hit (earliest date, then doc_id)."),
        ("first_para_id", "string", "Paragraph of the first hit."),
        ("total_count", "Int64", "Hits over the whole corpus (or city)."),
        ("n_docs_with", "Int64", "Documents with at least one hit."),
        ("first_date", "string", "Date of the first document, when known."),
        ("first_term", "string", "The term or alias of the first hit."),
        ("first_context", "string", "The first hit in context, the match in 【】."),
    ),
    "emerging": _cols(
        ("period", "string", "Period in which the term rises."),
        ("rank", "Int64", "Rank within the period by G²."),
        ("term", "string", "Kept token."),
        ("count", "Int64", "Occurrences in the period."),
        ("count_before", "Int64", "Occurrences in all earlier periods."),
        ("per_10k", "float64", "Occurrences per 10,000 kept tokens in the period."),
        ("per_10k_before", "float64", "The same over all earlier periods."),
        ("g2", "float64", "Dunning log-likelihood G² against all earlier periods (rises only)."),
        ("p_value", "float64", "χ²(1) p-value of G²."),
        ("is_new", "boolean", "True if the term never occurred before the period."),
        ("first_year", "Int64", "First year the term occurs in the corpus."),
        ("burst", "boolean", "Kleinberg two-state burst in the period."),
    ),
}


def check_columns(df: pd.DataFrame | None, table: str, *, stage: str, needs: tuple[str, ...] | None = None) -> None:
    """Raise ``SchemaError`` if ``df`` is missing or lacks a column of ``table`` (or of ``needs``).

    The one entry guard of every stage, so a wrong table always gives the
    same message.

    Examples
    --------
    >>> import pandas as pd
    >>> check_columns(pd.DataFrame({"doc_id": ["甲"]}), "paragraphs", stage="segment")
    Traceback (most recent call last):
    ...
    pipeline.errors.SchemaError: segment needs table 'paragraphs' with columns para_id, para_index, start, text, n_chars, is_heading, is_repeat; they are missing. Run the earlier stages first (`python -m pipeline analyze`).
    """
    if df is None:
        raise SchemaError(f"{stage} needs table '{table}'; got None. Run the earlier stages first (`python -m pipeline analyze`).")
    names = needs if needs is not None else [c.name for c in SCHEMAS[table]]
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{stage} needs table '{table}' with columns {', '.join(missing)}; they are missing. "
            "Run the earlier stages first (`python -m pipeline analyze`)."
        )


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``df`` with the schema's columns, in order, cast to their dtypes.

    Extra columns are kept after the documented ones, so a stage may add
    detail without breaking readers.

    Examples
    --------
    >>> df = conform(pd.DataFrame({"term": ["强省会"], "theme": ["强省会"]}), "theme_first")
    >>> list(df.columns)[:3], df["first_year"].dtype.name
    (['theme', 'city', 'first_year'], 'Int64')
    """
    # Built in one go, and a column that already has its dtype is not cast
    # again (issue 9: a stage's own output is conformed where it is built,
    # and combine_files concatenates tables that are conformed already).
    cols = {}
    for col, dtype in zip(SCHEMAS[table], _dtypes(table)):
        if col.name not in df.columns:
            cols[col.name] = pd.Series(index=df.index, dtype=dtype)
        else:
            cols[col.name] = df[col.name] if df[col.name].dtype == dtype else df[col.name].astype(dtype)
    cols.update({c: df[c] for c in df.columns if c not in cols})
    return pd.DataFrame(cols, index=df.index).reset_index(drop=True)


@functools.cache
def _dtypes(table: str) -> tuple:
    return tuple(pandas_dtype(c.dtype) for c in SCHEMAS[table])


def canonical(documents: pd.DataFrame) -> pd.DataFrame:
    """The documents that count: one per duplicate group (no compilation), within the corpus selection.

    A table without ``is_canonical`` (built by hand, before dedupe) counts
    every row; a missing value counts too, because only dedupe can decide
    that a document is a copy.  Documents the select stage left out
    (``in_analysis`` False) do not count either, so every corpus-level
    stage stands on the same documents.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["甲", "乙", "丙"], "is_canonical": pd.array([True, False, None], dtype="boolean")})
    >>> canonical(docs)["doc_id"].tolist()
    ['甲', '丙']
    >>> canonical(docs.assign(in_analysis=[True, True, False]))["doc_id"].tolist()
    ['甲']
    """
    keep = pd.Series(True, index=documents.index)
    for col in ("is_canonical", "in_analysis"):
        if col in documents.columns:
            keep &= documents[col].astype("boolean").fillna(True).astype(bool)
    return documents[keep]


_SPAN = re.compile(r"^(\d+)y$")


def assign_periods(years: pd.Series, period: str) -> pd.Series:
    """Map years to period labels: ``year`` → '2024', ``all`` → 'all', ``5y`` → '2020–2024'.

    Shared by the network and the emerging-terms tables, so both cut the
    years the same way.

    Examples
    --------
    >>> assign_periods(pd.Series([2019, 2021, 2024]), "5y").tolist()
    ['2015–2019', '2020–2024', '2020–2024']
    """
    if period == "all":
        return pd.Series("all", index=years.index, dtype="string")
    if period == "year":
        return years.map(lambda y: pd.NA if pd.isna(y) else str(int(y))).astype("string")
    m = _SPAN.match(period)
    if not m:
        raise ConfigError(f"period must be 'year', 'all' or a span like '5y', not {period!r}. Fix it in the config (network.period or themes.period).")
    n = int(m.group(1))
    return years.map(lambda y: pd.NA if pd.isna(y) else f"{int(y) // n * n}–{int(y) // n * n + n - 1}").astype("string")
