"""The grading sandbox (rnncourse.grading.sandbox) from inside, in real bwrap processes, and in real
`nbgrader autograde` runs: where no sandbox can start (autograde stops before grading anyone; the
opt-out grades) and as an ordinary user (a throwaway account, when the tests run as root).

The attacks on a whole class graded in the sandbox are in tests/test_hostile_grading.py.
"""
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbgrader_harness import ROOT, answered, course_copy, nb_path, nbgrader, read_scores, write_submissions

import hostile_attacks as attacks
from rnncourse.grading import sandbox

SECRET = "token-rnncourse-sandbox-test"


def run_inside(code, tmp_path, **settings):
    """Run ``python -c code`` in a sandbox with these settings; the working directory holds one notebook."""
    work = tmp_path / "submitted" / "student" / "a"
    work.mkdir(parents=True, exist_ok=True)
    (work / "a.ipynb").write_text("{}")
    private = tempfile.mkdtemp(prefix="rnncourse-kernel-")
    try:
        cmd = [sys.executable, "-m", "rnncourse.grading.sandbox", *sandbox.Settings(**settings).args(), "--",
               sys.executable, "-c", code, "-f", os.path.join(private, "kernel.json")]
        return subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, RNNCOURSE_SECRET=SECRET))
    finally:
        sandbox.remove_private(private)


SEEN = """
import json, os, socket
status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)
print(json.dumps(dict(uid=os.getuid(), gid=os.getgid(), nnp=status['NoNewPrivs'].strip(), caps=status['CapEff'].strip(),
    interfaces=[n for _, n in socket.if_nameindex()], root=sorted(os.listdir('/')), cwd=os.getcwd(),
    work=sorted(os.listdir('.')), env=sorted(os.environ), secret=any('SECRET' in k for k in os.environ),
    pids=sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
    tests=os.path.exists(%r), home=os.path.exists('/home/' + %r),
    pid1_env=open('/proc/1/environ').read())))
"""


def test_sandbox_sees_only_its_environment_and_its_files(tmp_path):
    proc = run_inside(SEEN % (str(ROOT / "tests"), pwd.getpwuid(os.getuid()).pw_name), tmp_path)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert (seen["uid"], seen["gid"], seen["nnp"], int(seen["caps"], 16)) == (65534, 65534, "1", 0), seen
    assert seen["interfaces"] == ["lo"], f"the sandbox has a network: {seen['interfaces']}"
    tops = {p.strip("/").split("/")[0] for p in sandbox.read_only_paths()}
    assert set(seen["root"]) == tops | {"bin", "lib", "lib64", "sbin", "dev", "proc", "tmp", "home", "run"}, seen
    assert not seen["tests"] and not seen["home"], "the repository or the grader's home is visible"
    assert (seen["cwd"], seen["work"]) == ("/home/student/submission", ["a.ipynb"]), seen
    assert set(seen["env"]) <= {"HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "PATH", "PWD", *sandbox.KEEP_ENV}, seen
    assert not seen["secret"] and SECRET not in seen["pid1_env"], "the grader's environment is readable"
    assert len(seen["pids"]) <= 3, f"processes of the host are visible: {seen['pids']}"


LIMITS = """
import os, resource
out = {}
try:
    open('/tmp/big', 'wb').write(b'x' * (3 * 2**20)); out['fsize'] = 'written'
except OSError as e:
    out['fsize'] = e.strerror
os.remove('/tmp/big') if os.path.exists('/tmp/big') else None
try:
    for i in range(8):
        open(f'/tmp/f{i}', 'wb').write(b'x' * 2**20)
    out['tmpfs'] = 'written'
except OSError as e:
    out['tmpfs'] = e.strerror
try:
    bytearray(2**31); out['memory'] = 'allocated'
except MemoryError:
    out['memory'] = 'MemoryError'
n = 0
try:
    while n < 1000:
        if os.fork() == 0:
            os.pause()
        n += 1
except OSError as e:
    out['forks'] = (n, e.strerror)
print(__import__('json').dumps(out), flush=True)
while True:
    pass
"""


def test_sandbox_limits_hold(tmp_path):
    """File size, tmpfs size, memory, processes, then CPU seconds: the busy loop at the end is killed."""
    proc = run_inside(LIMITS, tmp_path, file_mb=2, tmp_mb=4, memory_mb=1024, processes=24, cpu_seconds=2)
    out = json.loads(proc.stdout.splitlines()[0])
    assert out["fsize"] == "File too large" and out["tmpfs"] == "No space left on device", out
    assert out["memory"] == "MemoryError", out
    forks, why = out["forks"]
    assert forks < 24 and why == "Resource temporarily unavailable", out
    assert proc.returncode != 0, "the CPU-bound loop was not stopped"


def test_probe_says_why_and_how_to_opt_out():
    with pytest.raises(sandbox.SandboxUnavailable, match=r"bubblewrap is not installed.*sandbox = False"):
        sandbox.probe(sandbox.Settings(bwrap="/nonexistent/bwrap"))
    with pytest.raises(sandbox.SandboxUnavailable, match=r"`/bin/false` failed \(exit 1\).*sandbox = False"):
        sandbox.probe(sandbox.Settings(bwrap="/bin/false"))
    seen = sandbox.probe(sandbox.Settings())
    assert seen["uid"] != 0 and seen["interfaces"] == ["lo"] and seen["nnp"] == "1"


# ---------------------------------------------------------------- real nbgrader runs

A = attacks.A


def small_class(where, cases):
    course = course_copy(where, [A])
    nbgrader(course, "generate_assignment", A, "--force")
    write_submissions(course, A, cases)
    return course


@pytest.mark.slow
def test_autograde_stops_before_grading_anyone_without_a_sandbox(tmp_path):
    solved = answered(attacks.RELEASE, attacks.SOURCE)
    course = small_class(tmp_path / "course", {"ada": solved, "alan": solved})
    before = {p: p.read_bytes() for p in (course / "submitted").rglob("*.ipynb")}
    proc = nbgrader(course, "autograde", A, "--LimitedKernelManager.bwrap=/nonexistent/bwrap", check=False)
    assert proc.returncode != 0
    log = proc.stderr
    assert "stopped before grading anyone" in log and "bubblewrap is not installed" in log, log[-3000:]
    assert "c.LimitedKernelManager.sandbox = False" in log, log[-3000:]
    assert not (course / "autograded").exists(), "a student was graded without the sandbox"
    assert {p: p.read_bytes() for p in (course / "submitted").rglob("*.ipynb")} == before
    # the opt-out grades, without the sandbox, and says so
    proc = nbgrader(course, "autograde", A, "--LimitedKernelManager.bwrap=/nonexistent/bwrap",
                    "--LimitedKernelManager.sandbox=False")
    assert "grading WITHOUT the sandbox" in proc.stderr
    full = {g: p for g, p in attacks.AUTO.items()}
    assert {s: {g: v for g, v in c.items() if g in full} for s, c in read_scores(course, A, ["ada", "alan"]).items()} \
        == {"ada": full, "alan": full}


USER = "rnncourse-grader"


@pytest.fixture
def ordinary_user():
    """A throwaway account (created as root, deleted afterwards), or this user when not root."""
    if os.geteuid() != 0:
        yield pwd.getpwuid(os.getuid())
        return
    subprocess.run(["userdel", USER], capture_output=True)
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
    try:
        yield pwd.getpwnam(USER)
    finally:
        subprocess.run(["userdel", USER], check=True)  # fails while a process of the user is left


def as_user(user, cmd, cwd, home):
    """cmd as ``user``; as root, in a mount namespace of its own where /root holds only /root/.pyenv
    (this machine's Python lives there; /root itself is closed to other users)."""
    env = ["env", "-i", f"HOME={home}", f"PATH={Path(sys.executable).parent}:/usr/bin:/bin", "LANG=C.UTF-8"]
    if os.geteuid() != 0:
        return subprocess.run(env + cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    stage = tempfile.mkdtemp(prefix="rnncourse-stage-")
    script = ('set -e; mount --bind /root/.pyenv "$0"; mount -t tmpfs -o mode=755 tmpfs /root; mkdir /root/.pyenv; '
              'mount --bind "$0" /root/.pyenv; cd "$1"; shift; exec "$@"') if Path("/root/.pyenv").is_dir() else \
        'cd "$1"; shift; exec "$@"'
    try:
        return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, stage, str(cwd),
                               "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
                               *env, *cmd], capture_output=True, text=True, timeout=900)
    finally:
        os.rmdir(stage)


def closed_to_others(path):
    """The folders above ``path`` that a user other than their owner cannot pass through (no o+x)."""
    return [p for p in Path(path).parents if not p.stat().st_mode & 0o001]


@pytest.mark.slow
def test_autograde_in_the_sandbox_as_an_ordinary_user(ordinary_user):
    """One real autograde run by a user who is not root: the solution, a forged gradebook, a fork bomb."""
    venv = Path(sys.executable).parent
    closed = closed_to_others(venv)
    assert not closed, (f"the ordinary user cannot reach this checkout's {venv}: {', '.join(map(str, closed))} "
                        "has no execute permission for others; clone the project under a folder others can pass "
                        f"through, or `chmod o+x {closed[0]}`")
    where = Path(tempfile.mkdtemp(prefix="rnncourse-user-"))  # not under pytest's tmp: the user reads it
    try:
        course = where / "course"
        cases = {"solution": answered(attacks.RELEASE, attacks.SOURCE)}
        for name in ("write_gradebook", "fork_bomb"):
            cases[name] = attacks.aimed(attacks.build(attacks.SANDBOX[name]["steps"]), course, 9)
        course = small_class(course, cases)
        (where / "home").mkdir()
        for p in [where, *where.rglob("*")]:
            os.lchown(p, ordinary_user.pw_uid, ordinary_user.pw_gid)
        proc = as_user(ordinary_user, [str(Path(sys.executable).with_name("nbgrader")), "autograde", A, *attacks.FLAGS],
                       course, where / "home")
        assert proc.returncode == 0, proc.stderr[-4000:]
        got = {s: {g: v for g, v in c.items() if g in attacks.AUTO} for s, c in read_scores(course, A, cases).items()}
        want = {"solution": attacks.expected(()), "write_gradebook": attacks.expected(attacks.SANDBOX["write_gradebook"]["loses"]),
                "fork_bomb": attacks.expected(())}
        assert got == want
        for student in ("write_gradebook", "fork_bomb"):
            nb = nbformat.read(course / nb_path("autograded", A, student), as_version=4)
            text = " ".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
            assert "ESCAPED" not in text, text[:2000]
        assert "stopped after" in text and "Resource temporarily unavailable" in text, text[-2000:]
    finally:
        shutil.rmtree(where, ignore_errors=True)


# The answer is 1 in a sandbox and 4 when the kernel sees the grader's world (a course or gradebook next
# to its folder, root, a network interface besides lo, processes besides its own).
ESCAPE_PROBE = """import glob, os, socket
seen = (glob.glob('../../../gradebook.db') + glob.glob('../../../*/*/toy')
        + [n for _, n in socket.if_nameindex() if n != 'lo'] + (['root'] if os.getuid() == 0 else [])
        + (['pids'] if len([p for p in os.listdir('/proc') if p.isdigit()]) > 5 else []))
print(seen)
answer = 4 if seen else 1"""


@pytest.mark.slow
def test_parallel_grading_runs_in_the_sandbox(tmp_path):
    """rnncourse.grading.parallel (Dask workers, one nbgrader per batch) grades through the course's
    nbgrader_config.py, so in the sandbox: the probe scores 1 point, the honest students as always."""
    from grading_fixtures import scores, toy_course
    from rnncourse.grading.parallel import grade_class
    answers = {"probe": ESCAPE_PROBE, "s2": "answer = 2", "s4": "answer = 4"}
    course = toy_course(tmp_path / "course", answers)
    r = grade_class(course, "toy", workers=2)
    assert (sorted(r.graded), r.failed) == (sorted(answers), {}), r.failed
    got = {s: sum(v.values()) for s, v in scores(f"sqlite:///{course / 'gradebook.db'}", answers, "toy").items()}
    assert got == {"probe": 1.0, "s2": 2.0, "s4": 4.0}, got
