"""The hints of the exercises' tests reach the student whole, wherever they validate.

`nbgrader validate` prints a failed test's traceback with every line indented and cut at
Validator.width - 3 columns (90 - 3 by default, then "..."), and no course config travels with a
release: nbgrader reads nbgrader_config.py only from the folder it runs in (and Jupyter's config
folders), and JupyterLab's Validate button runs in the server's folder, so a config shipped next to the
notebook would not be read there. So the messages themselves are short: the hint first, each line
within nbgrader's default width ("AssertionError: " included on the first).

* static: every message of every test cell in solutions/ (assert statements and the hidden tests'
  guard calls), rendered, fits;
* real: `nbgrader validate <a>.ipynb` in a copy of each released folder (nothing else: no course
  config) on a notebook with a typical mistake prints that mistake's hint whole.
"""
import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.validator import Validator
from nbgrader_harness import ROOT, answered, assignments, edit, is_test_cell, nb_path

NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
LINE = Validator().width - 3 - len(Validator().indent)   # what a printed line keeps (87 - 4 = 83)
FIRST = LINE - len("AssertionError: ")                    # the first line carries the exception's name
GUARD_CALLS = {"assert_close": 2, "assert_array": 2, "assert_int": 2}   # position of the message argument


# ---------------------------------------------------------------- static: every message fits

def loop_values(tree, name):
    """String constants a name takes in `for ..., name, ... in [(...), ...]` loops of the cell."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.iter, (ast.List, ast.Tuple)):
            targets = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
            for i, t in enumerate(targets):
                if isinstance(t, ast.Name) and t.id == name:
                    for item in node.iter.elts:
                        value = item.elts[i] if isinstance(item, ast.Tuple) and i < len(item.elts) else item
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            out.append(value.value)
    return out


def renderings(node, tree, src):
    """Every text a message expression can produce; a placeholder counts as its source text, or as the
    longest string the loop gives its name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        return loop_values(tree, node.id) or [node.id]
    if isinstance(node, ast.JoinedStr):
        text = ""
        for v in node.values:
            if isinstance(v, ast.Constant):
                text += v.value
            else:
                names = loop_values(tree, v.value.id) if isinstance(v.value, ast.Name) else []
                text += max(names, key=len) if names else "{" + ast.get_source_segment(src, v.value) + "}"
        return [text]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in renderings(node.left, tree, src) for b in renderings(node.right, tree, src)]
    if isinstance(node, ast.IfExp):
        return renderings(node.body, tree, src) + renderings(node.orelse, tree, src)
    raise AssertionError(f"cannot read the message {ast.get_source_segment(src, node)!r}: write it as a string")


def messages(src):
    """(line, message expression) of every assert and guard call of a test cell."""
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is not None:
            yield tree, node.lineno, node.msg
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GUARD_CALLS:
            args = node.args[GUARD_CALLS[node.func.attr]:GUARD_CALLS[node.func.attr] + 1]
            for m in args + [k.value for k in node.keywords if k.arg == "what"]:
                yield tree, node.lineno, m


def too_long(text):
    lines = text.split("\n")
    return ([f"first line has {len(lines[0])} > {FIRST} characters"] if len(lines[0]) > FIRST else []) + \
           [f"line {i + 1} has {len(l)} > {LINE} characters" for i, l in enumerate(lines[1:], 1) if len(l) > LINE]


@pytest.mark.parametrize("assignment", assignments())
def test_every_message_fits_nbgraders_line(assignment):
    nb = nbformat.read(ROOT / nb_path("solutions", assignment), as_version=4)
    bad, count = [], 0
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        for tree, line, node in messages(cell.source):
            for text in renderings(node, tree, cell.source):
                count += 1
                for why in too_long(text):
                    bad.append(f"{cell.metadata['nbgrader']['grade_id']}, line {line}: {why}: {text!r}")
    assert count > 10, f"{assignment}: only {count} messages found: is the reader broken?"
    assert not bad, (f"{assignment}: nbgrader validate would cut these messages (first line <= {FIRST}, "
                     f"others <= {LINE}; put the hint first, break lines with \\n):\n" + "\n".join(bad))


def test_the_reader_sees_long_lines():
    src = (f'for what in [("{"a" * 70}",)]:\n    assert x, f"{{what}}"\n'
           f'assert y, "ok\\n" + ("{"b" * 90}" if z else "")\n')
    found = [why for tree, _, n in messages(src) for t in renderings(n, tree, src) for why in too_long(t)]
    assert sorted(found) == [f"first line has 70 > {FIRST} characters", f"line 2 has 90 > {LINE} characters"], found


# ---------------------------------------------------------------- real: nbgrader validate as a student runs it

# One typical mistake per assignment (an edit of one answer cell's solution) and the hint it must print
# (its first lines, each whole).
MISTAKES = {
    "01_rnn_basics": (("rnn_step", " + h_prev @ W_hh.T + b_hh", " + h_prev @ W_hh.T"),
                      "is a bias missing or added twice? With x_t = 0 and h_prev = 0\n"
                      "only the biases remain: h_t must be tanh(b_ih + b_hh)"),
    "02_bptt": (("rnn_backward", "dhs[:, t] + dh_next", "dhs[:, t]"),
                "does the gradient flow back along the hidden state? dh0 is zero\n"
                "although the last state depends on h0"),
    "03_lstm": (("lstm_step_forward", "o = sigmoid(a[:, 3 * H:])", "o = sigmoid(a[:, 2 * H:3 * H])"),
                "is o the fourth (LAST) block? With the output gate open\n"
                "(block 3 at +40), h must be tanh(c)"),
    "04_gru": (("gru_step_forward", "(1 - z) * n + z * h_prev", "z * n + (1 - z) * h_prev"),
               "z is the fraction KEPT, h = (1 - z) * n + z * h_prev:\n"
               "(reset_after=True) with the update gate open (block 1 of the bias at +40),\n"
               "h must equal h_prev"),
    "05_bidirectional_attention": (("merge", "np.concatenate([out_fw, out_bw], axis=-1)",
                                    "np.concatenate([out_bw, out_fw], axis=-1)"),
                                   "concat puts the forward outputs first, then the backward ones:\n"
                                   "expected [1, 2, 10, 20], got [10. 20.  1.  2.]"),
    "06_applications": (("model", "    return logits.argmax(dim=1).numpy()",
                         "    return torch.softmax(logits, dim=1).numpy()"),
                        "return the argmax of the scores, not the scores or probabilities:\n"
                        "predict must return one label per recording, shape (N,) ="),
}


def validate_output(assignment, tmp_path):
    """`nbgrader validate` run by a student: in a copy of the released folder alone, on the mistake."""
    (cell, find, replace), _ = MISTAKES[assignment]
    folder = tmp_path / assignment
    shutil.copytree(ROOT / "exercises" / assignment, folder)
    assert not list(folder.rglob("nbgrader_config.py"))
    release = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
    nb = answered(release, nbformat.read(ROOT / nb_path("solutions", assignment), as_version=4))
    edit(nb, cell, find, replace, assignment)
    nbformat.write(nb, folder / f"{assignment}.ipynb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["HOME"] = str(tmp_path)        # no user-level nbgrader config either
    proc = subprocess.run([NBGRADER, "validate", f"{assignment}.ipynb"], cwd=folder, capture_output=True,
                          text=True, timeout=900, env=env)
    return proc.stdout


def hint_lines(output):
    """The lines of the error part of validate's report, without its indentation."""
    return [line[len(Validator().indent):] if line.startswith(Validator().indent) else line
            for line in output.splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", assignments())
def test_validate_prints_the_whole_hint(assignment, tmp_path):
    out = validate_output(assignment, tmp_path)
    assert "VALIDATION FAILED" in out, f"{assignment}: the mistake did not fail validation:\n{out[-3000:]}"
    lines = hint_lines(out)
    hint = MISTAKES[assignment][1].split("\n")
    first = f"AssertionError: {hint[0]}"
    starts = [i for i, line in enumerate(lines) if line == first]
    assert starts, (f"{assignment}: validate does not print the hint's first line whole, {first!r}; "
                    f"its AssertionError lines: {[l for l in lines if 'AssertionError:' in l]}")
    i = starts[0]
    assert lines[i:i + len(hint)] == [first] + hint[1:], (
        f"{assignment}: validate prints {lines[i:i + len(hint)]}, expected {[first] + hint[1:]}")
    cut = [l for l in lines if l.startswith("AssertionError:") and l.endswith("...")]
    assert not cut, f"{assignment}: validate cuts these messages: {cut}"
