"""Ingest stage: raw bytes → ``documents``, ``paragraphs``, ``sentences``, ``audit`` tables.

The package holds the ingest family: ``readers`` (formats, encodings),
``mojibake`` and ``textfix`` (repair and normalisation), ``chars`` (the
Traditional→Simplified converter), ``metadata`` (year, city, type) and
``dedupe`` (duplicates and repeated passages).  The runner calls
``ingest_file`` once per raw file (cached per file) and ``combine_files``
once over all of them.


Input: one ``(name, bytes, hints)`` per raw file, where ``hints`` are the
file's manifest cells.  Output: ``documents``, ``paragraphs``,
``sentences``, ``audit`` and ``duplicates``, documented in
``pipeline/records.py``.

Per file the chain is: ``readers.read_source`` (format and encoding) →
``textfix.clean_document`` (mojibake repair, site artefacts,
Traditional→Simplified, width, reflow) → ``metadata.infer_metadata``
(year, city, type, with evidence; manifest values win).  Across files,
``dedupe.find_duplicates`` groups exact and near duplicates, and repeated
spans inside one text are marked so each passage is counted once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from warnings import warn

import numpy as np
import pandas as pd

from ..errors import EmptyResultError, SourceError
from ..records import conform
from . import metadata, readers, textfix
from .dedupe import find_boilerplate, find_duplicates, find_internal_repeats, shingle_set


def ingest_file(
    name: str,
    data: bytes,
    hints: Mapping[str, str] | None = None,
    *,
    to_simplified: bool = True,
    reflow: bool = True,
    doc_prefix: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Decode, repair, normalise and date one raw file.

    Parameters
    ----------
    name : str
        Path of the file relative to the corpus folder (its suffix picks the reader).
    data : bytes
        The file's bytes.
    hints : mapping, optional
        Manifest cells for this file (``year``, ``city``, ``title`` …); they win over inference.
    to_simplified, reflow : bool
        Traditional→Simplified conversion and hard-wrap reflow.
    doc_prefix : str, optional
        Document-id prefix (default: the file stem); ``io.list_sources`` gives
        each file a unique one.

    Returns
    -------
    dict
        ``documents``, ``paragraphs``, ``audit`` and ``sentences`` of this
        file, before cross-file duplicate detection.

    Raises
    ------
    SourceError
        When the file cannot be read (the caller logs it and goes on).

    Examples
    --------
    >>> f = ingest_file("a.txt", "各位委员：\\n现在，我代表政协贵阳市委员会常务委员\\n会向大会作工作报告。\\n（2025年1月11日）".encode())
    >>> f["paragraphs"]["text"].tolist()[1]
    '现在，我代表政协贵阳市委员会常务委员会向大会作工作报告。'
    >>> int(f["documents"]["year"].iloc[0])
    2025
    """
    hints = dict(hints or {})
    fields = json.loads(hints.pop("fields", "") or "{}")
    rows = json.loads(hints.pop("rows", "") or "{}")
    rows_only = hints.pop("rows_only", "false") == "true"
    stem = doc_prefix or PurePosixPath(name).stem
    docs, paras, audits, sents = [], [], [], []
    raws = readers.read_source(name, data)
    id_field = fields.get("map", {}).get("id")
    missing = _missing_fields(raws, fields)
    if rows and raws[0].source_row is None:
        raise SourceError(name, f"the manifest names rows of it ({', '.join(sorted(rows))}) but it is not a table "
                                "(CSV/TSV/JSONL): list it without #row")
    found: set[str] = set()
    for raw in raws:
        doc_id = stem if raw.source_row is None else f"{stem}#{raw.source_row}"
        row_hints = _row_hints(raw, rows, id_field, found)
        if rows_only and row_hints is None:
            continue  # the manifest lists some rows of this file, not this one
        clean = textfix.clean_document(raw.text, to_simplified=to_simplified, reflow=reflow)
        # Reader metadata (tabular columns, HTML <title>) is weaker than the manifest;
        # a manifest row for this one row (file#row) is stronger than one for the file.
        own = _mapped_fields(raw.meta, fields)
        manifest = {**hints, **(row_hints or {})}
        merged = {**{k: v for k, (v, _) in own.items()}, **manifest}
        merged = {k: (textfix.normalize_field(v, to_simplified=to_simplified) if k in _TEXT_FIELDS else v)
                  for k, v in merged.items()}
        meta = metadata.infer_metadata(clean.paragraphs, filename=name, hints=merged)
        text = "\n".join(clean.paragraphs)
        warnings = list(raw.warnings) + missing
        if meta.year is None:
            warnings.append("no year: neither the manifest nor the text dates it")
        if not clean.paragraphs:
            warnings.append("empty: no text left after cleaning")
        year_source, evidence = _year_origin(meta, manifest, own)
        docs.append(
            {
                "doc_id": doc_id,
                "source_file": name,
                "source_row": raw.source_row,
                "format": raw.format,
                "title": meta.title,
                "organisation": meta.organisation,
                "city": meta.city,
                "speaker": meta.speaker,
                "year": meta.year,
                "date": meta.date,
                "doc_type": meta.doc_type,
                "year_source": year_source,
                "year_evidence": evidence,
                "n_chars": sum(len(p) for p in clean.paragraphs),
                "n_paragraphs": len(clean.paragraphs),
                "text": text,
                "source_meta": json.dumps({**raw.meta, **clean.meta}, ensure_ascii=False, sort_keys=True),
            }
        )
        start = 0
        for i, (para, heading) in enumerate(zip(clean.paragraphs, clean.headings, strict=True)):
            paras.append(
                {
                    "doc_id": doc_id,
                    "para_id": f"{doc_id}:p{i:04d}",
                    "para_index": i,
                    "start": start,
                    "text": para,
                    "n_chars": len(para),
                    "is_heading": heading,
                }
            )
            start += len(para) + 1
            for j, (s, e) in enumerate(textfix.split_sentences(para)):
                sents.append({"doc_id": doc_id, "para_id": f"{doc_id}:p{i:04d}", "sent_id": f"{doc_id}:p{i:04d}:s{j:02d}",
                              "sent_index": j, "start": s, "end": e, "text": para[s:e]})
        audits.append(
            {
                "doc_id": doc_id,
                "source_file": name,
                "format": raw.format,
                "encoding": raw.encoding,
                "encoding_confidence": raw.confidence,
                "chars_in": len(raw.text),
                "chars_out": len(text),
                "repairs": json.dumps(clean.repairs, ensure_ascii=False, sort_keys=True),
                "chars_repaired": sum(clean.repairs.values()),
                "placeholders": clean.placeholders,
                "script_converted": clean.script_converted,
                "width_normalised": clean.width_normalised,
                "artefacts_removed": clean.artefacts_removed,
                "lines_reflowed": clean.lines_reflowed,
                "warnings": "; ".join(warnings),
            }
        )
    if set(rows) - found:
        lost = ", ".join(sorted(set(rows) - found))
        hint = "" if id_field else " (to name rows by a field, set ingest.fields.id)"
        if audits:
            audits[0]["warnings"] = "; ".join(filter(None, [audits[0]["warnings"], f"manifest rows not in the file: {lost}{hint}"]))
        else:
            raise SourceError(name, f"none of the rows the manifest names ({lost}) is in the file{hint}")
    return {
        "documents": conform(pd.DataFrame(docs), "documents"),
        "paragraphs": conform(pd.DataFrame(paras), "paragraphs"),
        "audit": conform(pd.DataFrame(audits), "audit"),
        "sentences": conform(pd.DataFrame(sents), "sentences"),
    }


# Document columns that hold text: they get the same normalisation as the text.
_TEXT_FIELDS = ("title", "organisation", "city", "speaker")


def _row_hints(raw: readers.RawDoc, rows: Mapping[str, Mapping[str, str]], id_field: str | None,
               found: set[str]) -> dict | None:
    """The manifest cells of this row (``file#4`` or ``file#<id>``), or None when no row names it."""
    if raw.source_row is None or not rows:
        return None
    for key in (str(raw.source_row), raw.meta.get(id_field) if id_field else None):
        if key is not None and key in rows:
            found.add(key)
            return dict(rows[key])
    return None


def _mapped_fields(meta: Mapping[str, str], fields: Mapping) -> dict[str, tuple[str, str]]:
    """Our values from the source's own fields: ``{column: (value, evidence)}``.

    ``ingest.fields`` names the source field of a column; without it the
    field of that very name counts.  The lookup table turns a source value
    into ours (``congress=1`` → 1921).
    """
    mapping, values = fields.get("map", {}), fields.get("values", {})
    out: dict[str, tuple[str, str]] = {}
    for target in ("year", "date", "doc_type", *_TEXT_FIELDS):
        src = mapping.get(target) or target
        raw = meta.get(src) or meta.get(readers.meta_alias(src))
        if not raw:
            continue
        mapped = values.get(target, {}).get(raw, raw)
        evidence = f"field {src}={raw}" + (f" → {mapped} (lookup)" if mapped != raw else "")
        out[target] = (mapped, evidence)
    return out


def _missing_fields(raws: list[readers.RawDoc], fields: Mapping) -> list[str]:
    """Audit warnings for mapped fields that no row of a tabular file has (a typo in ingest.fields)."""
    if not raws or raws[0].source_row is None:
        return []
    have = {k for r in raws for k in r.meta} | {readers.meta_alias(k) for r in raws for k in r.meta}
    return [
        f"ingest.fields.{target}={src!r}: no such field in this file (fields: {', '.join(sorted(raws[0].meta))})"
        for target, src in sorted(fields.get("map", {}).items())
        if src not in have and readers.meta_alias(src) not in have
    ]


def _year_origin(meta: metadata.DocMeta, manifest: Mapping[str, str], own: Mapping[str, tuple[str, str]]) -> tuple[str, str | None]:
    """(``year_source``, ``year_evidence``) that agree: manifest, field, text or none."""
    if meta.year is None:
        return "none", None
    evidence = meta.year_evidence or ""
    for key in ("year", "date"):
        if not evidence.startswith(f"manifest: {key}="):
            continue
        if key in manifest:
            if manifest.get("year_evidence"):
                return "manifest", f"manifest ({manifest.get('year_certainty', 'stated')}): {manifest['year_evidence']}"
            return "manifest", evidence
        if key in own:
            return "field", own[key][1]
    return "text", evidence


def combine_files(
    files: list[dict[str, pd.DataFrame]],
    *,
    dedupe: bool = True,
    near_dup_threshold: float = 0.8,
    minhash_perm: int = 128,
    shingle: int = 5,
    seed: int = 1,
    dup_across_years: bool = False,
    min_chars: int = 200,
    boilerplate_min_docs: int = 2,
) -> dict[str, pd.DataFrame]:
    """Join per-file tables, find duplicates, compilations and internal repeats.

    Parameters
    ----------
    files : list of dict
        What ``ingest_file`` returned for each file, in corpus order.
    dedupe : bool
        Group duplicates and count repeated passages once.
    near_dup_threshold, minhash_perm, shingle, seed
        Near-duplicate detection (``dedupe.find_duplicates``).
    dup_across_years : bool
        Let a duplicate group join documents of different years (off: such
        pairs and containments are reported in ``duplicates``, both counted).
    min_chars : int
        Documents shorter than this (after boilerplate and repeats are
        removed) get ``is_stub`` and are not counted (``records.canonical``);
        0 turns this off.
    boilerplate_min_docs : int
        Head/tail paragraphs recurring in this many documents of one source
        are boilerplate (``dedupe.find_boilerplate``): moved to
        ``source_meta["boilerplate"]``, never counted; 0 turns this off.

    Returns
    -------
    dict
        ``documents``, ``paragraphs``, ``sentences``, ``audit`` and
        ``duplicates`` (one row per document in a duplicate group).

    Raises
    ------
    EmptyResultError
        When no file produced a document.
    """
    if not files or all(f["documents"].empty for f in files):
        raise EmptyResultError(
            "No document could be read from the corpus. Check the lines above for the reason per file."
        )
    docs, paras, audit, sentences = (
        pd.concat([f[name] for f in files], ignore_index=True) for name in ("documents", "paragraphs", "audit", "sentences")
    )
    if docs["doc_id"].duplicated().any():
        dup = docs.loc[docs["doc_id"].duplicated(), "doc_id"].iloc[0]
        raise ValueError(f"duplicate doc_id {dup}: give each file a unique doc_prefix (io.list_sources)")  # a bug, not a user error
    docs, paras, audit = _drop_boilerplate(docs, paras, audit, min_docs=boilerplate_min_docs)
    paras = _mark_internal_repeats(docs, paras)
    repeat_chars = paras[paras["is_repeat"]].groupby("doc_id")["n_chars"].sum()
    if dedupe and len(repeat_chars):
        # Count a passage the text repeats once: drop the repeating paragraphs
        # (the audit says how much), keep the ids of the rest unchanged.
        docs, paras = _drop_paragraphs(docs, paras, paras["is_repeat"])
    docs["is_stub"] = docs["n_chars"] < min_chars if min_chars > 0 else False
    stub = docs["is_stub"].to_numpy()
    if stub.any():
        note = f"stub: fewer than {min_chars} characters (ingest.min_chars); kept and listed, not counted"
        hit = audit["doc_id"].isin(docs.loc[stub, "doc_id"])
        audit.loc[hit, "warnings"] = [w + "; " + note if w else note for w in audit.loc[hit, "warnings"]]

    if dedupe and len(docs) > 1:
        dup = find_duplicates(
            docs[["doc_id", "text", "year", "date"]],
            threshold=near_dup_threshold,
            num_perm=minhash_perm,
            shingle=shingle,
            seed=seed,
            across_years=dup_across_years,
        )
        cols = ["dup_group", "dup_kind", "is_canonical", "similarity", "is_compilation", "contained_in"]
        docs = docs.drop(columns=cols).merge(dup[["doc_id", *cols, "contained_kind", "contained_share"]], on="doc_id", how="left")
        if docs["is_compilation"].fillna(False).any():
            docs, paras, sentences, audit = _split_compilations(docs, paras, sentences, audit, shingle=shingle, min_chars=min_chars)
        contained = _containment_rows(docs)
        comp = docs["is_compilation"].fillna(False).astype(bool)
        docs.loc[comp, "dup_kind"] = "compilation"
        docs.loc[comp, "dup_group"] = docs.loc[comp, "doc_id"].map(contained.drop_duplicates("doc_id").set_index("doc_id")["dup_group"])
        audit = _warn_containment(docs, audit)
    else:
        contained = None
    docs["is_canonical"] = docs["is_canonical"].fillna(True).astype(bool)
    docs["is_compilation"] = docs["is_compilation"].fillna(False).astype(bool)
    docs["repeat_chars"] = docs["doc_id"].map(repeat_chars).fillna(0).astype(int)
    docs = docs.drop(columns=["contained_kind", "contained_share"], errors="ignore")
    audit = audit.drop(columns=["dup_group"]).merge(docs[["doc_id", "dup_group"]], on="doc_id", how="left")
    has_repeat = audit["doc_id"].map(repeat_chars).fillna(0) > 0
    audit.loc[has_repeat, "warnings"] = audit.loc[has_repeat].apply(
        lambda r: "; ".join(filter(None, [r["warnings"], f"internal repeat: {int(repeat_chars[r['doc_id']])} chars counted once"])),
        axis=1,
    )
    dup_cols = ["dup_group", "dup_kind", "doc_id", "source_file", "year", "n_chars", "is_canonical", "similarity"]
    duplicates = docs.loc[docs["dup_group"].notna() & ~docs["is_compilation"], dup_cols]
    if contained is not None and len(contained):
        duplicates = pd.concat([duplicates, contained[dup_cols]], ignore_index=True)
    return {
        "documents": conform(docs, "documents"),
        "paragraphs": conform(paras, "paragraphs"),
        "sentences": conform(sentences[sentences["para_id"].isin(paras["para_id"])], "sentences"),
        "audit": conform(audit, "audit"),
        "duplicates": duplicates.sort_values(["dup_group", "is_canonical", "doc_id"], ascending=[True, False, True]).reset_index(drop=True),
    }


def _drop_paragraphs(docs: pd.DataFrame, paras: pd.DataFrame, drop: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove paragraphs, keep the ids of the rest, and recompute offsets and document text."""
    hit = docs["doc_id"].isin(paras.loc[drop, "doc_id"])
    paras = paras[~drop].copy()
    paras["start"] = paras.groupby("doc_id")["n_chars"].transform(lambda s: (s + 1).cumsum() - (s + 1))
    grouped = paras.groupby("doc_id")
    docs.loc[hit, "text"] = docs.loc[hit, "doc_id"].map(grouped["text"].agg("\n".join)).fillna("")
    docs.loc[hit, "n_chars"] = docs.loc[hit, "doc_id"].map(grouped["n_chars"].sum()).fillna(0)
    docs.loc[hit, "n_paragraphs"] = docs.loc[hit, "doc_id"].map(grouped.size()).fillna(0)
    return docs, paras


def _drop_boilerplate(docs: pd.DataFrame, paras: pd.DataFrame, audit: pd.DataFrame, *, min_docs: int):
    """Move recurring source boilerplate (licence footers, site notices) out of the text into source_meta."""
    # A source is one tabular file (its rows), else the folder of the file.
    sources = {
        d: (f if not pd.isna(r) else str(PurePosixPath(f).parent))
        for d, f, r in zip(docs["doc_id"], docs["source_file"], docs["source_row"], strict=True)
    }
    flags = find_boilerplate(paras, sources, min_docs=min_docs)
    if not flags.any():
        return docs, paras, audit
    moved = paras[flags].groupby("doc_id")["text"].agg(list)
    docs = docs.copy()
    hit = docs["doc_id"].isin(moved.index)
    docs.loc[hit, "source_meta"] = [
        json.dumps({**json.loads(m or "{}"), "boilerplate": "；".join(moved[d])}, ensure_ascii=False, sort_keys=True)
        for m, d in zip(docs.loc[hit, "source_meta"], docs.loc[hit, "doc_id"], strict=True)
    ]
    chars = paras[flags].groupby("doc_id")["n_chars"].sum()
    audit = audit.copy()
    ahit = audit["doc_id"].isin(chars.index)
    audit.loc[ahit, "artefacts_removed"] = audit.loc[ahit, "artefacts_removed"] + audit.loc[ahit, "doc_id"].map(chars)
    audit.loc[ahit, "chars_out"] = audit.loc[ahit, "chars_out"] - audit.loc[ahit, "doc_id"].map(chars)
    docs, paras = _drop_paragraphs(docs, paras, flags)
    return docs, paras, audit


def _containment_rows(docs: pd.DataFrame) -> pd.DataFrame:
    """``duplicates`` rows for documents held by a compilation or by a document of another year.

    One group per holder (``in-0000`` …): the holder (``compilation`` or
    ``container``) and each document it holds (``contained``, or
    ``other_year``), with the share of the document found in the holder.
    """
    held = docs[docs["contained_in"].notna()]
    rows = []
    for g, (holder, part) in enumerate(sorted(held.groupby("contained_in"), key=lambda kv: kv[0])):
        h = docs[docs["doc_id"] == holder].iloc[0]
        label = f"in-{g:04d}"
        rows.append({**h.to_dict(), "dup_group": label, "similarity": 1.0,
                     "dup_kind": "compilation" if bool(h["is_compilation"]) else "container"})
        kinds = {"compilation": "contained", "other_year": "other_year", "split": "split"}
        for r in part.itertuples(index=False):
            rows.append({**r._asdict(), "dup_group": label, "similarity": r.contained_share,
                         "dup_kind": kinds[r.contained_kind]})
    cols = [*docs.columns]
    return pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(columns=cols)


# A line that starts one document inside a compilation: a bare year, or a dated title.
_PART_START = re.compile(r"^(?:(?:19|20)\d{2}|(?:19|20)\d{2}年.{0,30}(?:报告|决议|讲话))$")


def _split_compilations(docs: pd.DataFrame, paras: pd.DataFrame, sentences: pd.DataFrame, audit: pd.DataFrame,
                        *, shingle: int, min_chars: int):
    """Split out of each compilation the documents that no other file of the corpus has.

    A paragraph of the compilation is *covered* when at least half of its
    shingles occur in the documents it contains (paragraphs under 20
    characters, such as a year line, go with the next paragraph).  Each run
    of uncovered paragraphs is cut again before every line that starts a
    document (a bare year, or a dated title such as ``1990年政府工作报告``),
    and each piece of at least ``min_chars`` characters becomes a document
    ``<compilation>~p<first paragraph>``, dated from its own text.
    """
    new_docs, new_paras, new_sents, new_audit = [], [], [], []
    for comp in docs.loc[docs["is_compilation"].fillna(False).astype(bool), "doc_id"]:
        parts = docs.loc[docs["contained_in"] == comp, "text"]
        union = np.unique(np.concatenate([shingle_set(t, shingle) for t in parts] or [np.empty(0, np.uint64)]))
        own = paras[paras["doc_id"] == comp].sort_values("para_index")
        texts = own["text"].tolist()
        covered: list[bool | None] = []
        for t in texts:
            short = len("".join(t.split())) < 20
            covered.append(None if short else bool(np.isin(shingle_set(t, shingle), union).mean() >= 0.5))
        nxt = True
        for i in range(len(covered) - 1, -1, -1):  # short lines go with what follows them
            covered[i] = nxt = covered[i] if covered[i] is not None else nxt
        pieces: list[list[int]] = []
        for i, cov in enumerate(covered):
            if cov:
                continue
            if not pieces or pieces[-1][-1] != i - 1 or _PART_START.match(texts[i].strip()):
                pieces.append([])
            pieces[-1].append(i)
        row = docs[docs["doc_id"] == comp].iloc[0]
        base_audit = audit[audit["doc_id"] == comp].iloc[0].to_dict()
        for piece in pieces:
            body = [texts[i] for i in piece]
            n_chars = sum(len(t) for t in body)
            if n_chars < max(min_chars, 1):
                continue
            doc_id = f"{comp}~p{int(own['para_index'].iloc[piece[0]]):04d}"
            meta = metadata.infer_metadata(body, filename=row["source_file"])
            text = "\n".join(body)
            new_docs.append({
                **row.to_dict(), "doc_id": doc_id, "title": meta.title, "organisation": meta.organisation or row["organisation"],
                "city": meta.city or row["city"], "speaker": meta.speaker, "year": meta.year, "date": meta.date,
                "doc_type": meta.doc_type, "year_source": "none" if meta.year is None else "text",
                "year_evidence": meta.year_evidence, "n_chars": n_chars, "n_paragraphs": len(body), "text": text,
                "dup_group": pd.NA, "dup_kind": pd.NA, "is_canonical": True, "similarity": np.nan, "is_compilation": False,
                "contained_in": comp, "contained_kind": "split", "contained_share": 0.0, "is_stub": False,
            })
            start = 0
            for k, t in enumerate(body):
                pid = f"{doc_id}:p{k:04d}"
                new_paras.append({"doc_id": doc_id, "para_id": pid, "para_index": k, "start": start, "text": t,
                                  "n_chars": len(t), "is_heading": textfix.is_heading(t), "is_repeat": False})
                start += len(t) + 1
                for j, (a, b) in enumerate(textfix.split_sentences(t)):
                    new_sents.append({"doc_id": doc_id, "para_id": pid, "sent_id": f"{pid}:s{j:02d}", "sent_index": j,
                                      "start": a, "end": b, "text": t[a:b]})
            new_audit.append({**base_audit, "doc_id": doc_id, "chars_in": len(text), "chars_out": len(text), "repairs": "{}",
                              "chars_repaired": 0, "placeholders": 0, "script_converted": 0, "width_normalised": 0,
                              "artefacts_removed": 0, "lines_reflowed": 0,
                              "warnings": "" if meta.year is not None else "no year: neither the manifest nor the text dates it"})
    if not new_docs:
        return docs, paras, sentences, audit
    return (pd.concat([docs, pd.DataFrame(new_docs)], ignore_index=True),
            pd.concat([paras, pd.DataFrame(new_paras)], ignore_index=True),
            pd.concat([sentences, pd.DataFrame(new_sents)], ignore_index=True),
            pd.concat([audit, pd.DataFrame(new_audit)], ignore_index=True))


def _warn_containment(docs: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """One audit warning (and one printed line) per compilation and per cross-year containment."""
    notes: dict[str, str] = {}
    for holder, part in docs[docs["contained_in"].notna()].groupby("contained_in"):
        comp = part["contained_kind"].isin(["compilation", "split"]).all()
        split = part[part["contained_kind"] == "split"]
        held = part[part["contained_kind"] != "split"]
        ids = ", ".join(held["doc_id"].head(5)) + (" …" if len(held) > 5 else "")
        if comp:
            notes[holder] = (f"compilation: holds {len(held)} other documents of the corpus ({ids}); "
                             "they are counted and this file is not")
            if len(split):
                notes[holder] += f"; {len(split)} documents found in no other file were split out of it and are counted"
                for d in split["doc_id"]:
                    notes[d] = f"split out of the compilation {holder}: this text is in no other document"
            # Parts that are copies of each other cover the same text: count each group once.
            key = part["dup_group"].fillna(part["doc_id"])
            covered = part.assign(key=key).groupby("key")["n_chars"].max().sum()
            total = int(docs.loc[docs["doc_id"] == holder, "n_chars"].iloc[0])
            if covered < 0.9 * total:
                warn(f"{holder}: about {total - covered:,} of its {total:,} characters are in no other document and are "
                     "not counted. Split it into one file per document (or list its parts in a manifest).", stacklevel=3)
                notes[holder] += f"; about {total - covered:,} characters are in no other document"
            warn(f"{holder} is a compilation of {len(held)} documents of the corpus ({ids}): they are counted, it is not. "
                 "Leave it out (or list only the single documents in a manifest) to silence this.", stacklevel=3)
        for r in part.itertuples(index=False):
            if r.contained_kind == "other_year":
                notes[r.doc_id] = (f"{r.contained_share:.0%} of this text is in {holder}, dated another year; "
                                   "both are counted: check their dates")
    hit = audit["doc_id"].isin(notes)
    audit.loc[hit, "warnings"] = [
        "; ".join(filter(None, [w, notes[d]])) for w, d in zip(audit.loc[hit, "warnings"], audit.loc[hit, "doc_id"], strict=True)
    ]
    return audit


def _mark_internal_repeats(docs: pd.DataFrame, paras: pd.DataFrame) -> pd.DataFrame:
    """Flag paragraphs that lie inside a span repeating earlier text of the same document."""
    flags = pd.Series(False, index=paras.index)
    for doc_id, text in zip(docs["doc_id"], docs["text"]):
        spans = find_internal_repeats(text)
        if not spans:
            continue
        idx = paras.index[paras["doc_id"] == doc_id]
        starts = paras.loc[idx, "start"].astype(int)
        ends = starts + paras.loc[idx, "n_chars"].astype(int)
        for s, e, _src in spans:
            flags.loc[idx[(starts >= s) & (ends <= e)]] = True
    return paras.assign(is_repeat=flags.values)
