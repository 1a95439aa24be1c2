"""The CLI is thin: exit codes, exact error lines, help everywhere."""

import re
import subprocess
import sys

import click
import pytest
from conftest import ROOT

from pipeline.cli import cli, main


def _run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_missing_corpus_is_one_error_line_without_traceback(tmp_path):
    r = _run("ingest", "--corpus", str(tmp_path / "nope"), "--outputs", str(tmp_path / "o"))
    assert r.returncode == 1
    assert r.stderr == f"Error: Corpus folder {tmp_path / 'nope'} not found. Pass an existing folder with --corpus.\n"


def test_bad_set_option(tmp_path):
    r = _run("analyze", "--set", "n_topics=3", "--outputs", str(tmp_path))
    assert r.returncode == 1
    assert r.stderr == "Error: --set 'n_topics=3' is not SECTION.KEY=VALUE, e.g. --set topics.n_topics=6.\n"


def test_unknown_config_key(tmp_path):
    r = _run("analyze", "--set", "topics.k=3", "--outputs", str(tmp_path))
    assert r.returncode == 1 and r.stderr.startswith("Error: Unknown config key 'topics.k'.")
    assert "Traceback" not in r.stderr


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=" ".join)
def test_every_subcommand_has_help(path, capsys):
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage:" in out and len(out.splitlines()) > 3


def test_every_makefile_target_has_a_help_line():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z][a-z_-]*):", text, flags=re.M)
    assert {"analyze", "test", "help", "setup"} <= set(targets)
    for t in targets:
        assert re.search(rf"^{t}:.*## \S", text, flags=re.M), t


def test_theme_trace_prints_rates_and_first_appearance(sample_run):
    out = sample_run["outputs"]
    r = _run("themes", "--outputs", str(out), "--quiet", "trace", "强省会")
    assert r.returncode == 0, r.stderr
    assert "First appearance: 2021" in r.stdout
    assert "强省会" in r.stdout


def test_corpus_option_repeats_for_several_folders(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        body = "".join(f"第{i}项，围绕第{i}个专题开展协商，形成调研报告{i}篇。\n" for i in range(1, 13))
        (tmp_path / name / "r.txt").write_text(f"各位委员：\n{body}（2025年1月11日）", encoding="utf-8")
    r = _run("ingest", "--corpus", str(tmp_path / "a"), "--corpus", str(tmp_path / "b"), "--outputs", str(tmp_path / "o"), "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Done: 2 documents, 1 counted")


def test_trace_takes_the_common_options_after_the_subcommand(tmp_path):
    r = _run("themes", "trace", "改革开放", "--corpus", str(tmp_path / "nope"), "--outputs", str(tmp_path / "o"))
    assert r.returncode == 1
    assert r.stderr == f"Error: Corpus folder {tmp_path / 'nope'} not found. Pass an existing folder with --corpus.\n"

def _small(tmp_path):
    raw = tmp_path / "c" / "raw"
    raw.mkdir(parents=True)
    src = sorted((ROOT / "corpus" / "raw").glob("*.txt"))[3]
    (raw / src.name).write_bytes(src.read_bytes())
    (raw / "损坏 的.pdf").write_bytes(b"%PDF-1.4 cut")
    return tmp_path / "c"


def test_strict_exits_3_with_one_line_and_keeps_the_outputs(tmp_path):
    corpus = _small(tmp_path)
    r = _run("ingest", "--corpus", str(corpus), "--outputs", str(tmp_path / "o"), "--quiet", "--strict")
    assert r.returncode == 3
    assert r.stderr.startswith("Skipped raw/损坏 的.pdf: ")
    last = r.stderr.splitlines()[-1]
    assert last.startswith("Error: 1 raw file(s) could not be read and --strict is set (first: raw/损坏 的.pdf: ")
    assert last.endswith("The outputs were left as they were; fix or remove the files, or run without --strict.")
    assert not (tmp_path / "o" / "current").exists()


def test_a_second_run_exits_75_while_the_first_holds_the_outputs(tmp_path):
    from pipeline import io

    corpus = _small(tmp_path)
    with io.run_lock(tmp_path / "o", {"run_id": "R", "pid": 42, "started": "S"}):
        r = _run("refresh", "--corpus", str(corpus), "--outputs", str(tmp_path / "o"), "--quiet")
    assert r.returncode == 75
    assert r.stderr == (f"Error: Another run, run R (pid 42, started S), is writing {tmp_path / 'o'}; this run did not start. "
                        "Let it finish, or pass --wait SECONDS to queue behind it.\n")


def test_every_exit_code_is_documented_in_the_readme():
    from pipeline.cli import EXIT_CODES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, code in EXIT_CODES.items():
        assert re.search(rf"^\| `{code}` \|", readme, flags=re.M), (name, code)
