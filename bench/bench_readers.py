"""Benchmark of pipeline/readers.py: encoding accuracy and read throughput.

Run: ``.venv/bin/python bench/bench_readers.py`` (about a minute).

1. Decode accuracy per encoding on 30 tiny (8 characters), 30 short (16
   characters) and 30 long (~400 characters) texts cut from the sample corpus (Big5 cases are the
   OpenCC s2t conversion): ``decode_bytes`` versus charset-normalizer alone
   versus chardet alone.  A case counts as correct when the decoded text
   equals the source exactly.  ``utf_16_le`` rows have no BOM.
2. ``read_source`` throughput (MB/s) over every file under ../shared/corpora.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import chardet  # noqa: E402
import charset_normalizer  # noqa: E402
import opencc  # noqa: E402

from pipeline.errors import SourceError  # noqa: E402
from pipeline.ingest.readers import SUPPORTED_SUFFIXES, decode_bytes, read_source  # noqa: E402

SHARED = ROOT.parent / "shared"
ENCODINGS = (
    "utf_8",
    "utf_8_sig",
    "utf_16",
    "utf_16_be_bom",
    "utf_16_le",
    "gb18030",
    "gbk",
    "gb2312",
    "big5",
)
N = 30


def _encode(text: str, enc: str) -> bytes:
    if enc == "utf_16_be_bom":
        return b"\xfe\xff" + text.encode("utf_16_be")
    return text.encode(enc)  # utf_16 writes a little-endian BOM


def corpus_texts() -> list[str]:
    return [
        f.read_text(encoding="utf-8")
        for f in sorted((SHARED / "seeds").glob("*.txt"))
        if not f.name.startswith("002_")  # the mojibake-damaged sample
    ]


def cases(kind: str, enc: str) -> list[str]:
    """30 source texts for ``kind`` (short/long) encodable in ``enc``."""
    s2t = opencc.OpenCC("s2t").convert
    pool: list[str] = []
    for t in corpus_texts():
        if kind in ("short", "tiny"):
            size = 16 if kind == "short" else 8
            for s in re.split(r"[。！？\n]", t):
                s = s.strip()
                if len(s) >= 16 and "\ufffd" not in s:
                    pool.append(s[:size])
        else:
            t = t.replace("\ufffd", "")
            pool.extend(t[i : i + 400] for i in range(0, len(t) - 400, 400))
    if enc == "big5":
        pool = [s2t(s) for s in pool]
    codec = enc.replace("_be_bom", "_be")
    # drop the few characters the codec lacks (Big5 has no 着, 堃 …) so every case is encodable
    pool = ["".join(ch for ch in s if _encodable(ch, codec)) for s in pool]
    return pool[:: max(1, len(pool) // N)][:N]


def _encodable(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _detector_decode(data: bytes, name: str | None) -> str | None:
    if not name:
        return None
    try:
        text = data.decode(name)
    except (LookupError, UnicodeDecodeError):
        return None
    return text.lstrip("\ufeff")


def ours(data: bytes) -> str:
    return decode_bytes(data)[0]


def cn_alone(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    return _detector_decode(data, best.encoding if best else None)


def chardet_alone(data: bytes) -> str | None:
    return _detector_decode(data, chardet.detect(data)["encoding"])


def accuracy_table() -> None:
    decoders = {"ours": ours, "charset-normalizer": cn_alone, "chardet": chardet_alone}
    print(
        f"Decode accuracy (exact text), {N} cases per row; chardet {chardet.__version__}, "
        f"charset-normalizer {charset_normalizer.__version__}"
    )
    print(f"{'encoding':<14} {'length':<6} {'n':>3} " + " ".join(f"{k:>19}" for k in decoders))
    totals: Counter = Counter()
    for kind in ("tiny", "short", "long"):
        for enc in ENCODINGS:
            srcs = cases(kind, enc)
            row = []
            for name, fn in decoders.items():
                ok = sum(fn(_encode(s, enc)) == s for s in srcs)
                totals[name] += ok
                row.append(f"{ok:>3}/{len(srcs):<3}")
            totals["n"] += len(srcs)
            print(f"{enc:<14} {kind:<6} {len(srcs):>3} " + " ".join(f"{r:>19}" for r in row))
    print(f"{'total':<25}" + " ".join(f"{totals[k]:>15}/{totals['n']:<3}" for k in decoders))


def throughput() -> None:
    corpora = SHARED / "corpora"
    files = sorted(
        p for p in corpora.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
    )
    decode_bytes("预热".encode("gbk"))  # build the character model once, outside the timing
    read_source("warm.csv", b"text\nx\n")  # import pandas outside the timing
    by_fmt: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0, 0])
    errors: list[str] = []
    total_bytes, total_time, n_docs = 0, 0.0, 0
    for p in files:
        data = p.read_bytes()
        t0 = time.perf_counter()
        try:
            docs = read_source(p.name, data)
        except SourceError as exc:
            docs = []
            errors.append(f"{p.relative_to(corpora)}: {exc.reason[:90]}")
        dt = time.perf_counter() - t0
        fmt = p.suffix.lower().lstrip(".")
        row = by_fmt[fmt]
        row[0] += len(data)
        row[1] += dt
        row[2] += 1
        row[3] += len(docs)
        total_bytes += len(data)
        total_time += dt
        n_docs += len(docs)
    print(f"\nread_source throughput on {corpora} ({len(files)} files)")
    print(f"{'format':<8} {'files':>6} {'docs':>6} {'MB':>8} {'s':>7} {'MB/s':>8}")
    for fmt, (b, t, nf, nd) in sorted(by_fmt.items()):
        print(f"{fmt:<8} {nf:>6} {nd:>6} {b / 1e6:>8.2f} {t:>7.2f} {b / 1e6 / t:>8.1f}")
    print(
        f"{'all':<8} {len(files):>6} {n_docs:>6} {total_bytes / 1e6:>8.2f} {total_time:>7.2f} "
        f"{total_bytes / 1e6 / total_time:>8.1f}"
    )
    print(
        f"{len(errors)} files raised SourceError (expected: manifests and run logs without a text column):"
    )
    for e in errors:
        print("  " + e)


def legacy_throughput() -> None:
    """decode_bytes on the corpora re-encoded as GB18030 and Big5 (the detection path, not the UTF-8 shortcut)."""
    s2t = opencc.OpenCC("s2t").convert
    texts = [
        p.read_text(encoding="utf-8-sig")
        for p in sorted((SHARED / "corpora").rglob("by_year/*.txt"))
    ]
    for enc, conv in (("gb18030", str), ("big5", s2t)):
        blobs = [conv(t).encode(enc, errors="replace") for t in texts[:40]]
        t0 = time.perf_counter()
        ok = sum(decode_bytes(b)[1] in (enc, "cp950") for b in blobs)
        dt = time.perf_counter() - t0
        mb = sum(map(len, blobs)) / 1e6
        print(
            f"decode_bytes on {len(blobs)} reports re-encoded as {enc}: {mb:.2f} MB in {dt:.2f} s "
            f"= {mb / dt:.1f} MB/s, codec right {ok}/{len(blobs)}"
        )


if __name__ == "__main__":
    accuracy_table()
    throughput()
    legacy_throughput()
