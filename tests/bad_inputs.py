"""Generate a folder of bad and awkward raw files, each with the outcome it must have.

``make_bad_corpus(folder, n)`` writes ``n`` (≥ 200 in the test) files into
``folder`` by cycling through the kinds below with a seeded RNG, so the
same call always writes the same bytes.  Each kind says whether the file
must be reported as unreadable (``error``) or read like any other report
(``ok``: awkward names, long lines).  The test mixes them into the sample
corpus and checks that the batch goes on, that every ``error`` file is in
``ingest_errors`` and that the sample documents come out unchanged.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Characters for made-up (never duplicated) readable reports.
_HANZI = "政协委员会工作报告协商民主监督参政议政调查研究提案办理社情民意乡村振兴生态保护数字经济城市建设教育医疗文化"


@dataclass(frozen=True)
class BadFile:
    rel: str  # path relative to the folder
    kind: str
    expect: str  # "error": must be reported as unreadable; "ok": must be read


def _made_up_text(rng: random.Random, n: int, year: int) -> str:
    body = "".join(rng.choice(_HANZI) for _ in range(n))
    return f"政协某市委员会常务委员会工作报告\n（{year}年1月{rng.randint(1, 28)}日）\n{body}。"


def _pdf(encrypt: str | None = None) -> bytes:
    from pdf_fixtures import build_pdf

    return build_pdf(repeat=1, encrypt=encrypt)[0]


# Each writer returns (bytes or None for a symlink, suffix, expect).
def _junk(rng, _i):
    return rng.randbytes(rng.randint(200, 3000)), ".txt", "error"


def _junk_low_bytes(rng, _i):
    # Control characters and NULs: no text encoding reads this as text.
    return bytes(rng.choice(b"\x00\x01\x02\x03\x07\x08\x0b\x0e\x10\x1b\x7f") for _ in range(rng.randint(64, 2000))), ".txt", "error"


def _empty(rng, _i):
    return b"", rng.choice([".txt", ".html", ".pdf", ".docx", ".csv"]), "error"


def _truncated_pdf(rng, _i):
    data = _pdf()
    return data[: rng.randint(20, len(data) // 3)], ".pdf", "error"


def _encrypted_pdf(rng, _i):
    return _pdf(encrypt="secret"), ".pdf", "error"


def _pdf_named_txt(_rng, _i):
    return _pdf(), ".txt", "error"


def _png_named(rng, _i):
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(300)
    return head, rng.choice([".txt", ".html"]), "error"


def _zip_named_docx(rng, _i):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "not a word document")
    return buf.getvalue(), ".docx", "error"


def _junk_docx(rng, _i):
    return b"PK\x03\x04" + rng.randbytes(500), ".docx", "error"


def _junk_pdf(rng, _i):
    return b"%PDF-1.4\n" + rng.randbytes(rng.randint(50, 800)), ".pdf", "error"


def _csv_without_text(rng, _i):
    return "year,city\n2020,贵阳\n2021,遵义\n".encode(), ".csv", "error"


def _undecodable(rng, _i):
    # Bytes that are not valid in any candidate codec: lone continuation bytes and C1 controls.
    return bytes(rng.choice(range(0x80, 0xA0)) for _ in range(rng.randint(100, 1500))), ".txt", "error"


def _broken_link(_rng, _i):
    return None, ".txt", "error"


def _awkward_name(rng, i):
    return _made_up_text(rng, rng.randint(200, 600), 2000 + i % 25).encode(rng.choice(["utf-8", "gb18030"])), ".txt", "ok"


def _long_line(rng, i):
    # One line, no paragraph breaks (the bench writes 50 MB; the suite 200 KB).
    return (_made_up_text(rng, 200_000, 2001 + i % 20).replace("\n", " ")).encode(), ".txt", "ok"


KINDS: dict[str, Callable] = {
    "junk": _junk,
    "control_bytes": _junk_low_bytes,
    "empty": _empty,
    "truncated_pdf": _truncated_pdf,
    "encrypted_pdf": _encrypted_pdf,
    "pdf_named_txt": _pdf_named_txt,
    "png_wrong_suffix": _png_named,
    "zip_named_docx": _zip_named_docx,
    "junk_docx": _junk_docx,
    "junk_pdf": _junk_pdf,
    "csv_without_text": _csv_without_text,
    "undecodable": _undecodable,
    "broken_symlink": _broken_link,
    "awkward_name": _awkward_name,
}
_NAMES = ("bad {i}", "坏文件_{i}", "报告 {i} (副本)", "x'{i}", "a&b {i}", "多 层/子 目录 {i}")


def make_bad_corpus(folder: Path, n: int = 210, *, seed: int = 14, long_lines: int = 1) -> list[BadFile]:
    """Write ``n`` generated files (plus ``long_lines`` single-line reports) under ``folder``.

    File names cycle through spaces, Chinese characters, quotes and
    subfolders, so the paths themselves are part of the test.
    """
    rng = random.Random(seed)
    kinds = list(KINDS)
    out: list[BadFile] = []
    for i in range(n + long_lines):
        kind = kinds[i % len(kinds)] if i < n else "long_line"
        data, suffix, expect = (KINDS.get(kind) or _long_line)(rng, i)
        rel = f"{_NAMES[i % len(_NAMES)].format(i=i)}{suffix}"
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            os.symlink(folder / f"missing-target-{i}.txt", path)
        else:
            path.write_bytes(data)
        out.append(BadFile(rel, kind, expect))
    return out
