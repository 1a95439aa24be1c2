"""Benchmark of the themes stage on the national government work reports (1954–2025).

Run:  .venv/bin/python bench/bench_themes.py

Texts: ../shared/corpora/gwr-wikisource/by_year, plus gwr-hprc/by_year for the
years Wikisource lacks (1989–1991, 1996, 2020); years come from each
manifest.tsv.  Light normalisation only (OpenCC t2s, NFKC, zero-width
spaces dropped; paragraphs split on newlines, tabs and ideographic
spaces), not the ingest stage, so this measures the themes stage alone.

Prints: the first-appearance year of each theme from ``track_themes`` next
to a plain ``str in text`` search over the same normalised texts, the top
emerging terms (G², Kleinberg bursts) for a few years, and timings.  Saves
the trend figure to /tmp/bench_themes_trend.png and the heatmap to
/tmp/bench_themes_heatmap.png.
"""

from __future__ import annotations

import csv
import re
import sys
import time
import unicodedata
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.theme_plots import plot_theme_heatmap, plot_theme_trends  # noqa: E402
from pipeline.themes import find_emerging, parse_themes, track_themes  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpora"
NATIONAL = ["高质量发展", "中国式现代化", "新质生产力", "乡村振兴", "一带一路", "供给侧结构性改革",
            "全过程人民民主", "共同富裕", "碳达峰碳中和", "精准扶贫", "大众创业万众创新", "互联网+", "放管服",
            "新发展理念"]
_SPLIT = re.compile(r"[\n\t\u3000]+")
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def load_reports() -> dict[int, tuple[str, str]]:
    """{year: (source, raw text)}: Wikisource first, hprc for the missing years."""
    out: dict[int, tuple[str, str]] = {}
    for name in ("gwr-wikisource", "gwr-hprc"):
        base = SHARED / name
        with open(base / "manifest.tsv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                if row.get("kind", "government_work_report") != "government_work_report":
                    continue
                year = int(row["year"])
                if year not in out:
                    out[year] = (name, (base / row["file"]).read_text(encoding="utf-8"))
    return dict(sorted(out.items()))


def build_tables(reports: dict[int, tuple[str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    import opencc

    t2s = opencc.OpenCC("t2s")
    docs, paras = [], []
    for year, (source, raw) in reports.items():
        text = unicodedata.normalize("NFKC", t2s.convert(raw.replace("\u200b", "")))
        lines = [p.strip() for p in _SPLIT.split(text) if p.strip()]
        doc_id = f"{year}_{source}"
        norm = "\n".join(lines)
        docs.append({"doc_id": doc_id, "year": year, "city": "全国", "doc_type": "work_report",
                     "date": f"{year}", "n_chars": len(norm), "is_canonical": True, "text": norm})
        paras += [{"doc_id": doc_id, "para_id": f"{doc_id}:p{i:04d}", "para_index": i, "text": p}
                  for i, p in enumerate(lines)]
    return pd.DataFrame(docs), pd.DataFrame(paras)


def segment(paras: pd.DataFrame, extra_words: list[str]) -> pd.DataFrame:
    import jieba

    tk = jieba.Tokenizer()
    tk.initialize()
    for w in extra_words:
        tk.add_word(w, freq=2000)
    rows = []
    for doc_id, para_id, text in paras[["doc_id", "para_id", "text"]].itertuples(index=False):
        for i, (tok, s, e) in enumerate(tk.tokenize(text)):
            rows.append((doc_id, para_id, i, tok, s, e, bool(_CJK.match(tok))))
    return pd.DataFrame(rows, columns=["doc_id", "para_id", "token_index", "token", "start", "end", "keep"])


def plain_first(docs: pd.DataFrame, terms: tuple[str, ...], exclude: tuple[str, ...] = ()) -> int | None:
    """Earliest year whose text holds a term, after blanking the excluded phrases."""
    years = []
    for y, t in zip(docs["year"], docs["text"], strict=True):
        for ex in exclude:
            t = t.replace(ex, "\0" * len(ex))
        if any(term in t for term in terms):
            years.append(int(y))
    return min(years) if years else None


def main() -> None:
    if not SHARED.exists():
        sys.exit(f"{SHARED} not found: this benchmark needs ../shared/corpora.")
    t0 = time.perf_counter()
    reports = load_reports()
    docs, paras = build_tables(reports)
    t_load = time.perf_counter() - t0
    themes = parse_themes((ROOT / "corpus" / "lexicon" / "themes.toml").read_text(encoding="utf-8"))
    terms = [t for th in themes for t in th.terms]

    t0 = time.perf_counter()
    tokens = segment(paras, terms)
    t_seg = time.perf_counter() - t0

    t0 = time.perf_counter()
    out = track_themes(docs, paras, tokens, themes=themes)
    t_track = time.perf_counter() - t0

    print(f"{len(docs)} reports {docs['year'].min()}–{docs['year'].max()}, {docs['n_chars'].sum():,} chars, "
          f"{len(paras):,} paragraphs, {len(tokens):,} tokens "
          f"(hprc for {sorted(y for y, (s, _) in reports.items() if s == 'gwr-hprc')})")
    print(f"time: load {t_load:.1f}s, jieba {t_seg:.1f}s, track_themes {t_track:.2f}s "
          f"({len(out['theme_hits']):,} hits, {len(themes)} themes)\n")

    first = out["theme_first"].set_index("theme")
    years = out["theme_years"]
    rows = []
    for th in themes:
        f = first.loc[th.name]
        plain_head = plain_first(docs, (th.terms[0],))
        plain_any = plain_first(docs, th.terms, th.exclude) if not th.patterns else None
        stage = None if pd.isna(f["first_year"]) else int(f["first_year"])
        peak = years[years["theme"] == th.name].sort_values("per_10k").iloc[-1]
        rows.append({
            "theme": th.name, "stage_first": stage, "plain_headline": plain_head,
            "plain_any_term": plain_any if not th.patterns else "(regex)",
            "agree": "yes" if (th.patterns or stage == plain_any) else "NO",
            "first_term": f["first_term"], "total": int(f["total_count"]),
            "token_count": int(years.loc[years["theme"] == th.name, "token_count"].sum()),
            "peak": f"{int(peak['year'])}:{peak['per_10k']:.2f}" if peak["count"] > 0 else "",
        })
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.unicode.east_asian_width", True):
        print("First appearance: track_themes vs a plain `term in text` search over the same normalised texts")
        print(table.to_string(index=False))
    bad = table[table["agree"] == "NO"]
    print(f"\nagreement: {len(table) - len(bad)}/{len(table)} themes"
          + ("" if bad.empty else f"; DISAGREE: {bad['theme'].tolist()}"))
    # KWIC one for one on a few single-term themes: hits vs a str.find loop.
    for th in themes:
        if len(th.terms) == 1 and not th.patterns and not th.exclude:
            n_plain = sum(t.count(th.terms[0]) for t in paras["text"])
            n_hits = int((out["theme_hits"]["theme"] == th.name).sum())
            assert n_plain == n_hits, (th.name, n_plain, n_hits)
    print("KWIC hit counts equal str.count for every single-term theme.\n")

    known = frozenset(terms)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em = find_emerging(docs, tokens, min_count=5, top_n=12, known_terms=known, burst=True)
    t_em = time.perf_counter() - t0
    print(f"find_emerging: {len(em)} rows over {em['period'].nunique()} years in {t_em:.2f}s "
          "(G² vs all earlier years, p ≤ 0.001, theme terms excluded; * = Kleinberg burst)")
    for year in ["1979", "1993", "2002", "2013", "2015", "2016", "2018", "2021", "2024"]:
        e = em[em["period"] == year]
        items = [f"{r.term}{'*' if r.burst else ''}({r.count},{r.g2:.0f})" for r in e.itertuples()]
        print(f"  {year}: {' '.join(items[:10])}")

    national = years[years["theme"].isin(NATIONAL) & (years["year"] >= 1990)]
    fig = plot_theme_trends(national)
    fig.savefig("/tmp/bench_themes_trend.png", dpi=110)
    plot_theme_heatmap(years[years["year"] >= 1990]).savefig("/tmp/bench_themes_heatmap.png", dpi=90)
    print("\nsaved /tmp/bench_themes_trend.png and /tmp/bench_themes_heatmap.png")


if __name__ == "__main__":
    main()
