"""Deterministic mojibake benchmark cases (issue 3).

Clean sentences come from the sample reports ``corpus/raw/000*``, ``001*``,
``003*``, ``004*`` (Simplified) and, for the lossy routes (issue 10), from
every corpus of ``../shared/corpora`` as well; Traditional variants are made
with OpenCC ``s2t`` for the Big5 routes.  Lossy cases are built the way
scrapers and old converters damage text: Big5 read as GBK with
``errors="replace"``, GBK read as Big5 (strict and ``replace``), UTF-8 read
as GBK with ``errors="ignore"``, and a short damaged run inside clean text
(``partial``).  Controls add the real Traditional 1954 report and
hard-wrapped paragraphs of the corpora.  Each case is damaged by one route the way a
real site or reader would damage it; ``expected`` is what a repair can give
back (for ``misaligned_gbk`` the site's own full-width→ASCII folding is not
undone, so ``expected`` is folded too).  Clean controls must come out
unchanged.

``build_cases()`` is pure given the corpus files: no randomness beyond a
fixed-seed ``random.Random``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "corpus" / "raw"
CORPORA = ROOT.parent / "shared" / "corpora"
SOURCES = ("000", "001", "003", "004")


@dataclass(frozen=True)
class Case:
    """One benchmark case: ``route`` is a ROUTES name or ``control``."""

    label: str
    route: str
    lossy: bool
    damaged: str
    expected: str


def clean_sentences(raw_dir: Path = RAW) -> list[str]:
    """Sentences (12-80 chars, ending in 。) from the four clean sample reports."""
    out: list[str] = []
    for prefix in SOURCES:
        for f in sorted(raw_dir.glob(f"{prefix}_*.txt")):
            text = re.sub(r"\s+", "", f.read_text(encoding="utf-8"))
            for s in text.split("。"):
                if 12 <= len(s) <= 80 and "?" not in s and "\ufffd" not in s:
                    out.append(s + "。")
    return out


def corpus_sentences(corpora: Path = CORPORA, per_file: int = 3) -> list[str]:
    """Sentences (12-80 chars, ending in 。) from every *.txt of ``corpora``, a few per file."""
    out: list[str] = []
    for f in sorted(corpora.rglob("*.txt")):
        text = re.sub(r"\s+", "", f.read_text(encoding="utf-8-sig", errors="replace"))
        sents = [s + "。" for s in text.split("。") if 12 <= len(s) <= 80 and "?" not in s and "\ufffd" not in s]
        out += sents[len(sents) // 3:][:per_file]  # past the headers and greetings
    return out


def corpus_paragraphs(corpora: Path = CORPORA, per_file: int = 1, pattern: str = "*.txt") -> list[str]:
    """Paragraphs (60-400 chars) from ``corpora``, one or a few per file, as written."""
    out: list[str] = []
    for f in sorted(corpora.rglob(pattern)):
        paras = [p.strip() for p in f.read_text(encoding="utf-8-sig", errors="replace").split("\n")]
        paras = [p for p in paras if 60 <= len(p) <= 400 and "\ufffd" not in p and "\t" not in p]
        out += paras[len(paras) // 2:][:per_file]
    return out


def _decode_as(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _page002_damage(text: str) -> str:
    """Damage ``text`` as sample page 002 was damaged.

    A byte-level full-width→ASCII replacement on the GBK stream (A3 xx →
    xx-0x80, also across character boundaries), then a GBK decode that
    shows an invalid lead byte as ``?``, keeps the next byte unless it is
    ``<`` or ``(`` (which page 002 shows swallowed), and so reads on out of
    phase until an ASCII byte resynchronises it.
    """
    raw = re.sub(rb"\xa3([\xa1-\xfe])", lambda m: bytes((m.group(1)[0] - 0x80,)), text.encode("gbk"))
    out, i = [], 0
    while i < len(raw):
        b = raw[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if i + 1 < len(raw):
            try:
                out.append(raw[i:i + 2].decode("gbk"))
                i += 2
                continue
            except UnicodeDecodeError:
                pass
        out.append("?")
        i += 2 if i + 1 < len(raw) and raw[i + 1] in b"<(" else 1
    return "".join(out)


def _fold_width(text: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)


RARE = ("𠀋", "䶮", "㐀", "龘", "𪚥", "鿏", "𬌗", "犇")
MIXED = (
    "GDP增长5.2%，CPI上涨0.2%。",
    "2024年完成投资1,234.5亿元，同比增长12.3%（含PPP项目）。",
    "实施“互联网+政务服务”，上线App和H5页面，办件量达3.6万件。",
    "The CPPCC National Committee（全国政协）held its 2nd session.",
    "R&D经费投入强度达到2.65%，5G基站超过337万个。",
    "会议地址：http://www.gov.cn/zhengce/2024-03/05/content_123.htm",
    "PM2.5平均浓度下降到30微克/立方米，优良天数比例86.8%。",
    "研究了ESG、AI和IoT等新领域 — 详见附表A-3。",
    "café 咖啡店、naïve 设计与 Ångström 单位并列。",
    "怎么办?我们要拿出办法!大家说好不好?",
    "第1季度、第2季度、第3季度分别为1.1、2.2和3.3。",
    "ＧＤＰ增长５．２％，全角数字保持不变。",
    "“十四五”规划纲要提出：到2025年，常住人口城镇化率提高到65%。",
    "保障和改善民生，“保”字当头。",
    "UTF-8、GBK与Big5编码的中文文本。",
)


def build_cases(seed: int = 20240305, raw_dir: Path = RAW, corpora: Path = CORPORA) -> list[Case]:
    """All benchmark cases, in a fixed order for a fixed ``seed``."""
    sents = clean_sentences(raw_dir)
    rng = random.Random(seed)
    rng.shuffle(sents)
    s2t = opencc.OpenCC("s2t")
    cases: list[Case] = []
    offset = 0

    def take(route: str, n: int, make, lossy: bool = False, trad: bool = False, variant: str = "") -> None:
        # Each route starts further along the shuffled sentences; a sentence whose
        # bytes the damaging decoder rejects strictly is shortened (a strict
        # decode of UTF-8 as GBK only succeeds when the bytes happen to pair up).
        nonlocal offset
        made = 0
        for s in sents[offset:] + sents[:offset]:
            clean = s2t.convert(s) if trad else s
            got = None
            for k in range(len(clean), max(8, len(clean) - 12), -1):
                got = make(clean[:k])
                if got is not None:
                    clean = clean[:k]
                    break
            if got is None:
                continue
            damaged, expected = got if isinstance(got, tuple) else (got, clean)
            if damaged == expected:
                continue
            kind = f"-{variant}" if variant else "-lossy" if lossy else ""
            cases.append(Case(f"{route}{kind}-{made:02d}", route, lossy, damaged, expected))
            made += 1
            if made == n:
                break
        offset = (offset + 37) % len(sents)

    take("utf8_as_gbk", 40, lambda s: _decode_as(s.encode("utf-8"), "gb18030"))
    take("utf8_as_gbk", 30, lambda s: (lambda d: d if "\ufffd" in d else None)(s.encode("utf-8").decode("gbk", "replace")), lossy=True)
    take("gbk_as_latin1", 20, lambda s: s.encode("gbk").decode("latin-1"))
    take("gbk_as_latin1", 20, lambda s: _decode_as(s.encode("gbk"), "cp1252"))
    take("utf8_as_latin1", 20, lambda s: s.encode("utf-8").decode("latin-1"))
    take("utf8_as_latin1", 20, lambda s: _decode_as(s.encode("utf-8"), "cp1252"))
    take("big5_as_gbk", 30, lambda s: _decode_as(s.encode("big5"), "gb18030") if _decode_as(s.encode("big5", "replace"), "big5") == s else None, trad=True)
    take("gbk_as_big5", 30, lambda s: _decode_as(s.encode("gbk"), "cp950"))

    def utf8_gbk_cp1252(s: str) -> str | None:  # UTF-8 read as GBK, saved as UTF-8, read as cp1252
        first = _decode_as(s.encode("utf-8"), "gb18030")
        return first and _decode_as(first.encode("utf-8"), "cp1252")

    def gbk_latin1_twice(s: str) -> str:  # GBK read as Latin-1, saved as UTF-8, read as Latin-1
        return s.encode("gbk").decode("latin-1").encode("utf-8").decode("latin-1")

    def utf8_gbk_twice(s: str) -> str | None:  # UTF-8 read as GBK, saved as UTF-8, read as GBK
        first = _decode_as(s.encode("utf-8"), "gb18030")
        return first and _decode_as(first.encode("utf-8"), "gb18030")

    take("double", 10, utf8_gbk_cp1252)
    take("double", 10, gbk_latin1_twice)
    take("double", 10, utf8_gbk_twice)
    take("misaligned_gbk", 20, lambda s: (_page002_damage(s), _fold_width(s)), lossy=True, trad=True)
    take("misaligned_gbk", 20, lambda s: (_page002_damage(s), _fold_width(s)), lossy=True)

    # Lossy routes (issue 10), on corpus sentences: bytes replaced or dropped.
    lossy_sents = corpus_sentences(corpora) if corpora.is_dir() else []
    rng.shuffle(lossy_sents)
    sents_all = sents
    sents = lossy_sents + sents_all  # take() walks from offset; corpus first, sample after
    offset = 0

    def replaced(codec_in: str, codec_out: str):
        def make(s: str) -> str | None:
            d = s.encode(codec_in).decode(codec_out, "replace")
            return d if "\ufffd" in d else None
        return make

    def ignored(s: str) -> str | None:
        d = s.encode("utf-8").decode("gbk", "ignore")
        return d if d != _decode_as(s.encode("utf-8"), "gbk") else None

    def partial(s: str) -> tuple[str, str] | None:
        # A short run (3-6 chars) in the middle re-read the wrong way, the
        # rest clean: a page stitched together from two sources.
        if len(s) < 16:
            return None
        k = rng.randrange(4, len(s) - 10)
        n = rng.randrange(3, 7)
        mid = s[k:k + n]
        bad = _decode_as(mid.encode("utf-8"), "gb18030") or mid.encode("utf-8").decode("gbk", "replace")
        return s[:k] + bad + s[k + n:], s

    take("big5_as_gbk", 40, lambda s: replaced("big5", "gbk")(s) if _decode_as(s.encode("big5", "replace"), "big5") == s else None, lossy=True, trad=True, variant="replace")
    take("gbk_as_big5", 40, replaced("gbk", "cp950"), lossy=True, variant="replace")
    take("utf8_as_gbk", 40, ignored, lossy=True, variant="ignore")
    take("partial", 40, partial, lossy=True, variant="run")
    sents = sents_all

    controls = sents[-120:]
    for i, s in enumerate(controls[:40]):
        cases.append(Case(f"control-simplified-{i:02d}", "control", False, s, s))
    for i, s in enumerate(controls[40:80]):
        t = s2t.convert(s)
        cases.append(Case(f"control-traditional-{i:02d}", "control", False, t, t))
    for i, s in enumerate(controls[80:100]):
        k = rng.randrange(1, len(s) - 1)
        t = s[:k] + RARE[i % len(RARE)] + s[k:]
        cases.append(Case(f"control-rare-{i:02d}", "control", False, t, t))
    for i, t in enumerate(MIXED):
        cases.append(Case(f"control-mixed-{i:02d}", "control", False, t, t))
    if corpora.is_dir():
        # Real Traditional script (the 1954 report is set in it) and real
        # paragraphs hard-wrapped the way PDFs and old text files break lines.
        trad = corpus_paragraphs(corpora / "gwr-wikisource", per_file=30, pattern="1954_*.txt")
        for i, t in enumerate(trad[:20]):
            cases.append(Case(f"control-traditional-1954-{i:02d}", "control", False, t, t))
        for i, p in enumerate(corpus_paragraphs(corpora)[::3][:40]):
            width = (17, 24, 35)[i % 3]
            t = "\n".join(p[j:j + width] for j in range(0, len(p), width))
            cases.append(Case(f"control-wrapped-{i:02d}", "control", False, t, t))
    return cases
