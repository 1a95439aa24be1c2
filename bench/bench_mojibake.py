"""Mojibake benchmark: per-route character accuracy, ours vs ftfy.fix_encoding.

Run: ``.venv/bin/python bench/bench_mojibake.py``

Cases come from ``tests/mojibake_cases.py`` (deterministic): the sample
reports and, for the lossy variants and the Traditional / hard-wrapped
controls, paragraphs of ../shared/corpora.  Character accuracy is
1 - (summed Levenshtein distance / summed expected length) over a variant's
cases; a clean control counts as changed if the output differs from the
input at all.  Targets (issues 3 and 10): >= 99.5 % on lossless routes,
>= 97 % on lossy routes, 0 clean controls changed.

Lossy routes leave one U+FFFD per character the remaining bytes do not
prove (never guess), so two more columns: ``ufffd`` is the share of
expected characters left as U+FFFD, ``wrong`` the share that came out as a
different character (a U+FFFD standing for one character costs nothing
there).  ``-v`` prints every case that is not exact.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import ftfy  # noqa: E402
from mojibake_cases import build_cases  # noqa: E402

from pipeline.ingest.mojibake import char_model, repair_mojibake  # noqa: E402


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def wrong_chars(a: str, b: str) -> int:
    """Edit distance of ``a`` to ``b`` where U+FFFD in ``a`` matches any one character."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb and ca != "\ufffd")))
        prev = cur
    return prev[-1]


def main() -> None:
    t0 = time.perf_counter()
    char_model()
    load = time.perf_counter() - t0
    cases = build_cases()
    stats: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    failures = []
    t1 = time.perf_counter()
    for c in cases:
        ours = repair_mojibake(c.damaged).text
        theirs = ftfy.fix_encoding(c.damaged)
        variant = c.label.rsplit("-", 1)[0]  # big5_as_gbk-replace, control-wrapped, …
        s = stats[(variant, c.lossy)]
        s[0] += 1
        if c.route == "control":
            s[1] += ours != c.damaged
            s[2] += theirs != c.damaged
            if ours != c.damaged:
                failures.append((c, ours))
        else:
            d = levenshtein(ours, c.expected)
            s[1] += d
            s[2] += levenshtein(theirs, c.expected)
            s[3] += len(c.expected)
            w = wrong_chars(ours, c.expected)
            s[4] += w
            s[5] += d - w
            if d:
                failures.append((c, ours))
    elapsed = time.perf_counter() - t1
    print(f"{len(cases)} cases, model load {load:.1f} s, repair {elapsed:.1f} s\n")
    print(f"{'variant':<24}{'kind':<10}{'cases':>6}{'ours':>9}{'ftfy':>9}{'ufffd':>8}{'wrong':>8}  target")
    for (variant, lossy), (n, d_ours, d_ftfy, length, wrong, ph) in sorted(stats.items()):
        if variant.startswith("control"):
            continue
        kind = "lossy" if lossy else "lossless"
        target = "97.0%" if lossy else "99.5%"
        print(f"{variant:<24}{kind:<10}{n:>6}{1 - d_ours / length:>9.2%}{1 - d_ftfy / length:>9.2%}"
              f"{ph / length:>8.2%}{wrong / length:>8.2%}  >= {target}")
    for (variant, _), (n, ours_changed, ftfy_changed, *_rest) in sorted(stats.items()):
        if variant.startswith("control"):
            print(f"{variant:<24}{'changed':<10}{n:>6}{ours_changed:>9}{ftfy_changed:>9}  = 0")
    if "-v" in sys.argv:
        for c, out in failures:
            print(f"\n{c.label}\n  damaged  {c.damaged!r}\n  expected {c.expected!r}\n  ours     {out!r}")


if __name__ == "__main__":
    main()
