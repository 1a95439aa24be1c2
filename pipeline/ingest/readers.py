"""Format readers and encoding detection: raw bytes → ``RawDoc`` records.

Input: a file name (only its suffix is used) and the file's bytes; the
caller (``pipeline/io.py``) reads the file.  Output: one ``RawDoc`` per
document (one per row for CSV/TSV/JSONL) carrying the decoded text, the
format, the encoding and its confidence, reader metadata and warnings.
The text is otherwise untouched: repair, normalisation and reflow happen
later in ``textfix``.

Conventions of the returned text
--------------------------------
* ``.txt`` and tabular cells: exactly the decoded characters.
* ``.html``, ``.docx``, ``.pdf``: paragraphs are separated by a blank line
  (``"\\n\\n"``); inside a PDF paragraph the hard line wraps of the page are
  kept as single ``"\\n"`` so the reflow step can join them.

Encoding detection (``decode_bytes``)
-------------------------------------
A byte-order mark decides first, then strict UTF-8.  Otherwise every
candidate codec (GB18030, which covers GBK and GB2312; Big5 and its
CP950/HKSCS supersets; UTF-16 without BOM) decodes the bytes and is scored
by a character language model built from jieba's dictionary frequencies
(unigram plus in-word bigram, after Traditional→Simplified so Big5 text is
judged fairly).  chardet and charset-normalizer each add a vote, which only
tips close calls: charset-normalizer alone misses most short GBK strings
(issue 3).  The confidence is the softmax posterior of the chosen codec.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import statistics
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import PurePosixPath

from ..errors import SourceError
from .chars import to_simplified
from .mojibake import char_model

__all__ = ["RawDoc", "SUPPORTED_SUFFIXES", "TEXT_COLUMNS", "decode_bytes", "read_source"]


@dataclass(frozen=True)
class RawDoc:
    """One decoded source document, before any repair or normalisation.

    Attributes
    ----------
    text : str
        Decoded text, otherwise untouched (see the module docstring for the
        paragraph conventions of structured formats).
    format : str
        ``txt``, ``html``, ``pdf``, ``docx``, ``csv``, ``tsv`` or ``jsonl``.
    encoding : str
        Python codec name used (``utf_8``, ``gb18030``, ``big5`` …);
        ``pdf``/``docx`` for binary formats.
    confidence : float
        Confidence of the encoding decision, 0–1.
    source_row : int or None
        Row index (from 0) for tabular sources, else None.
    meta : dict[str, str]
        Metadata found by the reader (``title``, ``year``, ``date``, ``city``,
        ``url`` … and any other tabular column).
    warnings : tuple[str, ...]
        Suspect-but-readable findings, for the audit table.
    """

    text: str
    format: str
    encoding: str
    confidence: float
    source_row: int | None = None
    meta: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


# Column names that hold the document text, in order of preference.
TEXT_COLUMNS = ("full_text", "text", "content", "正文", "body", "内容", "全文", "article")

# Tabular/HTML metadata names → the names ``metadata.infer_metadata`` uses.
_META_ALIASES = {
    "province": "city",
    "城市": "city",
    "省份": "city",
    "publish_date": "date",
    "published_at": "date",
    "pubdate": "date",
    "日期": "date",
    "source_url": "url",
    "link": "url",
    "标题": "title",
    "年份": "year",
    "author": "speaker",
    "作者": "speaker",
}

_FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMATS)


# =================================================================== encoding

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf_32_le"),
    (codecs.BOM_UTF32_BE, "utf_32_be"),
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16_le"),
    (codecs.BOM_UTF16_BE, "utf_16_be"),
)
# Bytes scored and shown to the detectors; enough to decide, cheap on big files.
_SAMPLE_BYTES = 4096
# Prior (log-odds) per candidate: the corpus is mainland Chinese, Big5 is
# rarer, and UTF-16 without a BOM is rare unless its NUL pattern shows.
_PRIORS = {
    "gb18030": 0.0,
    "big5": -1.0,
    "cp950": -1.5,
    "big5hkscs": -2.0,
    "utf_8": 0.0,
    "cp1252": -4.0,
}
_UTF16_PRIOR_NO_NULS = -8.0
_VOTE_BONUS = 2.0  # log-odds added per detector that agrees
_TEMPERATURE = 3.0  # the char model is overconfident; soften its posterior
_PUNCT = set("，。、；：？！“”‘’（）《》〈〉【】—…·「」『』〔〕％　・－～")
_LOGP_PUNCT = math.log(0.02)
_LOGP_ASCII = math.log(0.05)
_LOGP_ODD = -15.0  # kana, Hangul, Cyrillic, box drawing, rare CJK extensions
_LOGP_BAD = -25.0  # private use, control characters, U+FFFD
_IMPLAUSIBLE_PER_CHAR = -12.0


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _logp(text: str) -> float:
    """Log-likelihood of ``text`` under the character model (higher = more plausible Chinese)."""
    m = char_model()
    text = to_simplified(text)
    denom = m.total + 0.5 * 21000
    total, prev = 0.0, ""
    for ch in text:
        o = ord(ch)
        if o < 128:
            total += 0.0 if ch in "\r\n\t " else (_LOGP_ASCII if ch.isprintable() else _LOGP_BAD)
            prev = ""
            continue
        if _is_cjk(ch):
            p = (m.unigram.get(ch, 0) + 0.5) / denom
            if prev:
                lc = m.left.get(prev, 0)
                if lc:
                    p = 0.6 * m.bigram.get(prev + ch, 0) / lc + 0.4 * p
            total += math.log(p)
            prev = ch
            continue
        prev = ""
        if ch in _PUNCT or 0xFF01 <= o <= 0xFF5E:
            total += _LOGP_PUNCT
        elif (
            ch == "\ufffd"
            or 0xE000 <= o <= 0xF8FF
            or unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn")
        ):
            total += _LOGP_BAD
        else:
            total += _LOGP_ODD
    return total


def _family(name: str | None) -> str | None:
    """Map a detector's encoding name to our candidate family."""
    if not name:
        return None
    n = name.lower().replace("-", "_")
    if n in ("gb2312", "gbk", "gb18030", "cp936", "hz", "euc_cn"):
        return "gb18030"
    if n in ("big5", "cp950", "big5hkscs", "big5_hkscs", "big5_tw"):
        return "big5"
    if n in ("utf_16le", "utf_16_le"):
        return "utf_16_le"
    if n in ("utf_16be", "utf_16_be"):
        return "utf_16_be"
    if n in ("utf_8", "utf8", "ascii"):
        return "utf_8"
    return n


def _votes(sample: bytes) -> tuple[str | None, str | None]:
    """(chardet, charset-normalizer) guesses for ``sample``, as candidate families."""
    import chardet
    import charset_normalizer

    cd = _family(chardet.detect(sample).get("encoding"))
    best = charset_normalizer.from_bytes(sample).best()
    cn = _family(best.encoding if best is not None else None)
    return cd, cn


def _nul_pattern(data: bytes) -> str | None:
    """'utf_16_le'/'utf_16_be' when NUL bytes sit at odd/even offsets (ASCII in UTF-16)."""
    sample = data[:_SAMPLE_BYTES]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) / 2
    if odd > 0.2 * half and even < 0.02 * half:
        return "utf_16_le"
    if even > 0.2 * half and odd < 0.02 * half:
        return "utf_16_be"
    return None


def _decode_prefix(data: bytes, codec: str) -> str:
    """Decode the first ``_SAMPLE_BYTES`` without splitting a character at the cut."""
    dec = codecs.getincrementaldecoder(codec)(errors="replace")
    return dec.decode(data[:_SAMPLE_BYTES], final=len(data) <= _SAMPLE_BYTES)


def _candidates(data: bytes) -> dict[str, float]:
    """Codecs worth trying, with their prior log-odds."""
    cands = dict(_PRIORS)
    nul = _nul_pattern(data)
    if len(data) % 2 == 0:
        for c in ("utf_16_le", "utf_16_be"):
            cands[c] = 0.0 if nul == c else _UTF16_PRIOR_NO_NULS
    return cands


def decode_bytes(data: bytes) -> tuple[str, str, float]:
    """Decode bytes of unknown encoding: BOM, then strict UTF-8, then scored candidates.

    Parameters
    ----------
    data : bytes
        Raw bytes of a text file or of one tabular/HTML source.

    Returns
    -------
    text : str
        The decoded text (BOM removed).  Bytes that no candidate can decode
        become U+FFFD, and the confidence is lowered.
    encoding : str
        Python codec name: ``utf_8``, ``utf_8_sig``, ``utf_16_le``,
        ``utf_16_be``, ``gb18030`` (also for GBK/GB2312), ``big5``,
        ``cp950``, ``big5hkscs`` ….
    confidence : float
        Posterior probability of the chosen codec among the candidates, 0–1.

    Examples
    --------
    >>> decode_bytes("政协委员围绕乡村振兴建言献策".encode("gbk"))[:2]
    ('政协委员围绕乡村振兴建言献策', 'gb18030')
    >>> decode_bytes("政協委員圍繞鄉村振興建言獻策".encode("big5"))[:2]
    ('政協委員圍繞鄉村振興建言獻策', 'big5')
    >>> decode_bytes("\\ufeff政协".encode("utf-8"))
    ('政协', 'utf_8_sig', 1.0)
    """
    if not data:
        return "", "utf_8", 1.0
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            if codec == "utf_8_sig":
                body = data
            try:
                return body.decode(codec), codec, 1.0
            except UnicodeDecodeError:
                return body.decode(codec, errors="replace"), codec, 0.5
    try:
        return data.decode("utf_8"), "utf_8", 1.0
    except UnicodeDecodeError:
        pass

    cands = _candidates(data)
    samples = {codec: _decode_prefix(data, codec) for codec in cands}
    lm: dict[str, float] = {}  # big5 and cp950 usually read the bytes alike: score each text once
    for text in samples.values():
        if text not in lm:
            lm[text] = _logp(text)
    scores = {c: prior + lm[samples[c]] for c, prior in cands.items()}
    per_text: dict[str, float] = {}
    for c, sc in scores.items():
        per_text[samples[c]] = max(sc, per_text.get(samples[c], -math.inf))
    ranked = sorted(per_text.values(), reverse=True)
    # The detectors vote only in close calls: two votes cannot overturn a wider margin.
    if len(ranked) > 1 and ranked[0] - ranked[1] <= 2 * _VOTE_BONUS:
        cd, cn = _votes(data[:_SAMPLE_BYTES])
        for codec in scores:
            family = "big5" if codec in ("cp950", "big5hkscs") else codec
            scores[codec] += _VOTE_BONUS * ((cd == family) + (cn == family))

    best = max(scores, key=scores.__getitem__)  # ties keep the earlier, simpler codec
    top = scores[best]
    weights = {c: math.exp((s - top) / _TEMPERATURE) for c, s in scores.items()}
    # Codecs that agree on these bytes (big5/cp950) share one reading: pool their mass.
    confidence = sum(w for c, w in weights.items() if samples[c] == samples[best]) / sum(
        weights.values()
    )
    # Even the best reading can be implausible (binary data, an unknown codec):
    # real Chinese averages about -7 per character, garbage below -12.
    per_char = lm[samples[best]] / max(1, len(samples[best]))
    if per_char < _IMPLAUSIBLE_PER_CHAR:
        confidence *= 0.3
    try:
        text = data.decode(best)
    except UnicodeDecodeError:
        text = data.decode(best, errors="replace")
        confidence *= 0.5
    return text, best, round(confidence, 4)


# =================================================================== dispatch


def read_source(name: str, data: bytes) -> list[RawDoc]:
    """Read one raw file's bytes into documents, choosing the reader by suffix.

    Parameters
    ----------
    name : str
        File name or path; only the suffix (case-insensitive) is used.
    data : bytes
        The file's bytes.

    Returns
    -------
    list of RawDoc
        One per document: one for txt/html/pdf/docx, one per row for
        csv/tsv/jsonl.

    Raises
    ------
    SourceError
        When the file cannot be read: unsupported suffix, a PDF without a
        text layer (needs OCR) or encrypted, a table without a text column,
        a corrupt docx.

    Examples
    --------
    >>> [d.text for d in read_source("a.txt", "各位委员：".encode("gb18030"))]
    ['各位委员：']
    >>> rows = read_source("b.csv", "year,text\\n2025,贵阳市政协工作报告\\n".encode())
    >>> rows[0].text, rows[0].meta, rows[0].source_row
    ('贵阳市政协工作报告', {'year': '2025'}, 0)
    """
    suffix = PurePosixPath(name).suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        raise SourceError(
            name,
            f"unsupported format {suffix or '(no suffix)'!r}: convert it to one of "
            f"{', '.join(sorted(SUPPORTED_SUFFIXES))} (e.g. .doc → .docx with LibreOffice)",
        )
    if not data:
        raise SourceError(name, "empty file (0 bytes): re-download or remove it")
    if fmt not in ("pdf", "docx"):
        _reject_binary(name, data, suffix)
    reader = {
        "txt": _read_txt,
        "html": _read_html,
        "pdf": _read_pdf,
        "docx": _read_docx,
        "csv": _read_delimited,
        "tsv": _read_delimited,
        "jsonl": _read_jsonl,
    }[fmt]
    return reader(name, data, fmt)


def _decode_warnings(text: str, encoding: str, confidence: float) -> tuple[str, ...]:
    out = []
    if "\ufffd" in text:
        out.append(
            f"{text.count(chr(0xFFFD))} undecodable byte sequences became U+FFFD ({encoding})"
        )
    if confidence < 0.6:
        out.append(f"low encoding confidence {confidence:.2f} for {encoding}")
    return tuple(out)


# Magic numbers of binary formats that turn up with a text suffix (issue 14).
_MAGIC = (
    (b"%PDF", "a PDF file", "rename it to .pdf"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .xlsx …)", "give it its real suffix (.docx) or unpack it"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Excel file (.doc/.xls)", "convert it: soffice --headless --convert-to docx"),
    (b"\x89PNG", "a PNG image", "it needs OCR; remove it from the corpus"),
    (b"\xff\xd8\xff", "a JPEG image", "it needs OCR; remove it from the corpus"),
    (b"GIF8", "a GIF image", "remove it from the corpus"),
    (b"{\\rtf", "an RTF document", "save it as .txt or .docx"),
)
_BINARY_SHARE = 0.1  # control/undecodable characters in real text are a handful per page


def _reject_binary(name: str, data: bytes, suffix: str) -> None:
    """Raise ``SourceError`` for a binary file with a text suffix (checked before decoding)."""
    for magic, what, fix in _MAGIC:
        if data.startswith(magic):
            raise SourceError(name, f"wrong suffix: this is {what}, not {suffix} text; {fix}")
    sample = data[:_SAMPLE_BYTES]
    nul = sample.count(0)
    if nul and _nul_pattern(data) is None and not data.startswith(tuple(b for b, _ in _BOMS)):
        raise SourceError(name, f"binary data, not text ({nul} NUL bytes in the first {len(sample)}): convert it to text or remove it")


def _check_text(name: str, text: str, encoding: str) -> None:
    """Raise ``SourceError`` when the decoded text is not text (binary junk, an unknown codec)."""
    sample = text[:_SAMPLE_BYTES]
    if not sample:
        return
    bad = sum(1 for ch in sample if ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch not in "\t\n\r\f\v"))
    if bad > _BINARY_SHARE * len(sample):
        raise SourceError(name, f"binary data, not text ({bad} of the first {len(sample)} characters are control or undecodable): convert it to text or remove it")
    if not encoding.startswith("utf_8") and _logp(sample) / len(sample) < _IMPLAUSIBLE_PER_CHAR:
        raise SourceError(name, f"not Chinese text in any known encoding (best guess {encoding} reads as noise): check the file, re-save it as UTF-8 or remove it")


def _read_txt(name: str, data: bytes, fmt: str) -> list[RawDoc]:
    text, enc, conf = decode_bytes(data)
    _check_text(name, text, enc)
    return [RawDoc(text, fmt, enc, conf, None, {}, _decode_warnings(text, enc, conf))]


# ======================================================================= HTML

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# Declared labels → the superset codec that decodes them (pages labelled
# gb2312 routinely contain GBK characters).
_CHARSET_SUPERSET = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "x-gbk": "gb18030",
    "big5": "cp950",
    "big5-hkscs": "big5hkscs",
}
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "button",
    "select",
    "svg",
    "canvas",
    "template",
    "object",
    "embed",
    "menu",
)
# class/id words of page furniture (English and pinyin naming on Chinese sites).
_CLUTTER_RE = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|header|head|sidebar|side|share|"
    r"comment|comments|copyright|toolbar|tools|print|related|recommend|banner|ad|ads|login|search|"
    r"mianbao|daohang|dh|position|location|weizhi|pagination|pager)($|[\s_-])",
    re.I,
)
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "center",
    "td",
    "th",
    "main",
}
_META_NAMES = {
    "keywords": "keywords",
    "description": "description",
    "publishdate": "date",
    "pubdate": "date",
    "publish_date": "date",
    "firstpublishedtime": "date",
    "article:published_time": "date",
    "og:title": "og_title",
    "author": "speaker",
    "source": "source",
    "contentsource": "source",
    "columnname": "column",
}


def _html_decode(data: bytes) -> tuple[str, str, float, tuple[str, ...]]:
    """Decode a page: BOM, else its declared charset if that decodes, else ``decode_bytes``."""
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return (*decode_bytes(data), ())
    m = _CHARSET_RE.search(data[:4096])
    if not m:
        return (*decode_bytes(data), ())
    label = m.group(1).decode("ascii").lower()
    try:
        codec = codecs.lookup(_CHARSET_SUPERSET.get(label, label)).name.replace("-", "_")
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        codec = ""
    # Single-byte Western labels decode anything, so they prove nothing on a
    # Chinese page: let detection check them.
    if codec and codec not in _SINGLE_BYTE:
        return text, codec, 1.0, ()
    text, enc, conf = decode_bytes(data)
    if codec == enc or (codec and enc in ("utf_8", "cp1252")):
        return text, enc, conf, ()
    return text, enc, conf, (f"declared charset {label!r} does not fit the page; detected {enc}",)


_SINGLE_BYTE = {"latin_1", "iso8859_1", "cp1252", "ascii", "iso8859_15"}


def _is_clutter(el) -> bool:
    attrs = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
    return bool(attrs) and bool(_CLUTTER_RE.search(attrs))


def _text_len(el) -> int:
    return sum(len(t.strip()) for t in el.itertext())


def _link_len(el) -> int:
    return sum(_text_len(a) for a in el.iter("a"))


def _main_node(body):
    """The element holding the main text: <article>/<main>, else the densest block.

    Each <p>/<br>-bearing block scores its own non-link text; the parent of the
    best-scoring paragraphs wins (a readability-style text-density heuristic).
    """
    for tag in ("article", "main"):
        found = [e for e in body.iter(tag) if _text_len(e) > 200]
        if found:
            return max(found, key=_text_len)
    scores: Counter = Counter()
    for p in body.iter("p", "br", "td", "pre"):
        node = p if p.tag != "br" else p.getparent()
        if node is None:
            continue
        n = _text_len(node) - _link_len(node)
        if n <= 0:
            continue
        parent = node.getparent() if node.tag in ("p", "br") else node
        if parent is None:
            continue
        scores[parent] += n
        grand = parent.getparent()
        if grand is not None:
            scores[grand] += n / 2
    if not scores:
        return body
    return max(scores, key=scores.__getitem__)


def _block_text(node) -> str:
    """Text of ``node`` with a paragraph break after every block element."""
    out: list[str] = []

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "br":
            out.append("\n")
        elif tag:
            if tag in _BLOCK_TAGS:
                out.append("\n\n")
            if el.text:
                out.append(el.text)
            for child in el:
                walk(child)
            if tag in _BLOCK_TAGS:
                out.append("\n\n")
        if el.tail:
            out.append(el.tail)

    walk(node)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in "".join(out).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _read_html(name: str, data: bytes, fmt: str) -> list[RawDoc]:
    import lxml.html

    text, enc, conf, warns = _html_decode(data)
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as exc:  # lxml raises ParserError/ValueError on empty or binary input
        raise SourceError(
            name, f"not parseable as HTML ({exc}): check that the file is a web page"
        ) from exc
    meta: dict[str, str] = {}
    title = root.findtext(".//title")
    if title and title.strip():
        meta["title"] = title.strip()
    for m in root.iter("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or "").lower()
        if key in _META_NAMES and m.get("content", "").strip():
            meta.setdefault(_META_NAMES[key], m.get("content").strip())
    body = root.find("body")
    if body is None:
        body = root
    for el in list(body.iter(*_DROP_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in [e for e in body.iter() if isinstance(e.tag, str) and _is_clutter(e)]:
        # keep a clutter-named wrapper that nonetheless holds most of the page
        if el.getparent() is not None and _text_len(el) < 0.5 * max(_text_len(body), 1):
            el.drop_tree()
    main = _main_node(body)
    out = _block_text(main)
    if not out:
        warns = (*warns, "no main text found in the HTML page")
    return [RawDoc(out, fmt, enc, conf, None, meta, warns + _decode_warnings(out, enc, conf))]


# ======================================================================= docx


def _read_docx(name: str, data: bytes, fmt: str) -> list[RawDoc]:
    import docx
    from docx.table import Table

    try:
        doc = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(
            name,
            f"not a valid .docx ({exc.__class__.__name__}): if it is an old .doc, convert it "
            "(soffice --headless --convert-to docx file.doc)",
        ) from exc
    paras: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells]
                # merged cells repeat their text in every grid cell
                cells = [c for i, c in enumerate(cells) if c and (i == 0 or c != cells[i - 1])]
                if cells:
                    paras.append("\t".join(cells))
        elif block.text.strip():
            paras.append(block.text)
    cp = doc.core_properties
    meta = {k: str(v) for k, v in (("title", cp.title), ("speaker", cp.author)) if v}
    if cp.created is not None:
        meta["date"] = cp.created.date().isoformat()
    text = "\n\n".join(paras)
    warns = () if text.strip() else ("the .docx has no text",)
    return [RawDoc(text, fmt, "docx", 1.0, None, meta, warns)]


# ==================================================================== tabular


def meta_alias(name: str) -> str:
    """Our name for a tabular/HTML field name (``province`` → ``city``, ``标题`` → ``title``).

    >>> meta_alias("作者"), meta_alias("congress")
    ('speaker', 'congress')
    """
    k = str(name).strip()
    return _META_ALIASES.get(k.lower(), _META_ALIASES.get(k, k))


def _canon_meta(row: dict[str, object], skip: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in row.items():
        if key == skip or value is None:
            continue
        value = str(value).strip()
        if value == "" or value.lower() in ("nan", "null", "none"):
            continue
        k = str(key).strip()
        canon = _META_ALIASES.get(k.lower(), _META_ALIASES.get(k, k))
        meta.setdefault(canon, value)
    return meta


def _is_prose(values: Sequence[str]) -> bool:
    """True when a column looks like running text: long cells with sentence punctuation, not URLs."""
    vals = [v for v in values if v]
    if not vals:
        return False
    long_ = sum(len(v) >= 100 for v in vals)
    sentences = sum(bool(re.search(r"[。！？；.!?]", v)) for v in vals)
    urls = sum(v.lstrip().lower().startswith(("http://", "https://", "www.")) for v in vals)
    return long_ >= 0.5 * len(vals) and sentences >= 0.5 * len(vals) and urls == 0


def _text_column(
    name: str, columns: Sequence[str], rows: Sequence[dict[str, object]], nrows: int
) -> str:
    lower = {str(c).strip().lower(): c for c in columns}
    for cand in TEXT_COLUMNS:
        if cand in lower:
            return lower[cand]
    if rows:
        longest = max(columns, key=lambda c: sum(len(str(r.get(c) or "")) for r in rows))
        if _is_prose([str(r.get(longest) or "") for r in rows]):
            return longest
    raise SourceError(
        name,
        f"not a table with a text column: columns are {', '.join(map(str, columns)) or '(none)'} "
        f"({nrows} rows) and none is named {'/'.join(TEXT_COLUMNS)} or holds prose; "
        "rename the text column to full_text, or leave this file out of the corpus",
    )


def _read_delimited(name: str, data: bytes, fmt: str) -> list[RawDoc]:
    import pandas as pd

    text, enc, conf = decode_bytes(data)
    sep = "\t" if fmt == "tsv" else ","
    try:
        # pandas' C parser has no field-size limit (csv.field_size_limit is process-global)
        # and handles multi-line quoted fields.
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceError(
            name, f"not a valid {fmt.upper()} ({exc}); check the delimiter and quoting"
        ) from exc
    columns = [str(c) for c in df.columns]
    rows = df.to_dict("records")
    col = _text_column(name, columns, rows, len(rows))
    if not rows:
        raise SourceError(
            name, f"the {fmt.upper()} has a text column {col!r} but no rows: leave it out"
        )
    base = _decode_warnings(text, enc, conf)
    docs = []
    for i, row in enumerate(rows):
        body = str(row.get(col) or "")
        w = base + (() if body.strip() else (f"row {i}: empty text in column {col!r}",))
        docs.append(RawDoc(body, fmt, enc, conf, i, _canon_meta(row, col), w))
    return docs


def _read_jsonl(name: str, data: bytes, fmt: str) -> list[RawDoc]:
    text, enc, conf = decode_bytes(data)
    rows: list[dict[str, object]] = []
    bad: list[int] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            bad.append(lineno)
            continue
        if isinstance(obj, dict):
            rows.append(obj)
        else:
            bad.append(lineno)
    if not rows:
        raise SourceError(
            name, f"no JSON objects found ({len(bad)} malformed lines): expect one object per line"
        )
    columns = list(dict.fromkeys(k for r in rows for k in r))
    str_rows = [
        {
            k: (v if isinstance(v, str) else "" if v is None else json.dumps(v, ensure_ascii=False))
            for k, v in r.items()
        }
        for r in rows
    ]
    col = _text_column(name, columns, str_rows, len(rows))
    base = _decode_warnings(text, enc, conf)
    if bad:
        msg = f"skipped {len(bad)} malformed JSON lines (first: line {bad[0]})"
        warnings.warn(f"{name}: {msg}", stacklevel=2)
        base = (*base, msg)
    docs = []
    for i, row in enumerate(str_rows):
        body = row.get(col) or ""
        w = base + (() if str(body).strip() else (f"row {i}: empty text in field {col!r}",))
        docs.append(RawDoc(str(body), fmt, enc, conf, i, _canon_meta(row, col), w))
    return docs


# ======================================================================== PDF

_PAGE_NO_RE = re.compile(
    r"^(?:[-—–_~·•\s]*\d{1,4}[-—–_~·•\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$",
    re.I,
)
_BAND = 0.09  # top/bottom share of the page height where running headers/footers live


@dataclass
class _Line:
    chars: list[dict]
    top: float
    bottom: float
    x0: float
    x1: float
    size: float

    @property
    def text(self) -> str:
        out, prev = [], None
        for c in self.chars:
            if prev is not None and c["x0"] - prev["x1"] > 0.6 * max(c["size"], 1):
                out.append(" ")
            out.append(c["text"])
            prev = c
        return "".join(out).strip()


def _make_line(chars: list[dict]) -> _Line:
    chars = sorted(chars, key=lambda c: c["x0"])
    return _Line(
        chars,
        min(c["top"] for c in chars),
        max(c["bottom"] for c in chars),
        chars[0]["x0"],
        max(c["x1"] for c in chars),
        statistics.median(c["size"] for c in chars),
    )


def _rough_lines(chars: list[dict]) -> list[list[dict]]:
    """Group characters whose vertical centres lie within half a glyph height."""
    groups: list[list[dict]] = []
    centre = 0.0
    for c in sorted(chars, key=lambda c: (c["top"] + c["bottom"]) / 2):
        mid = (c["top"] + c["bottom"]) / 2
        if groups and abs(mid - centre) <= 0.5 * max(c["size"], 1):
            groups[-1].append(c)
        else:
            groups.append([c])
            centre = mid
    return groups


def _find_gutter(groups: list[list[dict]], width: float) -> float | None:
    """x of the gap between two text columns, or None for a one-column page.

    ``groups`` are the page's rough lines.  The gutter is the widest x-range in
    the middle 40% of the page that at most 15% of the lines cross (titles
    spanning both columns do), with text on both sides in at least 30% of the
    lines.
    """
    if len(groups) < 4:
        return None
    lo, hi = int(width * 0.3), int(width * 0.7)
    cover = [0] * (hi - lo + 1)
    for g in groups:
        xs: set[int] = set()
        for c in g:
            xs.update(range(max(lo, int(c["x0"])), min(hi, int(math.ceil(c["x1"]))) + 1))
        for x in xs:
            cover[x - lo] += 1
    limit = 0.15 * len(groups)
    best, run_start, best_span = None, None, 0
    for i, n in enumerate([*cover, limit + 1]):
        if n <= limit:
            run_start = i if run_start is None else run_start
        elif run_start is not None:
            if i - run_start > best_span:
                best_span, best = i - run_start, lo + (run_start + i - 1) / 2
            run_start = None
    size = statistics.median(c["size"] for g in groups for c in g)
    if best is None or best_span < 0.8 * size:
        return None
    left = sum(any(c["x1"] <= best for c in g) for g in groups)
    right = sum(any(c["x0"] >= best for c in g) for g in groups)
    if min(left, right) < 0.3 * len(groups):
        return None
    return best


def _page_regions(page) -> tuple[list[_Line], list[list[_Line]]]:
    """Band lines (header/footer candidates) and body lines grouped into reading-order columns.

    Returns the band lines and a list of ``segments``: each segment is a list of
    lines in reading order (left column, then right column, between lines that
    span the gutter).
    """
    chars = [c for c in page.chars if c["text"].strip() and c.get("upright", True)]
    h = float(page.height)
    band_chars = [c for c in chars if c["bottom"] <= _BAND * h or c["top"] >= (1 - _BAND) * h]
    body_chars = [c for c in chars if not (c["bottom"] <= _BAND * h or c["top"] >= (1 - _BAND) * h)]
    band = [_make_line(g) for g in _rough_lines(band_chars)]
    groups = _rough_lines(body_chars)
    gutter = _find_gutter(groups, float(page.width))
    segments: list[list[_Line]] = []
    if gutter is None:
        segments.append([_make_line(g) for g in groups])
        return band, segments
    left: list[_Line] = []
    right: list[_Line] = []
    for group in groups:
        crossing = any(c["x0"] < gutter < c["x1"] for c in group)
        if crossing:
            segments.extend(s for s in (left, right) if s)
            left, right = [], []
            segments.append([_make_line(group)])
            continue
        lg = [c for c in group if c["x1"] <= gutter]
        rg = [c for c in group if c["x0"] >= gutter]
        if lg:
            left.append(_make_line(lg))
        if rg:
            right.append(_make_line(rg))
    segments.extend(s for s in (left, right) if s)
    return band, segments


@dataclass
class _Para:
    lines: list[str]
    indented: bool  # first line indented: certainly a new paragraph
    open_end: bool  # last line runs to the right margin: may continue in the next column/page


def _paragraphs(lines: list[_Line]) -> list[_Para]:
    """Split one column's lines into paragraphs: a vertical gap, an indent or a short previous line."""
    if not lines:
        return []
    pitches = [b.top - a.top for a, b in pairwise(lines) if b.top > a.top]
    pitch = statistics.median(pitches) if pitches else lines[0].size * 1.5
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)

    def indented(ln: _Line) -> bool:
        return ln.x0 - left > 1.5 * max(ln.size, 1)

    def short(ln: _Line) -> bool:
        return right - ln.x1 > 2.0 * max(ln.size, 1)

    paras = [_Para([lines[0].text], indented(lines[0]), False)]
    for prev, cur in pairwise(lines):
        if cur.top - prev.top > 1.45 * pitch or indented(cur) or short(prev):
            paras.append(_Para([cur.text], indented(cur), False))
        else:
            paras[-1].lines.append(cur.text)
    # a lone line cannot show whether it reaches the margin; treat it as closed
    paras[-1].open_end = len(lines) > 1 and not short(lines[-1])
    return paras


def _join_paragraphs(paras: list[_Para]) -> list[str]:
    """Join paragraphs cut by a column or page break: open end followed by an unindented start."""
    out: list[list[str]] = []
    prev_open = False
    for p in paras:
        if out and prev_open and not p.indented:
            out[-1].extend(p.lines)
        else:
            out.append(list(p.lines))
        prev_open = p.open_end
    return ["\n".join(x) for x in out]


def _norm_band(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _read_pdf(name: str, data: bytes, fmt: str) -> list[RawDoc]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = list(pdf.pages)
    except Exception as exc:  # pdfplumber wraps pdfminer errors in PdfminerException
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if (
            isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError))
            or "password" in repr(exc).lower()
        ):
            raise SourceError(
                name,
                "encrypted PDF: decrypt it first (qpdf --decrypt --password=... in.pdf out.pdf)",
            ) from exc
        if isinstance(cause, PDFSyntaxError) or "syntax" in repr(exc).lower():
            raise SourceError(
                name, f"not a valid PDF ({cause}): re-download or repair it (qpdf in.pdf out.pdf)"
            ) from exc
        raise SourceError(
            name, f"PDF could not be opened ({exc!r}): try repairing it with qpdf"
        ) from exc
    with pdf:
        meta = {
            k.lower(): v.strip()
            for k, v in (pdf.metadata or {}).items()
            if k in ("Title", "Author")
            and isinstance(v, str)
            and v.strip().lower() not in ("", "untitled", "anonymous", "unspecified", "unknown")
        }
        if "author" in meta:
            meta["speaker"] = meta.pop("author")
        regions = [_page_regions(p) for p in pages]
    n_chars = sum(
        len(ln.text) for band, segs in regions for ln in band + [x for s in segs for x in s]
    )
    if n_chars == 0:
        raise SourceError(
            name,
            f"needs OCR: the PDF has no text layer ({len(pages)} pages, 0 characters); "
            "run OCR first (e.g. ocrmypdf -l chi_sim in.pdf out.pdf)",
        )
    # Running headers/footers: band lines whose digit-blind text recurs on many pages.
    seen = Counter(t for band, _ in regions for t in {_norm_band(ln.text) for ln in band})
    repeat_min = max(2, math.ceil(0.5 * len(pages)))
    paras: list[_Para] = []
    empty_pages = []
    removed = 0
    for pno, (band, segs) in enumerate(regions, 1):
        kept_top, kept_bottom = [], []
        for ln in band:
            t = ln.text
            if _PAGE_NO_RE.match(t) or (len(pages) > 1 and seen[_norm_band(t)] >= repeat_min):
                removed += 1
                continue
            (kept_top if ln.top < float(pages[pno - 1].height) / 2 else kept_bottom).append(ln)
        blocks = ([kept_top] if kept_top else []) + segs + ([kept_bottom] if kept_bottom else [])
        page_paras = [p for seg in blocks for p in _paragraphs(seg)]
        if not page_paras:
            empty_pages.append(pno)
        paras.extend(page_paras)
    warns: list[str] = []
    if empty_pages:
        warns.append(f"pages {', '.join(map(str, empty_pages))} have no text layer (need OCR)")
    text = "\n\n".join(p for p in _join_paragraphs(paras) if p.strip())
    meta["pdf_pages"] = str(len(pages))
    meta["pdf_band_lines_removed"] = str(removed)
    return [RawDoc(text, fmt, "pdf", 1.0, None, meta, tuple(warns))]
