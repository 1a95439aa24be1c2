"""What a cron job sees: refresh timings on 1,000 reports, and kill -9 at random moments.

Part ``timings`` builds a deterministic corpus of distinct reports from
../shared/corpora (random runs of paragraphs of real reports, each with
its own city, year and date line; 5–15 paragraphs each, see PARAS), runs the real CLI once to fill the cache,
then times three refreshes: nothing new, one new report, the lexicon changed
(one term added to userdict.txt, so everything is re-segmented).

Part ``crash`` starts ``python -m pipeline refresh`` after adding a report,
kills it with SIGKILL after a random delay, checks the outputs
(``io.check_outputs``: the current build is complete, every file as its run
wrote it, every link into it), then runs a normal refresh and checks again.

Part ``bad`` mixes the generated bad files (tests/bad_inputs.py, 1,000 of
them plus one single-line report of ``--long-mb`` MB) into 20 reports and
times the run.

    python bench/bench_refresh.py [--reports 1000] [--kills 20] [--part timings|crash|bad|all]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pipeline import io  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
CITIES = ("贵阳市", "遵义市", "六盘水市", "安顺市", "毕节市", "铜仁市", "昆明市", "成都市", "重庆市", "南宁市",
          "长沙市", "武汉市", "郑州市", "济南市", "杭州市", "福州市", "广州市", "海口市", "西安市", "兰州市")


def source_paragraphs() -> list[list[str]]:
    """Paragraphs of every plain-text report in the shared corpora (UTF-8 .txt)."""
    out = []
    for p in sorted(CORPORA.rglob("*.txt")):
        try:
            paras = [x.strip() for x in p.read_text(encoding="utf-8").splitlines() if len(x.strip()) >= 20]
        except UnicodeDecodeError:
            continue
        if len(paras) >= 40:
            out.append(paras)
    return out


# Paragraphs per report: a real report has 40–150, but 1,000 of those (60 MB) would not fit the
# corpus-level stages in memory on the shared 2-core machine (see issue 9); 5–15 gives ≈ 12 MB.
PARAS = (5, 15)


def make_report(rng: random.Random, sources: list[list[str]], i: int) -> str:
    paras = rng.choice(sources)
    n = rng.randint(*PARAS)
    start = rng.randint(0, max(0, len(paras) - n))
    city, year = rng.choice(CITIES), rng.randint(1990, 2025)
    head = [f"{city}政协常务委员会工作报告（第{i}号）", f"（{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日）"]
    return "\n".join(head + paras[start:start + n]) + "\n"


def build_corpus(folder: Path, n: int, seed: int = 14) -> None:
    rng = random.Random(seed)
    sources = source_paragraphs()
    (folder / "raw").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / "raw" / f"report_{i:04d}.txt").write_text(make_report(rng, sources, i), encoding="utf-8")


def refresh(corpus: Path, out: Path, lexicon: Path, *extra: str) -> tuple[float, int, dict, str]:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pipeline", "refresh", "--quiet", "--corpus", str(corpus), "--outputs", str(out),
                        "--lexicon", str(lexicon), *extra], cwd=ROOT, capture_output=True, text=True, timeout=7200)
    wall = time.perf_counter() - t
    runs = sorted((out / "runs").glob("*.json"))
    manifest = json.loads(runs[-1].read_text(encoding="utf-8")) if runs else {}
    return wall, r.returncode, manifest, (r.stdout + r.stderr).strip().splitlines()[-2:]


def part_timings(work: Path, n: int) -> dict:
    corpus, out, lexicon = work / "corpus", work / "out", work / "lexicon"
    build_corpus(corpus, n + 1)
    extra = corpus / "raw" / f"report_{n:04d}.txt"
    held = work / extra.name
    extra.rename(held)
    shutil.copytree(ROOT / "corpus" / "lexicon", lexicon)
    mb = sum(p.stat().st_size for p in (corpus / "raw").iterdir()) / 1e6
    print(f"corpus: {n} reports, {mb:.1f} MB in {corpus}")
    rows = {}
    for label, prepare in (
        ("first run (fills the cache)", lambda: None),
        ("nothing new", lambda: None),
        ("one new report", lambda: held.rename(extra)),
        ("lexicon changed (one term added)", lambda: (lexicon / "userdict.txt").open("a", encoding="utf-8").write("基准测试新词 10 n\n")),
    ):
        prepare()
        wall, rc, manifest, tail = refresh(corpus, out, lexicon)
        stages = {k: f"{v['state']} {v['seconds']}" for k, v in manifest.get("stages", {}).items()}
        rows[label] = {"wall_s": round(wall, 1), "pipeline_s": manifest.get("seconds"), "exit": rc, "stages": stages}
        print(f"{label:36s} wall {wall:7.1f} s  pipeline {manifest.get('seconds')} s  exit {rc}  {tail[-1] if tail else ''}")
        print(f"{'':36s} {stages or 'nothing new'}")
    return rows


def part_crash(work: Path, kills: int, reports: int = 30, seed: int = 20) -> dict:
    corpus, out, lexicon = work / "crash", work / "crash-out", ROOT / "corpus" / "lexicon"
    build_corpus(corpus, reports + kills, seed=seed)
    pending = sorted((corpus / "raw").iterdir())[reports:]
    for p in pending:
        p.rename(work / p.name)
    wall, rc, _, _ = refresh(corpus, out, lexicon)
    print(f"crash corpus: {reports} reports, first run {wall:.1f} s (exit {rc})")
    rng = random.Random(seed)
    problems, killed = [], 0
    for i, p in enumerate(pending):
        (work / p.name).rename(p)
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "refresh", "--quiet", "--corpus", str(corpus),
                                 "--outputs", str(out), "--lexicon", str(lexicon)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = rng.uniform(0.5, 25.0)
        try:
            proc.wait(delay)
            state = "finished first"
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            state, killed = "killed", killed + 1
        after_kill = io.check_outputs(out)
        wall, rc, manifest, tail = refresh(corpus, out, lexicon)
        after_run = io.check_outputs(out)
        docs = io.read_table(out, "documents")
        complete = set(docs["source_file"]) == {f"raw/{x.name}" for x in (corpus / "raw").iterdir()}
        problems += [f"kill {i}: {x}" for x in after_kill + after_run]
        if rc != 0 or not complete:
            problems.append(f"kill {i}: refresh exit {rc}, documents complete: {complete} {tail}")
        print(f"kill {i:2d}: {state:14s} at {delay:5.1f} s; valid after kill: {not after_kill}; "
              f"refresh exit {rc} in {wall:.1f} s; valid and complete after it: {not after_run and complete}")
    print(f"{killed} of {kills} runs killed mid-way; problems: {problems or 'none'}")
    return {"kills": kills, "killed_mid_run": killed, "problems": problems}


def part_bad(work: Path, n_bad: int, long_mb: float) -> dict:
    from bad_inputs import make_bad_corpus

    corpus = work / "bad"
    build_corpus(corpus, 20, seed=5)
    bad = make_bad_corpus(corpus / "raw" / "generated", n=n_bad, long_lines=0)
    long = corpus / "raw" / "generated" / "一行 long line.txt"
    unit = "政协委员围绕乡村振兴建言献策，提出意见建议一百二十余条；"
    long.write_text("（2024年1月5日）" + unit * int(long_mb * 1e6 / len(unit.encode())), encoding="utf-8")
    wall, rc, manifest, tail = refresh(corpus, work / "bad-out", ROOT / "corpus" / "lexicon")
    expected = {f"raw/generated/{b.rel}" for b in bad if b.expect == "error"}
    reported = {e["source_file"] for e in manifest.get("errors", [])}
    print(f"bad input: {len(bad)} generated files + one {long_mb:g} MB line; run {wall:.1f} s, exit {rc}; "
          f"{len(reported & expected)}/{len(expected)} bad files reported, {len(reported - expected)} others; {tail}")
    return {"files": len(bad), "long_mb": long_mb, "seconds": round(wall, 1), "exit": rc,
            "reported": len(reported & expected), "expected": len(expected), "unexpected": sorted(reported - expected)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--bad", type=int, default=1000)
    ap.add_argument("--long-mb", type=float, default=50.0)
    ap.add_argument("--part", choices=("timings", "crash", "bad", "all"), default="all")
    ap.add_argument("--work", type=Path, help="Keep the corpora and outputs here (default: a temporary folder).")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_refresh_"))
    work.mkdir(parents=True, exist_ok=True)
    result = {}
    if args.part in ("timings", "all"):
        result["timings"] = part_timings(work, args.reports)
    if args.part in ("crash", "all"):
        result["crash"] = part_crash(work, args.kills)
    if args.part in ("bad", "all"):
        result["bad"] = part_bad(work, args.bad, args.long_mb)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
