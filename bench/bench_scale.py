"""Scale: the whole ``analyze`` on 10, 30 and 100 MB corpora against plain jieba (issue 9).

Builds deterministic corpora of *distinct* documents from ``../shared/corpora``
and the sample corpus (each document mixes runs of paragraphs from several
real reports under its own year, city and type, so dedupe keeps them all),
then, per size, in this order:

1. ``python -m pipeline analyze --no-cache`` in a subprocess: per-stage
   seconds (from the run's ``run.json``), MB/s, peak RSS of the child (from
   ``os.wait4``: the largest single process) and the peak RSS of the whole
   process tree (psutil, sampled every 0.2 s: the segment workers count too);
2. plain ``jieba.lcut`` over the same decoded texts, in this process;
3. ``refresh`` three times: cold (fills the cache), no-op, and after adding
   one report to the corpus.

Writes ``bench_scale.json`` and ``bench_scale.md`` into the work folder and
prints the table, the ratio pipeline ÷ jieba and the scaling exponent
(log t / log MB between the smallest and largest size run).  The corpora
live in the work folder (default: a ``cppcc-bench-scale`` folder in the
system temp dir), never in the repository.

    python bench/bench_scale.py                     # 10, 30, 100 MB
    python bench/bench_scale.py --sizes 10,30       # a subset
    python bench/bench_scale.py --sizes 1 --no-refresh --engine local
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
SAMPLE = ROOT / "corpus" / "raw"
MB = 1_000_000

# Sources of paragraphs.  The two national collections hold the same reports,
# so a document never takes runs from both copies of one year (that would be
# an internal repeat, which ingest counts once).
_SOURCES = (
    ("gwr-wikisource/by_year", "national"),
    ("gwr-wikisource/npc_resolutions", "resolution"),
    ("gwr-hprc/by_year", "national"),
    ("provincial-gwr-2026/txt", "provincial"),
)
_CITIES = ("贵阳", "兰州", "成都", "昆明", "南宁", "西宁", "银川", "拉萨", "乌鲁木齐", "呼和浩特",
           "太原", "石家庄", "济南", "郑州", "武汉", "长沙", "南昌", "合肥", "杭州", "福州",
           "广州", "海口", "南京", "沈阳", "长春", "哈尔滨", "西安", "重庆", "天津", "苏州",
           "无锡", "宁波", "温州", "青岛", "大连", "厦门", "深圳", "遵义", "六盘水", "安顺")
# (doc_type, title suffix): the manifest names the type, the title line matches it.
_KINDS = (("work_report", "政府工作报告"), ("work_report", "政协常务委员会工作报告"),
          ("speech", "政协主席在全体会议上的讲话"), ("article", "政协履职综述"))


@dataclass(frozen=True)
class Doc:
    name: str
    title: str
    city: str
    year: int
    doc_type: str
    text: str
    encoding: str


def _paragraph_pool() -> list[tuple[str, list[str]]]:
    """(work key, paragraphs) of every source report, in a fixed order."""
    pool = []
    for folder, kind in _SOURCES:
        for path in sorted((CORPORA / folder).glob("*.txt")):
            paras = [ln.strip() for ln in path.read_text("utf-8-sig").splitlines() if len(ln.strip()) >= 8]
            key = f"{kind}:{path.name[:4]}" if kind == "national" else f"{kind}:{path.name}"
            if len(paras) >= 10:
                pool.append((key, paras))
    for path in sorted(SAMPLE.glob("*.txt")):
        paras = [ln.strip() for ln in path.read_text("utf-8").splitlines() if len(ln.strip()) >= 8]
        if len(paras) >= 3:
            pool.append((f"sample:{path.name}", paras))
    if not pool:
        sys.exit(f"Error: no source texts under {CORPORA}; put the shared corpora beside the project.")
    return pool


def generate_docs(seed: int = 9):
    """Yield distinct documents forever, deterministically for a seed.

    Each document is a title line, 3–6 runs of 10–40 consecutive paragraphs
    from different reports, and a closing date line; ~1 in 20 is stored as
    GB18030 so the readers' encoding detection is on the path too.
    """
    rng = random.Random(seed)
    pool = _paragraph_pool()
    for i in range(10**9):
        year = rng.randint(1985, 2025)
        city = rng.choice(_CITIES)
        doc_type, suffix = rng.choice(_KINDS)
        title = f"{city}市{year}年{suffix}"
        picks, seen = [], set()
        while len(picks) < rng.randint(3, 6):
            key, paras = rng.choice(pool)
            if key in seen:
                continue
            seen.add(key)
            n = min(len(paras), rng.randint(10, 40))
            start = rng.randrange(len(paras) - n + 1)
            picks.extend(paras[start: start + n])
        text = "\n".join([title, *picks, f"（{year}年1月{rng.randint(5, 28)}日）"]) + "\n"
        encoding = "gb18030" if rng.random() < 0.05 else "utf-8"
        yield Doc(f"raw/d{i:06d}.txt", title, city, year, doc_type, text, encoding)


def build_corpus(folder: Path, size_mb: float, *, seed: int = 9) -> list[Doc]:
    """Write the first documents of ``generate_docs(seed)`` until ``size_mb`` of bytes, plus manifest.csv.

    Deterministic: the same size and seed give the same bytes, and a smaller
    corpus is a prefix of a larger one.  Existing complete corpora are reused.
    """
    docs, total = [], 0
    for doc in generate_docs(seed):
        if total >= size_mb * MB:
            break
        docs.append(doc)
        total += len(doc.text.encode(doc.encoding))
    stamp = folder / ".complete"
    if stamp.is_file() and stamp.read_text() == f"{seed}:{len(docs)}:{total}":
        return docs
    (folder / "raw").mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (folder / doc.name).write_bytes(doc.text.encode(doc.encoding))
    _write_manifest(folder, docs)
    stamp.write_text(f"{seed}:{len(docs)}:{total}")
    return docs


def _write_manifest(folder: Path, docs: list[Doc]) -> None:
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "title", "city", "year", "doc_type"])
        for d in docs:
            w.writerow([d.name, d.title, d.city, d.year, d.doc_type])


def _tree_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    import psutil

    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    while not stop.is_set():
        try:
            procs = [proc, *proc.children(recursive=True)]
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak[0] = max(peak[0], rss)
        except psutil.Error:
            return
        stop.wait(0.2)


def _spawn(args: list[str]) -> dict:
    """Run one child to its end: wall seconds, exit code, ``ru_maxrss`` of that child
    (``os.wait4``: its largest single process) and the sampled peak RSS of its process tree."""
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_tree_rss, args=(proc.pid, stop, peak), daemon=True)
    watcher.start()
    out, err = [], []
    readers = [threading.Thread(target=lambda s, b: b.append(s.read()), args=(s, b), daemon=True)
               for s, b in ((proc.stdout, out), (proc.stderr, err))]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    stop.set()
    for r in (*readers, watcher):
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    code = proc.returncode
    if code != 0:
        sys.stderr.write(b"".join(err).decode("utf-8", "replace")[-3000:])
        sys.exit(f"Error: `{' '.join(args[2:4])}` on {args[5]} exited with {code}")
    # CPU seconds of the child and every process it reaped (its worker pools): on a
    # shared machine wall time mostly measures the neighbours, CPU time does not.
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "maxrss_mb": round(usage.ru_maxrss / 1024), "tree_rss_mb": round(peak[0] / 2**20),
            "summary": b"".join(out).decode("utf-8", "replace").strip()}


def _pipeline(command: str, corpus: Path, outputs: Path, extra: list[str]) -> dict:
    args = [sys.executable, "-m", "pipeline", command, "--corpus", str(corpus), "--outputs", str(outputs), "--quiet", *extra]
    res = _spawn(args)
    manifest = json.loads((outputs / "run.json").read_text("utf-8"))
    res.update(run_s=manifest["seconds"], stages={k: v["seconds"] for k, v in manifest["stages"].items()},
               counts=manifest.get("counts", {}))
    return res


def measure_analyze(corpus: Path, outputs: Path, extra: list[str]) -> dict:
    """The full ``analyze --no-cache`` in a child: wall, stages, ru_maxrss and tree RSS."""
    return _pipeline("analyze", corpus, outputs, ["--no-cache", *extra])


def time_jieba(docs: list[Doc]) -> dict:
    """Plain ``jieba.lcut`` over the same texts (dictionary load timed apart)."""
    import jieba

    t = time.perf_counter()
    tok = jieba.Tokenizer()
    tok.initialize()
    init = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    n = 0
    for d in docs:
        n += len(tok.lcut(d.text))
    return {"init_s": round(init, 2), "seconds": round(time.perf_counter() - t, 2),
            "cpu_s": round(time.process_time() - cpu, 2), "tokens": n}


def time_refresh(corpus: Path, outputs: Path, docs: list[Doc], seed: int, extra: list[str]) -> dict:
    """Cold refresh (fills the cache), no-op refresh, refresh after adding one report."""
    out = {}
    for label in ("cold", "noop"):
        res = _pipeline("refresh", corpus, outputs, extra)
        out[f"{label}_s"], out[f"{label}_cpu_s"], out[f"{label}_stages"] = res["wall_s"], res["cpu_s"], res["stages"]
    # One more report: the next document the generator would give, under a new name.
    nxt = next(d for i, d in enumerate(generate_docs(seed)) if i == len(docs))
    added = Doc("raw/added.txt", nxt.title, nxt.city, nxt.year, nxt.doc_type, nxt.text, "utf-8")
    (corpus / added.name).write_bytes(added.text.encode("utf-8"))
    _write_manifest(corpus, [*docs, added])
    try:
        res = _pipeline("refresh", corpus, outputs, extra)
        out["add_one_s"], out["add_one_cpu_s"], out["add_one_stages"] = res["wall_s"], res["cpu_s"], res["stages"]
    finally:
        # Put the corpus back as built, so the next run measures the same bytes.
        (corpus / added.name).unlink()
        _write_manifest(corpus, docs)
    return out


def exponent(rows: list[dict], key: str = "run_s") -> float | None:
    """Slope of log(seconds) over log(MB) between the smallest and largest corpus.

    >>> exponent([{"mb": 10, "analyze": {"run_s": 10}}, {"mb": 100, "analyze": {"run_s": 100}}])
    1.0
    >>> exponent([{"mb": 10, "analyze": {"cpu_s": 10}}, {"mb": 100, "analyze": {"cpu_s": 1000}}], "cpu_s")
    2.0
    """
    if len(rows) < 2:
        return None
    a, b = rows[0], rows[-1]
    return round(math.log(b["analyze"][key] / a["analyze"][key]) / math.log(b["mb"] / a["mb"]), 3)


def markdown(rows: list[dict], exp: float | None) -> str:
    order = ("read", "ingest", "segment", "topics", "network", "themes", "report")
    stages = sorted(dict.fromkeys(s for r in rows for s in r["analyze"]["stages"]),
                    key=lambda s: (order.index(s) if s in order else len(order), s))
    head = ["", *(f"{r['mb']:.0f} MB ({r['docs']} docs)" for r in rows)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def row(label, fn):
        lines.append("| " + " | ".join([label, *(fn(r) for r in rows)]) + " |")

    for s in stages:
        row(f"{s} s", lambda r, s=s: f"{r['analyze']['stages'].get(s, 0):.1f}")
    row("**whole analyze s** (in-process)", lambda r: f"**{r['analyze']['run_s']:.1f}**")
    row("wall s (with start-up)", lambda r: f"{r['analyze']['wall_s']:.1f}")
    row("MB/s", lambda r: f"{r['mb'] / r['analyze']['run_s']:.2f}")
    row("plain jieba.lcut s", lambda r: f"{r['jieba']['seconds']:.1f}")
    row("**ratio pipeline ÷ jieba**", lambda r: f"**{r['analyze']['run_s'] / r['jieba']['seconds']:.2f}**")
    row("analyze CPU s (child + its workers)", lambda r: f"{r['analyze']['cpu_s']:.1f}")
    row("plain jieba.lcut CPU s", lambda r: f"{r['jieba']['cpu_s']:.1f}")
    row("**ratio by CPU time**", lambda r: f"**{r['analyze']['cpu_s'] / r['jieba']['cpu_s']:.2f}**")
    row("load average before → after", lambda r: f"{r['load_before']:.1f} → {r.get('load_after', 0):.1f}")
    row("peak RSS, largest process MB", lambda r: f"{r['analyze']['maxrss_mb']}")
    row("peak RSS, process tree MB", lambda r: f"{r['analyze']['tree_rss_mb']}")
    if all("refresh" in r for r in rows):
        row("refresh cold s (fills cache)", lambda r: f"{r['refresh']['cold_s']:.1f}")
        row("refresh no-op s", lambda r: f"{r['refresh']['noop_s']:.1f}")
        row("refresh +1 report s", lambda r: f"{r['refresh']['add_one_s']:.1f}")
        row("refresh no-op CPU s / +1 report CPU s", lambda r: f"{r['refresh']['noop_cpu_s']:.1f} / {r['refresh']['add_one_cpu_s']:.1f}")
        row("+1 report ÷ full run, CPU", lambda r: f"{r['refresh']['add_one_cpu_s'] / r['analyze']['cpu_s']:.1%}")
        row("+1 report ÷ full run", lambda r: f"{r['refresh']['add_one_s'] / r['analyze']['wall_s']:.1%}")
    if exp is not None:
        lines.append(f"\nScaling exponent {rows[0]['mb']:.0f}→{rows[-1]['mb']:.0f} MB: **{exp}** by wall time, "
                     f"**{exponent(rows, 'cpu_s')}** by CPU time (target ≤ 1.1)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,30,100", help="corpus sizes in MB, comma-separated (default 10,30,100)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "cppcc-bench-scale",
                    help="where the corpora and outputs go (never the repository)")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--no-refresh", action="store_true", help="skip the three refresh timings")
    ap.add_argument("--no-jieba", action="store_true", help="skip the plain-jieba timing (smoke test)")
    # Every built document counts: the select stage would otherwise leave out speeches
    # and articles when most documents are work reports.
    ap.add_argument("--args", default="--set select.doc_types=work_report,speech,article",
                    help="arguments for every pipeline run (default counts every doc type); add e.g. '--engine dask'")
    a = ap.parse_args(argv)
    sizes = sorted(float(s) for s in a.sizes.split(",") if s.strip())
    extra = a.args.split()
    rows = []
    for size in sizes:
        folder = a.workdir / f"corpus-{size:g}MB-s{a.seed}"
        docs = build_corpus(folder, size, seed=a.seed)
        mb = sum(len(d.text.encode(d.encoding)) for d in docs) / MB
        print(f"[{time.strftime('%H:%M:%S')}] {size:g} MB: {len(docs)} documents, {mb:.1f} MB in {folder}; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        outputs = a.workdir / f"outputs-{size:g}MB"
        row = {"size": size, "mb": round(mb, 2), "docs": len(docs), "load_before": round(os.getloadavg()[0], 2)}
        row["analyze"] = measure_analyze(folder, outputs, extra)
        print(f"  analyze: {row['analyze']['run_s']} s, stages {row['analyze']['stages']}, "
              f"RSS {row['analyze']['maxrss_mb']} MB (tree {row['analyze']['tree_rss_mb']} MB)", flush=True)
        if not a.no_jieba:
            row["jieba"] = time_jieba(docs)
            print(f"  jieba.lcut: {row['jieba']['seconds']} s", flush=True)
        if not a.no_refresh:
            row["refresh"] = time_refresh(folder, outputs, docs, a.seed, extra)
            print(f"  refresh: cold {row['refresh']['cold_s']} s, no-op {row['refresh']['noop_s']} s, "
                  f"+1 report {row['refresh']['add_one_s']} s", flush=True)
        row["load_after"] = round(os.getloadavg()[0], 2)
        rows.append(row)
        result = _write(a, rows, extra)  # after every size, so a long run keeps what it measured
    if not a.no_jieba:
        print("\n" + markdown(rows, result["exponent"]))
    print(f"Wrote {a.workdir / 'bench_scale.json'} and bench_scale.md")
    return result


def _write(a: argparse.Namespace, rows: list[dict], extra: list[str]) -> dict:
    exp = exponent(rows)
    result = {"exponent_cpu": exponent(rows, "cpu_s"), "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "args": extra, "seed": a.seed, "rows": rows, "exponent": exp}
    a.workdir.mkdir(parents=True, exist_ok=True)
    (a.workdir / "bench_scale.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    if not a.no_jieba:
        (a.workdir / "bench_scale.md").write_text(markdown(rows, exp), "utf-8")
    return result


if __name__ == "__main__":
    main()
