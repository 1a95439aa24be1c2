"""Mojibake benchmark: per-route character accuracy, ours vs ftfy.fix_encoding.

Run: ``.venv/bin/python bench/bench_mojibake.py``

Cases come from ``tests/mojibake_cases.py`` (deterministic).  Character
accuracy is 1 - (summed Levenshtein distance / summed expected length) over
a route's cases; a clean control counts as changed if the output differs
from the input at all.  Targets (issue 3): >= 99.5 % on lossless routes,
>= 97 % on lossy routes, 0 clean controls changed.
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


def main() -> None:
    t0 = time.perf_counter()
    char_model()
    load = time.perf_counter() - t0
    cases = build_cases()
    stats: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    failures = []
    t1 = time.perf_counter()
    for c in cases:
        ours = repair_mojibake(c.damaged).text
        theirs = ftfy.fix_encoding(c.damaged)
        s = stats[(c.route, c.lossy)]
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
            if d:
                failures.append((c, ours))
    elapsed = time.perf_counter() - t1
    print(f"{len(cases)} cases, model load {load:.1f} s, repair {elapsed:.1f} s\n")
    print(f"{'route':<16}{'kind':<10}{'cases':>6}{'ours':>10}{'ftfy':>10}  target")
    for (route, lossy), (n, d_ours, d_ftfy, length, _) in sorted(stats.items()):
        if route == "control":
            continue
        kind = "lossy" if lossy else "lossless"
        target = "97.0%" if lossy else "99.5%"
        print(f"{route:<16}{kind:<10}{n:>6}{1 - d_ours / length:>10.2%}{1 - d_ftfy / length:>10.2%}  >= {target}")
    n, ours_changed, ftfy_changed, _, _ = stats[("control", False)]
    print(f"{'controls':<16}{'changed':<10}{n:>6}{ours_changed / n:>10.2%}{ftfy_changed / n:>10.2%}  = 0")
    if "-v" in sys.argv:
        for c, out in failures:
            print(f"\n{c.label}\n  damaged  {c.damaged!r}\n  expected {c.expected!r}\n  ours     {out!r}")


if __name__ == "__main__":
    main()
