"""The attack catalogue of tests/test_hostile_grading.py: hostile submissions of 01_rnn_basics, as data.

Each attack is the solution (every answer cell holding its solution code) changed by ``steps``:

* ``("extra", after, source)``: a new cell (no nbgrader metadata) right after the cell ``after``;
* ``("append", source)``: a new cell at the end of the notebook;
* ``("answer", cell, source)``: the code of answer cell ``cell`` replaced;
* ``("mistake", name)``: the edits of WRONG[name] of tests/exercise_cases/01_rnn_basics.py;
* ``("test_source", cell, source)``, ``("delete", cell)``, ``("metadata", cell, {key: value})``:
  a locked test cell edited, deleted, or its nbgrader metadata changed;
* ``("fake_graded", after, grade_id, source)``: a new cell that claims to be a graded test.

``loses`` names the autograded test cells that must score 0 (``ALL``: every one); every other test
cell must get its full points. The expected scores are derived from this, never copied from a run.
``build``, ``expected`` and ``grade_class`` (at the end) turn the catalogue into graded submissions for
tests/test_hostile_grading.py and tests/test_hostile_guard.py.
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell
from nbgrader_harness import (ROOT, answered, cell_by_id, course_copy, edit, graded_cells, load_catalogue, nb_path,
                              nbgrader, read_scores, write_submissions)

ASSIGNMENT = "01_rnn_basics"
ALL = "ALL"
STEP = ("test_rnn_step_terms", "test_rnn_step_values", "test_rnn_forward_values", "test_predict_values")
FROM_FORWARD = ("test_rnn_forward_shape", "test_rnn_forward_carry", "test_rnn_forward_values",
                "test_predict_shapes", "test_predict_values", "test_count_formulas", "test_count_models")
FORWARD_USERS = ("test_rnn_forward_shape", "test_rnn_forward_carry", "test_rnn_forward_values",
                 "test_predict_shapes", "test_predict_values")

# Resources and kernel deaths: graded with a low timeout and memory limit (see the test module).
RESOURCES = {
    "infinite_loop_cell": dict(steps=[("extra", "rnn_predict", "while True:\n    pass")], loses=()),
    "infinite_loop_answer": dict(steps=[("answer", "count_models", "while True:\n    pass")],
                                 loses=("test_count_models",)),
    "sys_exit": dict(steps=[("extra", "rnn_step", "import sys\nsys.exit()")], loses=()),
    "raise_systemexit": dict(steps=[("extra", "rnn_step", "raise SystemExit(3)")], loses=()),
    "raise_keyboardinterrupt": dict(steps=[("extra", "rnn_step", "raise KeyboardInterrupt")], loses=()),
    "os_exit": dict(steps=[("extra", "rnn_forward", "import os\nos._exit(1)")], loses=FROM_FORWARD),
    "segfault_signal": dict(steps=[("extra", "rnn_forward", "import os\nos.kill(os.getpid(), 11)")],
                            loses=FROM_FORWARD),
    "segfault_ctypes": dict(steps=[("extra", "rnn_forward", "import ctypes\nctypes.string_at(0)")], loses=ALL),
    "memory_bomb": dict(steps=[("extra", "rnn_step", "import numpy\nhog = numpy.ones(2**30 // 2)  # 4 GiB, touched")],
                        loses=()),
}

# Tampering with the test cells: nbgrader's checksums and the gradebook put the real tests back.
TEST_CELLS = {
    "test_edited_to_pass": dict(steps=[("mistake", "sigmoid_instead_of_tanh")]
                                + [("test_source", c, "pass") for c in STEP], loses=STEP),
    "tests_deleted": dict(steps=[("mistake", "sigmoid_instead_of_tanh")] + [("delete", c) for c in STEP], loses=STEP),
    "test_not_graded": dict(steps=[("mistake", "sigmoid_instead_of_tanh")]
                            + [("metadata", c, {"grade": False, "points": 0}) for c in STEP], loses=STEP),
    "points_raised": dict(steps=[("metadata", "test_rnn_step_shape", {"points": 200})], loses=()),
    "fake_graded_cell": dict(steps=[("fake_graded", "rnn_step", "test_bonus", "pass")], loses=()),
    "duplicate_test_id": dict(steps=[("mistake", "sigmoid_instead_of_tanh"),
                                     ("fake_graded", "test_rnn_step_values", "test_rnn_step_values", "pass")],
                              loses=STEP),
}

# Cheating in code, with a wrong rnn_step so that cheating would pay. `guard` marks the attacks the
# in-kernel guard alone must also defeat (graded once more with --TamperCheck.scan=False).
WRONG_STEP = ("mistake", "sigmoid_instead_of_tanh")
CHEATS = {
    "patch_allclose": dict(steps=[WRONG_STEP, ("extra", "rnn_step", "np.allclose = lambda *a, **k: True")],
                           loses=ALL, guard=True),
    "patch_assert_allclose": dict(steps=[WRONG_STEP, ("extra", "rnn_step",
                                  "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None")],
                                  loses=ALL, guard=True),
    "patch_assertionerror": dict(steps=[WRONG_STEP, ("extra", "rnn_step",
                                 "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})")],
                                 loses=ALL, guard=True),
    "patch_math_isclose": dict(steps=[WRONG_STEP, ("extra", "rnn_step",
                               "import math\nmath.isclose = lambda *a, **k: True")], loses=ALL, guard=True),
    "patch_oracle": dict(steps=[WRONG_STEP, ("extra", "rnn_step",
                         "import rnncourse.rnn\n"
                         "rnncourse.rnn.rnn_step_forward = lambda x, h, p: (rnn_step(x, h, p.Wx.T, p.Wh.T, p.b, 0 * p.b), None)")],
                         loses=ALL, guard=True),
    # IPython never calls sys.excepthook for a cell's error: alone, the hook earns nothing (the tests
    # fail as they should); with the scan, the notebook scores 0.
    "excepthook": dict(steps=[WRONG_STEP, ("extra", "rnn_step", "import sys\nsys.excepthook = lambda *a: None")],
                       loses=ALL, guard_loses=STEP),
    "settrace_skips_asserts": dict(steps=[WRONG_STEP, ("extra", "rnn_step",
                                   "import sys\n"
                                   "def skip(frame, event, arg):\n"
                                   "    return skip\n"
                                   "sys.settrace(skip)")], loses=ALL, guard=True),
    "partial_credit_displayhook": dict(steps=[("answer", "rnn_step",
                                       "import sys\n"
                                       "def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):\n"
                                       "    sys.displayhook(100.0)\n"
                                       "    return 1 / (1 + np.exp(-(x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)))")],
                                       loses=ALL, guard_loses=STEP),
    "reads_hidden_answer": dict(steps=[("answer", "rnn_step",
                                "def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):\n"
                                "    return _want if '_want' in dir() else np.tanh(x_t @ W_ih.T + b_ih)")], loses=ALL),
    "exec_string": dict(steps=[WRONG_STEP, ("extra", "rnn_step", "exec('np.allclose = lambda *a, **k: True')")],
                        loses=ALL),
    "setattr_numpy": dict(steps=[WRONG_STEP, ("extra", "rnn_step", "setattr(np, 'allclose', lambda *a, **k: True)")],
                          loses=ALL),
    "redefine_test_helper": dict(steps=[("mistake", "recurrent_bias_missing"), ("extra", "rnn_step",
                                 "def random_weights(D, H, seed=0):\n"
                                 "    return np.zeros((H, D)), np.zeros((H, H)), np.zeros(H), np.zeros(H)")], loses=ALL),
    "eq_always_true": dict(steps=[("answer", "count_formulas",
                           "class Yes(int):\n"
                           "    def __eq__(self, other):\n"
                           "        return True\n"
                           "    __hash__ = int.__hash__\n"
                           "def simple_rnn_param_count(D, H):\n    return Yes(0)\n"
                           "def dense_param_count(n_in, n_out):\n    return Yes(1)\n"
                           "def embedding_param_count(V, E):\n    return Yes(2)")],
                           loses=("test_count_formulas", "test_count_models")),
    "nan_of_right_shape": dict(steps=[("answer", "rnn_step",
                               "def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):\n"
                               "    return np.full((x_t.shape[0], W_ih.shape[0]), np.nan)")],
                               loses=("test_rnn_step_shape",) + STEP + FORWARD_USERS),
    "ndarray_subclass_says_equal": dict(steps=[("answer", "rnn_forward",
                                        "class Agreeable(np.ndarray):\n"
                                        "    def __array_ufunc__(self, *args, **kwargs):\n"
                                        "        return np.True_\n"
                                        "def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):\n"
                                        "    B, T, _ = x.shape\n"
                                        "    return np.zeros((B, T, h0.shape[1])).view(Agreeable), np.zeros_like(h0).view(Agreeable)")],
                                        loses=FORWARD_USERS),
}

# Reaching outside the notebook: the sandbox (rnncourse.grading.sandbox). COURSE is replaced by the
# class's course directory and PORT by a port on 127.0.0.1 where the test listens, so that each attack
# aims at the real targets (and, were the sandbox broken, at this class only). Each prints what it got;
# tests/test_hostile_grading.py checks the outputs, the other students' files and grades, and the host.
ESCAPE_MARK = "rnncourse-attack-escape"   # in the name of every file and process an attack leaves behind
_GRADEBOOK = ("import sqlite3\n"
              "for db in ['COURSE/gradebook.db', '../../../gradebook.db']:\n"
              "    try:\n"
              "        con = sqlite3.connect(f'file:{db}?mode=rw', uri=True)\n")
SANDBOX = {
    "write_gradebook": dict(steps=[WRONG_STEP, ("extra", "rnn_step", _GRADEBOOK +
                            "        con.execute('UPDATE grade SET auto_score = max_score, extra_credit = 1000')\n"
                            "        con.commit()\n"
                            "        print('ESCAPED wrote', db)\n"
                            "    except Exception as e:\n"
                            "        print('refused', db, repr(e))")], loses=STEP),
    "read_gradebook": dict(steps=[("extra", "rnn_step", _GRADEBOOK +
                           "        print('ESCAPED read', con.execute('SELECT * FROM grade').fetchall())\n"
                           "    except Exception as e:\n"
                           "        print('refused', db, repr(e))")], loses=()),
    "read_solutions_and_classmates": dict(steps=[("extra", "rnn_step",
                                          "import glob, os\n"
                                          "paths = glob.glob('COURSE/solutions/*/*.ipynb') + glob.glob('COURSE/submitted/*/*/*.ipynb')\n"
                                          "paths += glob.glob('../../../solutions/*/*.ipynb') + glob.glob('../../*/*/*.ipynb')\n"
                                          "paths = [p for p in paths if not os.path.abspath(p).startswith(os.getcwd())]\n"
                                          "for path in paths:\n"
                                          "    print('ESCAPED read', path, open(path).read()[:20000])\n"
                                          "print('found', paths)")], loses=()),
    "overwrite_classmate": dict(steps=[("extra", "rnn_step",
                                "import glob, os, shutil\n"
                                "mine = os.path.abspath('01_rnn_basics.ipynb')\n"
                                "for path in glob.glob('COURSE/*/*/01_rnn_basics/*.ipynb') + glob.glob('../../*/*/*.ipynb'):\n"
                                "    if os.path.abspath(path) != mine:\n"
                                "        try:\n"
                                "            shutil.copy('COURSE/exercises/01_rnn_basics/01_rnn_basics.ipynb', path)\n"
                                "            print('ESCAPED overwrote', path)\n"
                                "        except OSError as e:\n"
                                "            print('refused', path, repr(e))")], loses=()),
    "delete_classmate": dict(steps=[("extra", "rnn_step",
                             "import os, shutil\n"
                             "deleted = []\n"
                             "for top in ['COURSE/submitted', 'COURSE/autograded', '../..']:\n"
                             "    for student in (os.listdir(top) if os.path.isdir(top) else []):\n"
                             "        path = os.path.abspath(os.path.join(top, student))\n"
                             "        if student != 'delete_classmate' and not os.getcwd().startswith(path):\n"
                             "            shutil.rmtree(path, ignore_errors=True)\n"
                             "            deleted.append(path)\n"
                             "print('deleted', deleted)")], loses=()),
    "connect_localhost": dict(steps=[("extra", "rnn_step",
                              "import socket\n"
                              "try:\n"
                              "    socket.create_connection(('127.0.0.1', PORT), timeout=2).sendall(b'ESCAPED')\n"
                              "    print('ESCAPED connected')\n"
                              "except OSError as e:\n"
                              "    print('refused', repr(e))")], loses=()),
    # UDP connect sends nothing: it only asks for a route out (192.0.2.1, TEST-NET-1, is never routed).
    "route_outside": dict(steps=[("extra", "rnn_step",
                          "import socket\n"
                          "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                          "try:\n"
                          "    u.connect(('192.0.2.1', 9))\n"
                          "    print('ESCAPED route out via', u.getsockname())\n"
                          "except OSError as e:\n"
                          "    print('refused', repr(e))")], loses=()),
    "resolve_hostname": dict(steps=[("extra", "rnn_step",
                             "import socket\n"
                             "try:\n"
                             "    print('ESCAPED resolved', socket.getaddrinfo('localhost', 80))\n"
                             "except OSError as e:\n"
                             "    print('refused', repr(e))")], loses=()),
    "read_grader_environment": dict(steps=[("extra", "rnn_step",
                                    "import os\n"
                                    "print(dict(os.environ))\n"
                                    "for pid in ['1', str(os.getppid()), 'self']:\n"
                                    "    try:\n"
                                    "        print(pid, open(f'/proc/{pid}/environ').read())\n"
                                    "    except OSError as e:\n"
                                    "        print('refused', pid, repr(e))")], loses=()),
    "change_python_env": dict(steps=[("extra", "rnn_step",
                              "import os, numpy, rnncourse\n"
                              "for d in [os.path.dirname(numpy.__file__), os.path.dirname(rnncourse.__file__)]:\n"
                              "    try:\n"
                              "        open(os.path.join(d, 'ESCAPE_MARK.py'), 'w').write('pass')\n"
                              "        print('ESCAPED wrote in', d)\n"
                              "    except OSError as e:\n"
                              "        print('refused', d, repr(e))\n"
                              "try:\n"
                              "    open(numpy.__file__, 'r+')\n"
                              "    print('ESCAPED numpy writable')\n"
                              "except OSError as e:\n"
                              "    print('refused', repr(e))")], loses=()),
    # Kill nbgrader: the kernel's parent, and every process of this class's course (its working directory).
    "kill_nbgrader": dict(steps=[("extra", "rnn_step",
                          "import os\n"
                          "targets = {os.getppid()}\n"
                          "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:\n"
                          "    try:\n"
                          "        if os.readlink(f'/proc/{pid}/cwd') == 'COURSE':\n"
                          "            targets.add(int(pid))\n"
                          "    except OSError:\n"
                          "        pass\n"
                          "for pid in targets - {os.getpid()}:\n"
                          "    try:\n"
                          "        os.kill(pid, 9)\n"
                          "        print('signalled', pid)\n"
                          "    except OSError as e:\n"
                          "        print('refused', pid, repr(e))")], loses=()),
    # Last cell: every process forks on (2, 4, 8, ... of them) until the process limit; the bomb's
    # processes wait until the kernel ends, and with it its PID namespace. They never return to the
    # kernel's code (not even on the timeout's interrupt, which reaches the kernel's process group).
    "fork_bomb": dict(steps=[("append", "import os\n"
                              "me, n = os.getpid(), 0\n"
                              "try:\n"
                              "    while True:\n"
                              "        try:\n"
                              "            os.fork()\n"
                              "        except OSError as e:\n"
                              "            if os.getpid() == me:\n"
                              "                print('stopped after', n, 'forks:', repr(e))\n"
                              "                break\n"
                              "            raise\n"
                              "        n += 1\n"
                              "finally:\n"
                              "    while os.getpid() != me:\n"
                              "        try:\n"
                              "            os.pause()\n"
                              "        except BaseException:\n"
                              "            pass")], loses=()),
    "fill_disk": dict(steps=[("extra", "rnn_step",
                      "import os\n"
                      "for d in ['.', '/tmp', '/dev/shm', os.path.expanduser('~'), '/', '/usr']:\n"
                      "    written = 0\n"
                      "    for i in range(100000):\n"
                      "        try:\n"
                      "            with open(os.path.join(d, f'ESCAPE_MARK-{i}'), 'wb') as f:\n"
                      "                for _ in range(64):\n"
                      "                    f.write(b'x' * 2**20)\n"
                      "                    written += 2**20\n"
                      "        except OSError as e:\n"
                      "            print(d, 'full after', written >> 20, 'MiB:', repr(e))\n"
                      "            break\n"
                      "for d in ['.', '/tmp', '/dev/shm']:\n"
                      "    for name in os.listdir(d):\n"
                      "        if name.startswith('ESCAPE_MARK'):\n"
                      "            os.remove(os.path.join(d, name))")], loses=()),
    # A process that outlives the kernel (own session, double fork) and then goes on overwriting the
    # control student's notebook: it must die with the kernel.
    "background_process": dict(steps=[("extra", "rnn_step",
                               "import os, sys\n"
                               "loop = ('import time, shutil\\n'\n"
                               "        'while True:\\n'\n"
                               "        '    try:\\n'\n"
                               "        \"        shutil.copy('COURSE/exercises/01_rnn_basics/01_rnn_basics.ipynb', \"\n"
                               "        \"'COURSE/submitted/control/01_rnn_basics/01_rnn_basics.ipynb')\\n\"\n"
                               "        '    except OSError:\\n'\n"
                               "        '        pass\\n'\n"
                               "        '    time.sleep(0.2)\\n')\n"
                               "if os.fork() == 0:\n"
                               "    os.setsid()\n"
                               "    if os.fork() == 0:\n"
                               "        os.execv(sys.executable, [sys.executable, '-c', loop, 'ESCAPE_MARK'])\n"
                               "    os._exit(0)\n"
                               "os.wait()\n"
                               "print('started')")], loses=()),
}


# ---------------------------------------------------------------- building and grading a class of attacks

A = ASSIGNMENT
# Grading flags of every hostile class: a short cell timeout, a memory limit below the 4 GiB bomb, and
# small process and tmpfs limits (the fork bomb and the disk filler stop sooner).
PROCESSES, TMP_MB = 96, 64
FLAGS = ("--Execute.timeout=5", "--LimitedKernelManager.memory_mb=3072",
         f"--LimitedKernelManager.processes={PROCESSES}", f"--LimitedKernelManager.tmp_mb={TMP_MB}")
SOURCE = nbformat.read(ROOT / nb_path("solutions", A), as_version=4)
RELEASE = nbformat.read(ROOT / nb_path("exercises", A), as_version=4)
AUTO = {g: p for g, (p, auto) in graded_cells(SOURCE).items() if auto}


def build(steps):
    """The solved release changed by an attack's steps (see tests/hostile_attacks.py)."""
    nb = answered(RELEASE, SOURCE)
    wrong = load_catalogue(A).WRONG
    for step in steps:
        kind, args = step[0], step[1:]
        if kind == "extra":
            nb.cells.insert(nb.cells.index(cell_by_id(nb, args[0])) + 1, new_code_cell(args[1]))
        elif kind == "append":
            nb.cells.append(new_code_cell(args[0]))
        elif kind in ("answer", "test_source"):
            cell_by_id(nb, args[0]).source = args[1]
        elif kind == "mistake":
            w = wrong[args[0]]
            for cell_id, find, replace in w.get("edits") or [(w["cell"], w["find"], w["replace"])]:
                edit(nb, cell_id, find, replace, args[0])
        elif kind == "delete":
            nb.cells.remove(cell_by_id(nb, args[0]))
        elif kind == "metadata":
            cell_by_id(nb, args[0]).metadata["nbgrader"].update(args[1])
        elif kind == "fake_graded":
            cell = new_code_cell(args[2])
            cell.metadata["nbgrader"] = dict(grade=True, solution=False, locked=True, points=100, grade_id=args[1],
                                             schema_version=3, task=False)
            nb.cells.insert(nb.cells.index(cell_by_id(nb, args[0])) + 1, cell)
        else:
            raise ValueError(f"unknown attack step {kind!r}")
    return nb


def expected(loses):
    lost = set(AUTO) if loses == ALL else set(loses)
    assert lost <= set(AUTO), f"unknown test cells {lost - set(AUTO)}"
    return {g: (0.0 if g in lost else p) for g, p in AUTO.items()}


def aimed(nb, course, port):
    """The attack notebook with its placeholders (COURSE, PORT, ESCAPE_MARK) filled in."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = (cell.source.replace("COURSE", str(course)).replace("PORT", str(port))
                           .replace("ESCAPE_MARK", ESCAPE_MARK))
    return nb


def grade_class(workdir, cases, *flags, before_grading=None):
    """Write every case as a student's submission and grade the class in one autograde run.

    ``before_grading(course)`` runs after the submissions are written, just before autograde.
    """
    course = course_copy(Path(workdir).resolve() / "course", [A])
    nbgrader(course, "generate_assignment", A, "--force")
    write_submissions(course, A, cases)
    if before_grading:
        before_grading(course)
    log = nbgrader(course, "autograde", A, "--force", *FLAGS, *flags, timeout=900, check=False).stderr
    return course, log


def auto_scores(course, students):
    """{student: {grade_id: score}} of the autograded test cells (the written answer waits for a human)."""
    return {s: {g: v for g, v in cells.items() if g in AUTO} for s, cells in read_scores(course, A, students).items()}


def feedback_errors(course, student):
    """The error names and messages of the autograded notebook's test cells."""
    nb = nbformat.read(course / nb_path("autograded", A, student), as_version=4)
    return " ".join(f"{o['ename']}: {o['evalue']}" for c in nb.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) if o["output_type"] == "error")


