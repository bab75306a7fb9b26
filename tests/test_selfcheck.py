"""The learner's self-check (`make check NB=...`, rnncourse/grading/selfcheck.py), run for real.

A solved notebook scores full marks through the Makefile target; a notebook with one wrong function
loses exactly that function's hidden test, whose message (the hidden part's, not the release's) is in
the report and in the feedback page; the learner's file and folder are untouched; bad input is refused
with a message naming what was expected.
"""
import hashlib
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader_harness import ROOT, answered, cell_by_id, edit, graded_cells, load_catalogue, nb_path

from rnncourse.grading import selfcheck

A = "02_bptt"
BIN = Path(sys.executable).parent


def learner_notebook(folder, mistake=None):
    """The release with the solution typed in (and one catalogue mistake), saved where a learner keeps it."""
    source = nbformat.read(ROOT / nb_path("solutions", A), as_version=4)
    nb = answered(nbformat.read(ROOT / nb_path("exercises", A), as_version=4), source)
    if mistake:
        w = load_catalogue(A).WRONG[mistake]
        edit(nb, w["cell"], w["find"], w["replace"], mistake)
    folder.mkdir(parents=True)
    path = folder / f"{A}.ipynb"
    nbformat.write(nb, path)
    return path


def snapshot(folder):
    """{name: (sha256, mtime_ns)} of every file in the learner's folder."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()}


def cell_lines(report):
    """{grade_id: 'score / max'} from the report's table."""
    return dict(re.findall(r"^  (\w+)\s+(\d+(?:\.\d+)? / \d+(?:\.\d+)?|by hand)$", report, re.M))


def auto_points():
    cells = graded_cells(nbformat.read(ROOT / nb_path("solutions", A), as_version=4))
    return {g: p for g, (p, auto) in cells.items() if auto}, {g: p for g, (p, auto) in cells.items() if not auto}


@pytest.mark.slow
def test_make_check_gives_a_solved_notebook_full_marks(tmp_path):
    path = learner_notebook(tmp_path / "my work")          # a space in the path, as on many laptops
    before = snapshot(path.parent)
    # the Makefile's own target; -o: take the installed environment as it is (no reinstall)
    proc = subprocess.run(["make", "-s", "-C", str(ROOT), "-o", ".venv/.installed", f"BIN={BIN}",
                           "CHECK_ARGS=--no-open", f"NB={path}", "check"],
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, f"make check failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    auto, manual = auto_points()
    total = sum(auto.values())
    assert f"{A}: {total:g} / {total:g} points checked automatically" in proc.stdout, proc.stdout
    assert cell_lines(proc.stdout) == {**{g: f"{p:g} / {p:g}" for g, p in auto.items()},
                                       **{g: "by hand" for g in manual}}, proc.stdout
    page = Path(re.search(r"^Feedback \(the page a class gets\): (.+)$", proc.stdout, re.M).group(1))
    text = page.read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "_reference" not in text, f"{page} shows the hidden tests"
    assert snapshot(path.parent) == before, "the self-check changed the learner's folder"


@pytest.mark.slow
def test_one_wrong_function_loses_exactly_its_hidden_test(tmp_path, monkeypatch, capsys):
    # weight gradients overwritten instead of summed over the steps: only the hidden test against the
    # reference can see it (the visible tests check shapes and one step); of its checks in order
    # (dx, dh0, W_ih, ...), dx and dh0 are right, so W_ih fails, on the first case (3, 6, 4, 5)
    mistake = "weight_gradients_overwritten"
    broken = load_catalogue(A).WRONG[mistake]["breaks"]
    assert broken == {"test_rnn_backward_values"}
    expected = "AssertionError: W_ih differs from the reference\nfor B, T, D, H = (3, 6, 4, 5)"
    release = cell_by_id(nbformat.read(ROOT / nb_path("exercises", A), as_version=4), "test_rnn_backward_values")
    assert "differs from the reference" not in release.source, "the message must come from the hidden part"

    path = learner_notebook(tmp_path / "work", mistake)
    before = snapshot(path.parent)
    opened = []
    monkeypatch.setenv("DISPLAY", ":0")                   # a desktop session: the page is opened
    monkeypatch.setattr(selfcheck.webbrowser, "open", lambda url: opened.append(url))
    assert selfcheck.main([str(path)]) == 0
    report = capsys.readouterr().out

    auto, manual = auto_points()
    lost = sum(auto[g] for g in broken)
    total = sum(auto.values())
    assert f"{A}: {total - lost:g} / {total:g} points checked automatically" in report, report
    assert cell_lines(report) == {**{g: (f"0 / {p:g}" if g in broken else f"{p:g} / {p:g}") for g, p in auto.items()},
                                  **{g: "by hand" for g in manual}}, report
    shown = [line.strip() for line in report.split("test_rnn_backward_values", 1)[1].splitlines()[1:3]]
    assert shown == expected.split("\n"), f"the report shows {shown} under the failed test, expected {expected!r}"
    page = Path(re.search(r"^Feedback \(the page a class gets\): (.+)$", report, re.M).group(1))
    assert expected in html.unescape(page.read_text()), f"the feedback page {page} lacks the hidden test's message"
    assert opened == [page.as_uri()], f"the page was not opened in the browser: {opened}"
    assert snapshot(path.parent) == before, "the self-check changed the learner's folder"


def run_main(args, capsys):
    code = selfcheck.main(args)
    return code, capsys.readouterr().err


def test_notebook_unset(capsys):
    code, err = run_main([""], capsys)                    # what `make check` passes without NB
    assert code == 2 and "no notebook given: make check NB=exercises/02_bptt/02_bptt.ipynb" in err, err
    code, err = run_main([], capsys)
    assert code == 2 and "no notebook given" in err, err


def test_missing_file(tmp_path, capsys):
    code, err = run_main([str(tmp_path / "02_bptt.ipynb")], capsys)
    assert code == 2 and f"{tmp_path / '02_bptt.ipynb'} does not exist" in err, err


def test_not_an_assignment(tmp_path, capsys):
    other = tmp_path / "my_notes.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), other)
    code, err = run_main([str(other)], capsys)
    assert code == 2 and "is not one of the course's assignments" in err and "'my_notes.ipynb'" in err, err
    for a in ("01_rnn_basics", "02_bptt", "03_lstm", "04_gru", "05_bidirectional_attention", "06_applications"):
        assert f"{a}.ipynb" in err, f"the message does not list {a}: {err}"
    text = tmp_path / "02_bptt.txt"
    text.write_text("not a notebook")
    code, err = run_main([str(text)], capsys)
    assert code == 2 and "expected a .ipynb file, got '.txt'" in err, err
    broken = tmp_path / "02_bptt.ipynb"
    broken.write_text("{ half a notebook")
    code, err = run_main([str(broken)], capsys)
    assert code == 2 and "is not JSON, so not a notebook" in err, err


def test_a_renamed_copy_is_recognised_by_its_cells(tmp_path):
    path = learner_notebook(tmp_path / "w")
    renamed = path.with_name("02_bptt-Copy1.ipynb")
    os.rename(path, renamed)
    assert selfcheck.identify(renamed, ROOT) == A
