"""Mojibake repair: undo encoding damage in one decoded string (issue 3).

Input: one ``str`` as a reader decoded it.  Output: a frozen
:class:`MojibakeRepair` with the repaired text, the characters repaired per
route (``audit.repairs``) and the U+FFFD placeholders left
(``audit.placeholders``).  Only encoding damage is touched: pinyin, HTML
remnants, Traditional script and character width are left to ``textfix``.

Routes (``ROUTES``), each undone by a small pure function:

``utf8_as_gbk``
    UTF-8 bytes read as GBK/GB18030 (鍕囨媴 style), also with bytes lost on the
    way: ``errors="replace"`` (one U+FFFD per lost byte) or ``errors="ignore"``
    (bytes silently dropped), and as a short run inside clean text.
``gbk_as_latin1``
    GBK bytes read as Latin-1/cp1252 (ÕþÐ­ style).
``utf8_as_latin1``
    UTF-8 read as Latin-1/cp1252 (ä¸­æ–‡ style), undone by ``ftfy.fix_encoding``.
``big5_as_gbk`` / ``gbk_as_big5``
    Big5 bytes read as GBK, and GBK bytes read as Big5 (cp950), strictly or
    with ``errors="replace"`` (the wrong decoder then reads on out of phase
    until an ASCII byte).

Lossy routes (issue 10) recover what the remaining bytes prove and never
guess: a lost byte ranges over exactly the values the wrong codec gives up
on, and a character that the remaining bytes leave open among several
becomes one U+FFFD (``redecode_double_byte``, ``redecode_utf8``).  Big5
read as GBK loses about a third of its characters that way (every Big5
character whose lead GBK reserves for user-defined areas, ，。、 among them).
The ``misaligned_gbk`` route below still picks a lost byte's character with
the character model.
``double``
    Two of the layers above on top of each other; undone layer by layer.
``misaligned_gbk``
    The damage of sample page 002: a byte-level full-width→ASCII replacement
    on the GBK stream (``A3 xx`` → ``xx-0x80``) that also hit byte pairs
    straddling two characters (``8C A3 | A1 B1`` of 專” → ``8C 21 B1``), then a
    GBK decode that shows the orphaned lead byte as ``?`` (sometimes with the
    next ASCII byte, the ``<`` of ``</p>`` or the ``(`` of a pinyin group) and
    reads the rest of the run one byte out of phase until an ASCII byte
    resynchronises it.  A beam search over the byte stream re-reads it in
    phase, tries ``A3`` + ``xx|0x80`` for each ASCII byte and a wildcard for
    each lost byte, and keeps the reading a character model scores best.

Repair is accepted only where it is provably better: a re-decoding must be
valid in the target codec and raise the character-model score by a clear
margin.  The character model is a bigram model built from the word
frequencies of jieba's ``dict.txt`` (characters mapped Traditional→Simplified
for scoring only), plus a unigram cache of the document itself (Kuhn & De
Mori 1990) so that a lost character is guessed towards the document's own
vocabulary.  A character that cannot be recovered becomes one U+FFFD and is
counted.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.resources
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ftfy

from ..modelcache import cached_model
from .chars import to_simplified

__all__ = [
    "ROUTES",
    "CharModel",
    "MojibakeRepair",
    "char_model",
    "repair_mojibake",
    "redecode_double_byte",
    "redecode_utf8",
    "rephase_gbk",
    "undo_big5_as_gbk",
    "undo_gbk_as_big5",
    "undo_gbk_as_latin1",
    "undo_utf8_as_gbk",
    "undo_utf8_as_latin1",
]

ROUTES: tuple[str, ...] = (
    "utf8_as_gbk",
    "gbk_as_latin1",
    "utf8_as_latin1",
    "big5_as_gbk",
    "gbk_as_big5",
    "double",
    "misaligned_gbk",
)

PLACEHOLDER = "\ufffd"

# Relative frequency of each punctuation mark among punctuation in Chinese
# prose (rough shares from the sample reports); ASCII forms share the
# full-width ones' weight because page 002 has ASCII commas throughout.
_PUNCT_SHARE = {
    ",": 0.40, "。": 0.22, "、": 0.10, "“": 0.05, "”": 0.05, ":": 0.03, ";": 0.03,
    "(": 0.01, ")": 0.01, "《": 0.01, "》": 0.01, "!": 0.005, "?": 0.005, "—": 0.005,
    "…": 0.003, "·": 0.003, "‘": 0.002, "’": 0.002,
}
_PUNCT_OTHER = 0.0005
_PINYIN_LETTERS = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹ")
_OPENING = "“‘《(〈【「『"
# Punctuation pairs that are common in Chinese prose (。” ”， ”“ …), after
# full-width ASCII is folded to ASCII.
_PUNCT_PAIRS = frozenset("。” !” ?” ”, ”。 ”、 ”“ ”; ”: ), ). ”) ’” 》, 》。 》、 》“".split())
_PUNCT = "\x01"  # class token: any punctuation
_ASCII = "\x02"  # class token: Latin letters, digits, spaces
_BOUNDARY_PUNCT = 0.25  # P(punctuation | word boundary)
_BOUNDARY_ASCII = 0.02  # P(Latin/digit | word boundary)
_FLOOR_HAN = 2e-6  # a Han character jieba never saw (rare characters such as 𠀋)
_FLOOR_OTHER = 2e-7  # symbols, private-use characters, anything else


@dataclass(frozen=True)
class CharModel:
    """Character bigram counts from jieba's dictionary (Simplified).

    ``unigram[c]``, ``start[c]``, ``end[c]`` are word-frequency-weighted counts
    of ``c`` anywhere, word-initially and word-finally; ``bigram[a + b]``
    counts ``ab`` inside words and ``left[a]`` the bigrams that start with
    ``a``; ``t2s`` maps single characters Traditional→Simplified for scoring.
    The encoding detector in ``readers`` scores with the same model.
    """

    unigram: dict[str, int]
    start: dict[str, int]
    end: dict[str, int]
    bigram: dict[str, int]
    left: dict[str, int]
    total: int
    start_total: int
    t2s: dict[str, str]


@functools.lru_cache(maxsize=1)
def char_model() -> CharModel:
    """Build (once per process) the character model from jieba's ``dict.txt``.

    Returns
    -------
    CharModel
        Counts from the dictionary that ships inside the jieba package.

    Examples
    --------
    >>> m = char_model()
    >>> m.unigram["的"] > m.unigram["钡"]
    True
    """
    # Built once per machine and kept on disk, keyed by dict.txt and this file (issue 9).
    dict_txt = importlib.resources.files("jieba").joinpath("dict.txt")
    # OpenCC gives the t2s table, so its version is part of the name.
    opencc = importlib.metadata.version("opencc")
    return cached_model(f"char_model-opencc{opencc}", _build_char_model, Path(str(dict_txt)), Path(to_simplified.__code__.co_filename))


def _build_char_model() -> CharModel:
    unigram: Counter[str] = Counter()
    start: Counter[str] = Counter()
    end: Counter[str] = Counter()
    bigram: Counter[str] = Counter()
    left: Counter[str] = Counter()
    text = importlib.resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) < 2 or not parts[1].isdigit():
            continue
        word, freq = parts[0], int(parts[1])
        for c in word:
            unigram[c] += freq
        start[word[0]] += freq
        end[word[-1]] += freq
        for a, b in zip(word, word[1:], strict=False):
            bigram[a + b] += freq
            left[a] += freq
    # One OpenCC call over every GBK/Big5 character, one per line, gives a
    # character-level t2s table without phrase conversions.
    chars = sorted({*(_gbk_table()[0].values()), *_big5_chars()})
    converted = to_simplified("\n".join(chars)).split("\n")
    t2s = {a: b for a, b in zip(chars, converted, strict=True) if len(b) == 1 and a != b}
    return CharModel(
        unigram=dict(unigram), start=dict(start), end=dict(end), bigram=dict(bigram), left=dict(left),
        total=sum(unigram.values()), start_total=sum(start.values()), t2s=t2s,
    )


@functools.lru_cache(maxsize=1)
def _gbk_table() -> tuple[dict[tuple[int, int], str], dict[int, list[str]], dict[int, list[str]]]:
    """GBK double-byte table: (lead, trail) → char, plus chars by lead and by trail.

    GB18030's two-byte part is GBK plus private-use code points for the
    user-defined areas; those are kept so that every byte pair round-trips.
    """
    pairs: dict[tuple[int, int], str] = {}
    by_lead: dict[int, list[str]] = {}
    by_trail: dict[int, list[str]] = {}
    for lead in range(0x81, 0xFF):
        for trail in [*range(0x40, 0x7F), *range(0x80, 0xFF)]:
            try:
                c = bytes((lead, trail)).decode("gb18030")
            except UnicodeDecodeError:
                continue
            if len(c) != 1:
                continue
            pairs[(lead, trail)] = c
            if not 0xE000 <= ord(c) <= 0xF8FF:  # a lost byte never restores a private-use char
                by_lead.setdefault(lead, []).append(c)
                by_trail.setdefault(trail, []).append(c)
    return pairs, by_lead, by_trail


@functools.lru_cache(maxsize=1)
def _big5_chars() -> frozenset[str]:
    out = set()
    for lead in range(0xA1, 0xFA):
        for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            try:
                out.add(bytes((lead, trail)).decode("cp950"))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


# --------------------------------------------------------------------------- scoring

@dataclass(frozen=True)
class _Scorer:
    """Bigram log-probabilities with a unigram cache of the current document."""

    model: CharModel
    cache: dict[str, int]
    cache_total: int
    pairs: dict[str, int]  # bigrams of the document's undamaged stretches
    firsts: dict[str, int]

    def key(self, c: str) -> str:
        """Scoring key: Simplified char, or a class token for punctuation/Latin."""
        if "\uff01" <= c <= "\uff5e":  # full-width ASCII scores as ASCII: width is not our business
            c = chr(ord(c) - 0xFEE0)
        if c.isascii():  # before the dictionary lookup: jieba's dict has English words
            return _ASCII if c.isalnum() or c.isspace() else _PUNCT
        if c in _PINYIN_LETTERS or c.isspace():  # NBSP, U+3000
            return _ASCII
        c = self.model.t2s.get(c, c)
        if c in self.model.unigram:
            return c
        if c in _PUNCT_SHARE or c in "，。！？；：":
            return _PUNCT
        return c

    def logp(self, prev: str, cur: str) -> float:
        """log P(cur | prev) for raw characters ``prev``, ``cur`` ("" = line start)."""
        m = self.model
        a = self.key(prev) if prev else _PUNCT
        b = self.key(cur)
        boundary = m.end.get(a, 0) / m.unigram[a] if a in m.unigram else 1.0
        if b == _PUNCT:
            share = _PUNCT_SHARE.get(_halfwidth(cur), _PUNCT_OTHER)
            if a != _PUNCT:
                p = boundary * _BOUNDARY_PUNCT * share
            elif _halfwidth(prev) in _OPENING:  # “。 and （， do not occur
                p = 1e-4 * share
            elif (_halfwidth(prev) + _halfwidth(cur)) in _PUNCT_PAIRS:
                p = 0.3
            else:
                p = 0.02 * share
        elif b == _ASCII:
            p = 0.5 if a == _ASCII else boundary * _BOUNDARY_ASCII
        elif "\u00a0" <= b <= "\u024f" and b.isalpha():  # other Latin letters: rare in Chinese reports
            p = 0.01
        elif b in m.unigram:
            p_start = m.start.get(b, 0) / m.start_total
            if a in m.unigram:
                p = m.bigram.get(a + b, 0) / m.unigram[a] + boundary * (1 - _BOUNDARY_PUNCT) * p_start
            else:
                p = p_start
            p = 0.9 * p + 0.1 * m.unigram[b] / m.total
            if self.cache_total:
                p = 0.85 * p + 0.15 * self.cache.get(b, 0) / self.cache_total
            p = max(p, _FLOOR_HAN)
        else:
            p = _FLOOR_HAN if _is_han(cur) else _FLOOR_OTHER
        if self.pairs:
            a_raw, b_raw = self.norm(prev), self.norm(cur)
            n = self.firsts.get(a_raw, 0)
            if n:
                p = 0.85 * p + 0.15 * self.pairs.get(a_raw + b_raw, 0) / n
        return math.log(max(p, _FLOOR_OTHER))

    def norm(self, c: str) -> str:
        """Character as the document cache stores it (half-width, Simplified)."""
        return self.model.t2s.get(_halfwidth(c), _halfwidth(c)) if c else ""

    def score(self, text: str, prev: str = "", nxt: str = "") -> float:
        """Sum of log-probabilities of ``text`` between context chars ``prev`` and ``nxt``."""
        total, last = 0.0, prev
        for c in text + nxt:
            total += self.logp(last, c)
            last = c
        return total


def _halfwidth(c: str) -> str:
    return chr(ord(c) - 0xFEE0) if c and "\uff01" <= c <= "\uff5e" else c


def _is_pua(c: str) -> bool:
    return "\ue000" <= c <= "\uf8ff"


def _is_han(c: str) -> bool:
    o = ord(c)
    return 0x3400 <= o <= 0x9FFF or 0x20000 <= o <= 0x3134F or 0xF900 <= o <= 0xFAFF


# Han characters, CJK and general punctuation, full-width forms (not the
# Latin letters of pinyin, which sit next to ASCII legitimately).
_CJK = "[\u2010-\u206f\u3000-\u9fff\uf900-\uffef]"

# Stretches that may be damaged (from a lost-byte marker through the
# misaligned characters after it) stay out of the document's bigram cache,
# or repeated mojibake (钡姆 three times on page 002) would look plausible.
_SUSPECT = re.compile(
    r"[^\x00-\x7f]{0,3}[?\ufffd](?:[!-~]?[^\x00-\x7f])*"
    r"|" + _CJK + "{1,3}(?:[!-/:-@\\[-`{-~]|[A-Za-z])" + _CJK + "{1,3}"
)
# Han characters: a shorter text is no evidence of its own character
# frequencies (its bigrams still are: 發揮“專”的 on the same line as “?!钡).
_MIN_CACHE = 300


def _scorer(model: CharModel, text: str) -> _Scorer:
    stretches = _SUSPECT.split(text)
    cache = Counter(model.t2s.get(c, c) for st in stretches for c in st if _is_han(c))
    if sum(cache.values()) < _MIN_CACHE:
        cache = Counter()
    pairs: Counter[str] = Counter()
    firsts: Counter[str] = Counter()
    for stretch in stretches:
        norm = [model.t2s.get(_halfwidth(c), _halfwidth(c)) for c in stretch if not c.isspace()]
        for a, b in zip(norm, norm[1:], strict=False):
            pairs[a + b] += 1
            firsts[a] += 1
    return _Scorer(model, dict(cache), sum(cache.values()), dict(pairs), dict(firsts))


# --------------------------------------------------------------------------- lossless routes

def undo_utf8_as_gbk(run: str) -> str | None:
    """Re-read a run of UTF-8 bytes that were decoded as GBK/GB18030.

    Strict decoding first; when bytes were lost (a U+FFFD per byte from
    ``errors="replace"``, or bytes silently dropped by ``errors="ignore"``)
    the run is re-read by :func:`redecode_utf8`: what the remaining bytes
    prove is written, every other character becomes one U+FFFD.

    Parameters
    ----------
    run : str
        Mojibake such as ``涓枃``.

    Returns
    -------
    str or None
        The re-read text, or None when the bytes are not UTF-8.

    Examples
    --------
    >>> undo_utf8_as_gbk("鏀垮崗宸ヤ綔鎶ュ憡")
    '政协工作报告'
    >>> undo_utf8_as_gbk("中文") is None
    True
    """
    if PLACEHOLDER not in run:
        try:
            strict = _strict(run.encode("gb18030"), "utf-8")
        except UnicodeEncodeError:
            return None
        if strict is not None:
            return strict
    out = redecode_utf8(run)
    if out is None:
        return None
    proven = len(out) - out.count(PLACEHOLDER)
    # A re-reading with lost bytes is evidence only when most of it is
    # proven Chinese: a few characters of other text often happen to pass
    # (钡臋 → U+FFFD + ę with one byte "dropped").
    if PLACEHOLDER in run:  # marked damage: whatever the bytes prove is a repair
        return out
    if proven < 3 or out.count(PLACEHOLDER) * 2 > proven or any(
            c.isalpha() and not c.isascii() and not _is_han(c) for c in out):
        return None
    return out


def undo_gbk_as_latin1(run: str) -> str | None:
    """Re-read a run of GBK bytes that were decoded as Latin-1 or cp1252.

    Examples
    --------
    >>> undo_gbk_as_latin1("ÕþÐ­¹¤×÷±¨¸æ")
    '政协工作报告'
    >>> undo_gbk_as_latin1("café") is None
    True
    """
    for codec in ("latin-1", "cp1252"):
        try:
            raw = run.encode(codec)
        except UnicodeEncodeError:
            continue
        out = _strict(raw, "gbk")
        if out is not None:
            return out
    return None


def undo_utf8_as_latin1(run: str) -> str | None:
    """Re-read UTF-8 that was decoded as Latin-1/cp1252, one layer, with ftfy.

    Only ftfy's encoding fixer runs (``fix_encoding_and_explain``, first
    encode/decode step of its plan): ``ftfy.fix_text`` defaults would also
    straighten “” and turn ``，`` into ``,`` in clean Chinese.

    Examples
    --------
    >>> undo_utf8_as_latin1("æ”¿å\\x8d\\x8f")
    '政协'
    >>> undo_utf8_as_latin1("政协") is None
    True
    """
    _, plan = ftfy.fix_encoding_and_explain(run)
    # One layer only (up to ftfy's first decode step): the driver judges each
    # layer itself, and ftfy's later steps can misread GBK mojibake as UTF-8.
    steps = []
    for step in plan or []:
        steps.append(step)
        if step[0] == "decode":
            break
    out = ftfy.apply_plan(run, steps) if steps else run
    return None if out == run else out


def undo_big5_as_gbk(run: str) -> str | None:
    """Re-read Big5 bytes that were decoded as GBK (GB18030 keeps every pair).

    Examples
    --------
    >>> undo_big5_as_gbk("'政協工作報告'".encode("big5").decode("gb18030"))
    "'政協工作報告'"
    """
    try:
        raw = run.encode("gb18030")
    except UnicodeEncodeError:
        return None
    return _strict(raw, "cp950")


def undo_gbk_as_big5(run: str) -> str | None:
    """Re-read GBK bytes that were decoded as Big5 (cp950).

    Examples
    --------
    >>> undo_gbk_as_big5("政协工作报告".encode("gbk").decode("cp950"))
    '政协工作报告'
    """
    try:
        raw = run.encode("cp950")
    except UnicodeEncodeError:
        return None
    return _strict(raw, "gbk")


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


# --------------------------------------------------------------------------- lossy routes (issue 10)
#
# A decoder run with errors="replace" writes one U+FFFD per byte it gave up
# on (CPython's CJK codecs always give up on exactly one byte, the lead, and
# re-read the next byte as a lead); errors="ignore" drops that byte.  The
# byte it gave up on is not arbitrary: it is one the wrong codec cannot
# start a character with before the next byte.  Re-reading the bytes in the
# right codec with each lost byte ranging over exactly those values gives,
# per character, the set of characters the remaining bytes allow: one is
# proven and written, several become one U+FFFD.  No character model picks
# among them (issue 10: never guess).

_LOST = -1  # a lost byte in a byte list


@functools.cache
def _gives_up(codec: str, nxt: int | None) -> frozenset[int]:
    """Bytes ``x`` >= 0x80 at which ``codec`` gives up when the next byte is ``nxt``."""
    out = set()
    for x in range(0x80, 0x100):
        raw = bytes((x,)) if nxt is None or nxt == _LOST else bytes((x, nxt))
        if raw.decode(codec, "replace")[0] == PLACEHOLDER:
            out.add(x)
    if nxt == _LOST:  # the next byte is lost too: any byte that can fail before some byte
        out = {x for x in range(0x80, 0x100) if any(x in _gives_up(codec, n) for n in range(0x100))}
    return frozenset(out)


def _lost_bytes(run: str, wrong: str) -> list[int] | None:
    """The bytes ``run`` was decoded from by ``wrong``, ``_LOST`` for each U+FFFD."""
    out: list[int] = []
    for c in run:
        if c == PLACEHOLDER:
            out.append(_LOST)
            continue
        try:
            out += c.encode(wrong)
        except UnicodeEncodeError:
            return None
    return out


def _choices(raw: list[int], i: int, wrong: str) -> frozenset[int] | tuple[int]:
    if raw[i] != _LOST:
        return (raw[i],)
    return _gives_up(wrong, raw[i + 1] if i + 1 < len(raw) else None)


def redecode_double_byte(run: str, wrong: str, right: str) -> str | None:
    """Re-read a run of ``right``-codec bytes that ``wrong`` decoded with ``errors="replace"``.

    For the double-byte routes ``big5_as_gbk`` and ``gbk_as_big5``: the
    bytes are parsed in the right codec's phase (the wrong decoder falls
    out of phase after each lost lead byte and back in at an ASCII byte);
    a character with a lost byte is written when the remaining bytes allow
    only one character, else as one U+FFFD.

    Parameters
    ----------
    run : str
        Damaged text holding U+FFFD, e.g. Big5 decoded as GBK.
    wrong, right : str
        Python codec names: the one the text was decoded with, the one it was written in.

    Returns
    -------
    str or None
        The re-read text, or None when the known bytes are not valid in ``right``.

    Examples
    --------
    >>> damaged = "政協委員會議".encode("big5").decode("gbk", "replace")
    >>> damaged
    '現�螬e��穦某'
    >>> redecode_double_byte(damaged, "gbk", "cp950")
    '政�委�會議'
    """
    raw = _lost_bytes(run, wrong)
    if raw is None:
        return None
    out: list[str] = []
    i = 0
    while i < len(raw):
        b = raw[i]
        if 0 <= b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if i + 1 >= len(raw):  # a lead with its trail cut off by the run's end
            out.append(PLACEHOLDER)
            break
        cands = set()
        for lead in _choices(raw, i, wrong):
            for trail in _choices(raw, i + 1, wrong):
                try:
                    c = bytes((lead, trail)).decode(right)
                except UnicodeDecodeError:
                    continue
                if len(c) == 1 and not _is_pua(c):
                    cands.add(c)
        if not cands:
            return None
        out.append(cands.pop() if len(cands) == 1 else PLACEHOLDER)
        i += 2
    return "".join(out)


def _utf8_len(lead: int) -> int:
    return 1 if lead < 0x80 else 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0


def _proven(readings: set[str]) -> str:
    """What a set of readings of one stretch has in common: one U+FFFD per character that differs."""
    if len(readings) == 1:
        return next(iter(readings))
    lengths = Counter(map(len, readings))
    n = lengths.most_common(1)[0][0]
    same = [r for r in readings if len(r) == n]
    return "".join(col[0] if len(set(col)) == 1 else PLACEHOLDER for col in zip(*same, strict=True))


def redecode_utf8(run: str, wrong: str = "gbk") -> str | None:
    """Re-read UTF-8 bytes that ``wrong`` decoded with ``errors="replace"`` or ``"ignore"``.

    UTF-8 lead bytes resynchronise, so each character is re-read on its own:
    a lost byte (U+FFFD, or for ``ignore`` a character left one byte short)
    ranges over the bytes the wrong decoder gives up on; ``ignore`` drops
    it at the start of a character of ``run``, which fixes where it can sit.
    A character the remaining bytes do not fix becomes one U+FFFD.

    Examples
    --------
    >>> damaged = "中华人民共和国成立".encode("utf-8").decode("gbk", "ignore")
    >>> damaged
    '涓鍗庝汉姘戝叡鍜屽浗鎴愮珛'
    >>> redecode_utf8(damaged)
    '�华人民共和国成立'
    """
    raw: list[int] = []
    starts: set[int] = set()  # byte offsets where a character of ``run`` starts
    for c in run:
        starts.add(len(raw))
        if c == PLACEHOLDER:
            raw.append(_LOST)
            continue
        try:
            raw += c.encode(wrong)
        except UnicodeEncodeError:
            return None
    starts.add(len(raw))
    out: list[str] = []
    i = 0
    while i < len(raw):
        b = raw[i]
        if 0 <= b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        # One stretch: a known lead (or a lost byte) and the bytes up to the next known lead or ASCII byte.
        j = i + 1
        while j < len(raw) and (raw[j] == _LOST or 0x80 <= raw[j] <= 0xBF):
            j += 1
        readings = _utf8_readings(raw[i:j], i, starts, raw[j] if j < len(raw) else None, wrong)
        if not readings:
            return None
        out.append(_proven(readings))
        i = j
    return "".join(out)


def _utf8_readings(seg: list[int], offset: int, starts: set[int], nxt: int | None, wrong: str) -> set[str]:
    """Every UTF-8 reading of ``seg`` (lost bytes filled, a short character given its dropped byte)."""
    lost = [k for k, b in enumerate(seg) if b == _LOST]
    if len(lost) > 3:  # too many unknowns to enumerate: one placeholder per likely character
        return {PLACEHOLDER * max(1, round(len(seg) / 3))}
    fills = [_gives_up(wrong, seg[k + 1] if k + 1 < len(seg) else nxt) for k in lost]
    cands: list[list[int]] = []
    for combo in itertools.product(*fills):
        full = list(seg)
        for k, x in zip(lost, combo, strict=True):
            full[k] = x
        cands.append(full)
    readings: set[str] = set()
    # The fewest dropped bytes that explain the stretch: none, else one, else two.
    for dropped in range(3):
        readings = _utf8_dropped_readings(cands, dropped, offset, starts, nxt, wrong)
        if readings:
            return readings
    if len(seg) <= 2 and 0x80 <= max(seg) <= 0xBF:
        # A stray continuation byte or two: a character whose other bytes are gone.
        return {PLACEHOLDER}
    return readings


def _utf8_dropped_readings(cands: list[list[int]], dropped: int, offset: int, starts: set[int],
                           nxt: int | None, wrong: str) -> set[str]:
    readings: set[str] = set()
    for full in cands:
        if 0x80 <= full[0] <= 0xBF:
            continue
        need = sum(_utf8_len(b) for b in full if not 0x80 <= b <= 0xBF)
        if not need or need - len(full) != dropped:
            continue
        # errors="ignore": each dropped byte sat at a character start of the
        # run (where the wrong decoder was about to read a lead) and is one
        # the wrong codec gives up on before the byte after it.
        variants = [(full, 1)]
        for _ in range(need - len(full)):
            grown = []
            for v, first in variants:
                for k in range(first, len(v) + 1):
                    # Offsets in ``v`` past an inserted byte are shifted by one.
                    if offset + k - (len(v) - len(full)) not in starts:
                        continue
                    after = v[k] if k < len(v) else nxt
                    grown += [(v[:k] + [x] + v[k:], k + 1) for x in _gives_up(wrong, after) if 0x80 <= x <= 0xBF]
            variants = grown
        for v, _ in variants:
            try:
                readings.add(bytes(v).decode("utf-8"))
            except UnicodeDecodeError:
                pass
    return readings


# --------------------------------------------------------------------------- misaligned GBK

_W = -1  # a lost byte
_HALF = re.compile(r"/[a-zA-Z0-9]{1,8}>")
_PINYIN_TAIL = re.compile(r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê]{1,7}\)")
_EDIT_COST = 3.0  # log-prior cost of one hypothesised edit (a3 expansion, lost byte)
_PLACEHOLDER_COST = 9.0
_BEAM = 24
_BEAM_PER_PHASE = 6
_CANDIDATES = 40


def _options(line: str, i: int) -> list[tuple[tuple[int | str, ...], float]]:
    """Byte readings of ``line[i]`` with their log-prior cost."""
    ch = line[i]
    if ch == PLACEHOLDER:
        # Final: re-guessing a placeholder after later stages removed text
        # around it (pinyin) would make the chain non-idempotent.
        return [((ch,), 0.0)]
    o = ord(ch)
    if ch == "?":
        opts: list[tuple[tuple[int | str, ...], float]] = [((0x3F,), 0.0), ((_W,), _EDIT_COST)]
        rest = line[i + 1: i + 12]
        if _HALF.match(rest):  # ?/p> : the orphan swallowed the "<" of a closing tag
            opts = [opts[0], ((_W, 0x3C), _EDIT_COST)]
        if _PINYIN_TAIL.match(rest):  # ?lián) : the orphan swallowed the "(" of a pinyin group
            opts = [opts[0], ((_W, 0x28), _EDIT_COST + 1)]
        return opts
    if 0x21 <= o <= 0x7E:
        return [((o,), 0.0), ((0xA3, o | 0x80), _EDIT_COST)]
    if o < 0x80:
        return [((o,), 0.0)]
    raw = ch.encode("gb18030")
    if len(raw) == 2 and not _is_pua(ch):
        if 0x40 <= raw[1] <= 0x7E:  # the trail may be the ASCII half of a split A3 xx pair
            return [((raw[0], raw[1]), 0.0), ((raw[0], 0xA3, raw[1] | 0x80), _EDIT_COST)]
        return [((raw[0], raw[1]), 0.0)]
    return [((ch,), 0.0)]  # four-byte GB18030 char: opaque, needs phase


@dataclass(frozen=True)
class _State:
    score: float
    pending: int | None  # a lead byte (or _W) waiting for its trail
    prev: str
    out: tuple  # linked list (rest, char)


def rephase_gbk(line: str, scorer: _Scorer | None = None, prev: str = "") -> str:
    """Re-read a line damaged by a lost GBK byte, in phase (route ``misaligned_gbk``).

    Parameters
    ----------
    line : str
        One line as decoded, e.g. ``把準“?!钡姆较颉⑼晟啤皩!钡臋C制``.
    scorer : optional
        Scorer for the character model; defaults to one with no document cache.
    prev : str
        The character before ``line`` (context for the first character).

    Returns
    -------
    str
        The best reading; ``line`` itself when no reading beats it.  A lost
        byte that no character fits becomes U+FFFD.

    Examples
    --------
    >>> rephase_gbk("實?!翱s短")
    '實。“縮短'
    """
    scorer = scorer or _scorer(char_model(), "")
    pairs, by_lead, by_trail = _gbk_table()
    rank = _candidate_rank(scorer)
    beam = [_State(0.0, None, prev, ())]

    def emit(st: _State, c: str, extra: float, pending: int | None = None) -> _State:
        cost = -_PLACEHOLDER_COST if c == PLACEHOLDER else scorer.logp(st.prev, c)
        return _State(st.score + cost - extra, pending, c, (st.out, c))

    def feed(st: _State, b: int | str) -> list[_State]:
        if isinstance(b, str):  # opaque character
            return [emit(st, b, 0.0)] if st.pending is None else []
        if st.pending is None:
            if b == _W or 0x81 <= b <= 0xFE:
                return [_State(st.score, b, st.prev, st.out)]
            return [emit(st, chr(b), 0.0)] if b < 0x80 else []
        lead, out = st.pending, []
        if lead == _W and b == _W:
            return []
        if lead == _W and b < 0x80:
            # A lost lead before an ASCII byte is unprovable (政?a is not 政產).
            cands = []
        elif lead == _W:
            cands = rank(by_trail.get(b, []))
        elif b == _W:
            cands = rank(by_lead.get(lead, []))
        else:
            c = pairs.get((lead, b))
            cands = [c] if c and not _is_pua(c) else []
        for c in cands:
            out.append(emit(st, c, 0.0))
        return out

    for i in range(len(line)):
        nxt: dict[tuple[int | None, str], _State] = {}
        for st in beam:
            for bytes_, cost in _options(line, i):
                states = [_State(st.score - cost, st.pending, st.prev, st.out)]
                for b in bytes_:
                    states = [s2 for s in states for s2 in feed(s, b)]
                for s in states:
                    k = (s.pending, s.prev)
                    if k not in nxt or nxt[k].score < s.score:
                        nxt[k] = s
        if not nxt:
            return line
        # Keep a few states per pending byte so that one byte's many candidate
        # characters cannot crowd out the other phase of the stream.
        per_phase: Counter[int | None] = Counter()
        beam = []
        for s in sorted(nxt.values(), key=lambda s: -s.score):
            if per_phase[s.pending] < _BEAM_PER_PHASE and len(beam) < _BEAM:
                per_phase[s.pending] += 1
                beam.append(s)
    finals = []
    # A lost byte must be read as part of a character: where none fits,
    # the literal "?" path stands (the beam never invents a placeholder).
    for st in beam:
        if st.pending is None:
            finals.append(st)
    if not finals:
        return line
    best = max(finals, key=lambda s: s.score)
    chars: list[str] = []
    node = best.out
    while node:
        node, c = node
        chars.append(c)
    return "".join(reversed(chars))


def _candidate_rank(scorer: _Scorer) -> Callable[[list[str]], list[str]]:
    m = scorer.model

    @functools.cache
    def prior(c: str) -> float:
        k = scorer.key(c)
        if k == _PUNCT:
            return _PUNCT_SHARE.get(_halfwidth(c), _PUNCT_OTHER) * 0.1
        p = m.unigram.get(k, 0) / m.total
        return p + (scorer.cache.get(k, 0) / scorer.cache_total if scorer.cache_total else 0.0)

    memo: dict[int, list[str]] = {}

    def rank(chars: list[str]) -> list[str]:
        key = id(chars)
        if key not in memo:
            memo[key] = sorted(chars, key=lambda c: -prior(c))[:_CANDIDATES]
        return memo[key]

    return rank


# --------------------------------------------------------------------------- driver

@dataclass(frozen=True)
class MojibakeRepair:
    """Result of :func:`repair_mojibake`.

    ``repairs`` counts characters written by each route that fired (keys from
    ``ROUTES``); ``placeholders`` counts every U+FFFD in ``text``, including
    ones that were in the input.
    """

    text: str
    repairs: dict[str, int]
    placeholders: int


# A run of Latin-1/cp1252 mojibake: Latin-1 Supplement or cp1252 extras,
# with the ASCII bytes between them (GBK trail bytes 0x40-0x7E are ASCII).
_LATIN_RUN = re.compile(
    "[\x20-\x7e\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]*"
    "[\xa0-\xff][\x20-\x7e\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]*"
)
_CJK_RUN = re.compile(r"[^\x00-\x7f]+")
# Where a lost byte may sit: a ? or U+FFFD next to a non-ASCII char, or an
# ASCII punctuation mark or single letter (a split A3 xx pair) between two.
_MARKER = re.compile(
    r"[^\x00-\x7f]\?|\?[^\x00-\x7f\n]"
    r"|(?<=" + _CJK + ")(?:[!-/:-@\\[-`{-~]|[A-Za-z])(?=" + _CJK + ")"
)
_WINDOW_BEFORE, _WINDOW_AFTER = 40, 120
_ORPHAN_BEFORE_PINYIN = re.compile(r"(?<=[^\x00-\x7f])\?(?=" + _PINYIN_TAIL.pattern + ")")
_MIN_GAIN = 1.0  # nats per character a re-reading must gain to count as a repair
_MIN_GAIN_TOTAL = 8.0


def _mean(scorer: _Scorer, text: str, prev: str, nxt: str) -> float:
    return scorer.score(text, prev, nxt) / (len(text) + 1)


def _better(scorer: _Scorer, old: str, new: str, prev: str, nxt: str) -> bool:
    """True when ``new`` beats ``old`` clearly, per character and in total."""
    gain = scorer.score(new, prev, nxt) - scorer.score(old, prev, nxt)
    # Per character of the longer reading: mojibake is often 1.5-2 times longer.
    return gain >= _MIN_GAIN * max(len(old), len(new)) and gain >= _MIN_GAIN_TOTAL * min(1, len(new) / 4)


def _one_pass(line: str, scorer: _Scorer) -> tuple[str, dict[str, int]]:
    """Try each lossless route on each run of ``line``; keep the best clear win."""
    fired: Counter[str] = Counter()

    def fix(pattern: re.Pattern[str], routes: list[tuple[str, Callable[[str], str | None]]], text: str) -> str:
        out, last = [], 0
        for m in pattern.finditer(text):
            run = m.group(0)
            if len(run) < 2:  # one character proves nothing: “ read as Big5 is ¨
                continue
            if pattern is _LATIN_RUN and sum("\xa0" <= c <= "\xff" for c in run) < 2:
                # One Latin-1 letter next to a quote or an ASCII letter is real text
                # far more often than mojibake: “数据要素×”行动 (D7 94 = 讛), 25°C (B0 43 = 癈).
                continue
            if pattern is _CJK_RUN and all(unicodedata.category(c)[0] in "PSZ" for c in run):
                # Punctuation alone (――, ……) proves nothing either: “――” read as Big5 is 求求.
                continue
            prev = text[m.start() - 1] if m.start() else ""
            nxt = text[m.end()] if m.end() < len(text) else ""
            best: tuple[float, str, str] | None = None
            for name, fn in routes:
                new = fn(run)
                if not new or new == run or not _better(scorer, run, new, prev, nxt):
                    continue
                s = _mean(scorer, new, prev, nxt)
                if best is None or s > best[0]:
                    best = (s, name, new)
            out.append(text[last:m.start()])
            if best:
                out.append(best[2])
                fired[best[1]] += len(best[2])
            else:
                out.append(run)
            last = m.end()
        out.append(text[last:])
        return "".join(out)

    if PLACEHOLDER in line:
        # Bytes lost on the way (errors="replace"): the run takes in the ASCII
        # bytes a lost lead left behind (Big5 A4 40 read as GBK is "\ufffd@").
        line = fix(_LOSSY_RUN, _LOSSY_ROUTES, line)
    line = fix(_LATIN_RUN, [("utf8_as_latin1", undo_utf8_as_latin1), ("gbk_as_latin1", undo_gbk_as_latin1)], line)
    line = fix(_CJK_RUN, _CJK_ROUTES, line)
    line = _fix_inner_runs(line, scorer, fired)
    return line, dict(fired)


_CJK_ROUTES: list[tuple[str, Callable[[str], str | None]]] = [
    ("utf8_as_gbk", undo_utf8_as_gbk),
    ("big5_as_gbk", undo_big5_as_gbk),
    ("gbk_as_big5", undo_gbk_as_big5),
]
_LOSSY_ROUTES: list[tuple[str, Callable[[str], str | None]]] = [
    ("utf8_as_gbk", undo_utf8_as_gbk),
    ("big5_as_gbk", functools.partial(redecode_double_byte, wrong="gbk", right="cp950")),
    ("gbk_as_big5", functools.partial(redecode_double_byte, wrong="cp950", right="gbk")),
]
_LOSSY_RUN = re.compile("(?:[^\x00-\x7f\n]|[\x40-\x7e])*\ufffd(?:[^\x00-\x7f\n]|[\x40-\x7e])*")
# A character the dictionary model has seen fewer times than this is
# "unusual"; mojibake is mostly made of them (鏁欒偛, 崕皯), prose is not.
_UNUSUAL = 5000
_INNER_SLACK = 3  # characters a damaged run may reach beyond its unusual characters


def _fix_inner_runs(line: str, scorer: _Scorer, fired: Counter[str]) -> str:
    """Repair short damaged runs inside otherwise clean text (route of the run's codec).

    A whole non-ASCII run only re-decodes when all of it is damaged.  Here
    each cluster of unusual characters (rare in the dictionary, or U+FFFD;
    at least two, at most two ordinary characters apart) is tried with a few characters of slack on each side
    as UTF-8 read as GBK; the sub-run whose re-reading gains most, by the
    same clear margin as a whole run, is replaced.
    """
    if _MARKER.search(line):  # a lost GBK byte's marks: the misaligned route re-reads those lines
        return line
    m = scorer.model
    unusual = [k for k, c in enumerate(line)
               if c == PLACEHOLDER or (_is_han(c) and m.unigram.get(scorer.key(c), 0) < _UNUSUAL)]
    clusters: list[list[int]] = []
    for k in unusual:
        if clusters and k - clusters[-1][1] <= 3:
            clusters[-1][1] = k
        else:
            clusters.append([k, k])
    out, last = [], 0
    for lo, hi in clusters:
        if lo < last or sum(line[k] != PLACEHOLDER for k in unusual if lo <= k <= hi) < 2:
            # Two rare characters at least: placeholders alone are a lossy
            # repair already made (所��決 must not be read again).
            continue
        best: tuple[float, int, int, str, str] | None = None
        hi = min(hi, lo + 40)  # a short run, not a whole damaged line
        for i in range(max(last, lo - _INNER_SLACK), lo + 1):
            for j in range(lo + 2, min(len(line), hi + 1 + _INNER_SLACK) + 1):
                run = line[i:j]
                if run.isascii() or any(c.isascii() for c in run):
                    continue
                prev, nxt = line[i - 1:i], line[j:j + 1]
                # UTF-8 read as GBK only: Big5/GBK re-readings of a few
                # characters of real text are too often valid.
                for name, fn in _CJK_ROUTES[:1]:
                    new = fn(run)
                    if not new or new == run or not _better(scorer, run, new, prev, nxt):
                        continue
                    gain = scorer.score(new, prev, nxt) - scorer.score(run, prev, nxt)
                    if best is None or gain > best[0]:
                        best = (gain, i, j, name, new)
        if best:
            _, i, j, name, new = best
            out += [line[last:i], new]
            fired[name] += len(new)
            last = j
    out.append(line[last:])
    return "".join(out)


def _changed(a: str, b: str) -> int:
    import difflib

    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(j2 - j1 for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")


def _undo_layers(line: str, scorer: _Scorer, repairs: Counter[str]) -> str:
    """Undo whole-run routes, layer after layer (at most three)."""
    layers: list[dict[str, int]] = []
    for _ in range(3):
        new, fired = _one_pass(line, scorer)
        if not fired:
            break
        layers.append(fired)
        line = new
    if len(layers) >= 2:
        repairs["double"] += sum(layers[-1].values())
    elif layers:
        repairs.update(layers[0])
    return line


_MIN_REPHASE_CHARS = 3  # non-ASCII characters a line needs before a lost byte is guessed


def _rephase_line(line: str, scorer: _Scorer, repairs: Counter[str]) -> str:
    """Re-read the windows around lost-byte markers (route ``misaligned_gbk``)."""
    if sum(not c.isascii() for c in line) < _MIN_REPHASE_CHARS:
        # "?政A" is as likely a stray mark as damage: with one or two characters
        # the model's guess is noise, and normalize_text would not be stable.
        return line
    windows: list[list[int]] = []
    for m in _MARKER.finditer(line):
        lo, hi = max(0, m.start() - _WINDOW_BEFORE), min(len(line), m.end() + _WINDOW_AFTER)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
    out, last = [], 0
    for lo, hi in windows:
        out.append(line[last:lo])
        old = line[lo:hi]
        new = rephase_gbk(old, scorer, prev=line[lo - 1] if lo else "")
        # A "?" between a character and a pinyin group with no "(" is an orphan
        # byte that swallowed the "(": the character is lost, the "(" is not.
        new = _ORPHAN_BEFORE_PINYIN.sub(PLACEHOLDER + "(", new)
        if new != old and _ORPHAN_BEFORE_PINYIN.sub(PLACEHOLDER + "(", rephase_gbk(new, scorer, prev=line[lo - 1] if lo else "")) != new:
            # A real repair is a fixed point: reading it again changes nothing.
            # A reading that would change again was a guess on too little evidence
            # (e.g. "??協"), and keeping it would make normalize_text unstable.
            new = old
        if new != old:
            repairs["misaligned_gbk"] += _changed(old, new)
        out.append(new)
        last = hi
    out.append(line[last:])
    return "".join(out)


# Clean-text gate (issue 9): most lines of a clean corpus are made only of common
# Simplified characters, ASCII and everyday punctuation.  The routes' damage
# holds characters outside that set (kana, box drawing, Latin-1, rare or
# Traditional characters, lost-byte marks), so such a line skips the scorer.
# UTF-8 read as GBK can be made of common-looking characters (瀹氱殑 for 定的), so a
# line whose GB18030 bytes hold two UTF-8 Han characters in a row is never
# skipped.  Short lines always go to the routes.  Measured on 39,832 spans of
# 6 characters damaged by every route inside clean lines of ../shared/corpora:
# none let through; 68% of the clean lines skipped.
_GATE_MIN_FREQ = 1000  # dictionary frequency of the rarest character a clean line may hold
_GATE_MIN_CHARS = 8
_GATE_UTF8 = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf]{2}){2}")
_GATE_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】—…·「」『』〔〕［］％＋－／．\u3000０-９"


@functools.lru_cache(maxsize=1)
def _plain_line() -> re.Pattern[str]:
    model = char_model()
    common = sorted(c for c, n in model.unigram.items() if n >= _GATE_MIN_FREQ and _is_han(c) and c not in model.t2s)
    return re.compile("[\t -~" + _GATE_PUNCT + "".join(common) + "]*")


def _needs_repair(line: str) -> bool:
    """Cheap gate: False when no route could change ``line`` (ASCII, or long and plainly clean).

    Examples
    --------
    >>> _needs_repair("发展全过程人民民主，推进协商民主广泛多层制度化发展。"), _needs_repair("鏀垮崗宸ヤ綔鎶ュ憡鍗佸洓")
    (False, True)
    """
    if line.isascii():
        return False
    return (len(line) < _GATE_MIN_CHARS or not _plain_line().fullmatch(line) or _MARKER.search(line) is not None
            or _GATE_UTF8.search(line.encode("gb18030", "replace")) is not None or _reads_as_utf8(line))


# UTF-8 read as GBK with bytes dropped (errors="ignore", issue 10) can be made
# of common characters only (涓鍗庝汉姘戝叡 for 中华人民共).  Its GBK bytes read
# back as UTF-8 give CJK characters; the GBK bytes of real Chinese text give
# almost none (their leads B0-BF are UTF-8 continuation bytes).
_CJK_CHAR = re.compile("[\u3000-\u9fff\uff00-\uffef]")
_GATE_UTF8_CJK = 3
_GATE_UTF8_SHARE = 0.25


def _reads_as_utf8(line: str) -> bool:
    """True when ``line``'s GBK bytes hold a few CJK characters as UTF-8 (two codec calls).

    Examples
    --------
    >>> _reads_as_utf8("涓鍗庝汉姘戝叡鍜屽浗鎴愮珛銆"), _reads_as_utf8("发展全过程人民民主，推进协商民主广泛多层制度化发展。")
    (True, False)
    """
    reread = line.encode("gbk", "ignore").decode("utf-8", "replace")
    n = len(_CJK_CHAR.findall(reread))
    # Mojibake gives about 2 characters per 3; long clean lines a few by chance.
    return n >= _GATE_UTF8_CJK and n >= _GATE_UTF8_SHARE * len(line)


def repair_mojibake(text: str) -> MojibakeRepair:
    """Repair encoding damage (mojibake) in one decoded string.

    Each line is tried against every route in ``ROUTES``; a run is replaced
    only when its re-reading is valid in the codec and clearly more plausible
    to the character model.  Clean Simplified or Traditional text, rare
    characters and mixed Chinese/English/numbers come out unchanged.

    Parameters
    ----------
    text : str
        Decoded text, any script.

    Returns
    -------
    MojibakeRepair
        Repaired text, characters repaired per route, U+FFFD placeholders left.

    Examples
    --------
    >>> r = repair_mojibake("鏀垮崗宸ヤ綔鎶ュ憡")
    >>> r.text, r.repairs
    ('政协工作报告', {'utf8_as_gbk': 6})
    >>> repair_mojibake("GDP增长5.2%，CPI上涨0.2%").repairs
    {}
    """
    model = char_model()
    repairs: Counter[str] = Counter()
    # Whole-run routes are judged by the dictionary model alone: a cache of
    # this document would make its own mojibake look familiar.
    plain = _scorer(model, "")
    lines = [_undo_layers(line, plain, repairs) if _needs_repair(line) else line for line in text.split("\n")]
    # Lost bytes are guessed towards the document's vocabulary, read from
    # the text as repaired so far minus the stretches that look damaged.
    marked = [i for i, line in enumerate(lines) if _needs_repair(line) and _MARKER.search(line)]
    if marked:  # building the document's bigrams is most of the cost on clean text
        cached = _scorer(model, "\n".join(lines))
        for i in marked:
            lines[i] = _rephase_line(lines[i], cached, repairs)
    result = "\n".join(lines)
    return MojibakeRepair(text=result, repairs={k: v for k, v in repairs.items() if v},
                          placeholders=result.count(PLACEHOLDER))
