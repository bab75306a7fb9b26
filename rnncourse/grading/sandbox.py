"""The grading kernel's launcher and sandbox: each kernel runs in Linux namespaces made by bubblewrap (``bwrap``).

``kernel.LimitedKernelManager`` starts every grading kernel as
``python -m rnncourse.grading.sandbox [options] -- <ipykernel command>`` (:func:`main`; this module
imports little, as it runs twice per kernel). On the grader's side :func:`enter` ``exec``s ``bwrap``,
which starts this launcher once more inside the sandbox, where :func:`inside` sets the resource limits
and copies the submission before ipykernel starts, with ``guard.seal()`` as its start-up line. What the
kernel gets:

* no network: a network namespace of its own (only ``lo``); it talks to nbgrader through ZeroMQ IPC
  sockets in ``private``, a directory of its own that nbgrader created for it (bound read-write);
* a filesystem of its own: ``/usr`` and the Python environment (``sys.prefix``, the base interpreter's
  prefix, the rnncourse package) read-only; a copy of its notebook's folder in ``/home/student``, ``/tmp``
  and ``/dev/shm``, private size-limited tmpfs; the submitted folder itself read-only in ``/run/submission``;
  ``/`` and ``/dev`` read-only.
  Nothing else exists: no course directory, gradebook, other students, home directories, ``/etc``;
* a non-root user id (``uid``, 65534) with no new privileges and no capabilities, even when the grader is
  root: a root grader drops to ``uid`` before ``bwrap`` (so that RLIMIT_NPROC, which never binds root,
  binds the sandbox), after binding what only root may read into a private staging directory;
* its own PID namespace (``--die-with-parent``): when the kernel ends, every process it started dies;
* RLIMIT_AS (memory), RLIMIT_CPU (CPU seconds of the notebook), RLIMIT_NPROC (processes and threads, a
  fork bomb), RLIMIT_FSIZE (one file's size), no core files;
* an environment of its own: HOME, PATH, LANG, USER and the thread-count variables in ``keep_env``.

:func:`probe` starts a sandbox with the same settings and checks it from inside; ``nbgrader autograde``
runs it before grading anyone (``kernel.SandboxCheckedExporter``) and stops when it fails.
With ``--no-sandbox`` (``c.LimitedKernelManager.sandbox = False``) the launcher only sets the limits.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import rnncourse

SEAL = "import rnncourse.grading.guard as _rnncourse_guard; _rnncourse_guard.seal(); del _rnncourse_guard"
HOME = "/home/student"
SUBMISSION = "/run/submission"
STAGE_SUFFIX = "-stage"   # <private>-stage: where a root grader binds what the sandbox user may not read
# Variables a kernel may keep from the grader's environment: locale and thread counts, nothing secret.
KEEP_ENV = ("LANG", "LC_ALL", "TZ", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
            "KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")
OPT_OUT = ("set `c.LimitedKernelManager.sandbox = False` in nbgrader_config.py (or pass "
           "--LimitedKernelManager.sandbox=False) to grade without the sandbox: student code then runs with "
           "your user's files and network (docs/THREAT_MODEL.md)")


class SandboxUnavailable(RuntimeError):
    """No sandbox can start here; the message says why and how to grade anyway."""


@dataclass
class Settings:
    """What a sandboxed kernel may use (MiB, seconds, counts; 0 switches a limit off)."""
    memory_mb: int = 8192      # RLIMIT_AS, address space of each process
    cpu_seconds: int = 1800    # RLIMIT_CPU of the kernel: CPU seconds for the whole notebook
    processes: int = 512       # RLIMIT_NPROC inside the sandbox: processes + threads
    file_mb: int = 1024        # RLIMIT_FSIZE: the largest file the kernel may write
    tmp_mb: int = 1024         # size of each private tmpfs (/tmp and /home/student)
    bwrap: str = "bwrap"
    uid: int = 65534           # the sandbox's user (and group) id, inside and, for a root grader, outside
    keep_env: tuple = KEEP_ENV
    sandbox: bool = True

    def args(self):
        """The launcher's command-line options for these settings."""
        out = ["--memory-mb", str(self.memory_mb), "--cpu-seconds", str(self.cpu_seconds),
               "--processes", str(self.processes), "--file-mb", str(self.file_mb), "--tmp-mb", str(self.tmp_mb),
               "--bwrap", self.bwrap, "--uid", str(self.uid), "--keep-env", ",".join(self.keep_env)]
        return out + ([] if self.sandbox else ["--no-sandbox"])

    @classmethod
    def parse(cls, argv):
        """(Settings, inside?, command) from ``[options] -- <command>`` (see :meth:`args`)."""
        if "--" not in argv:
            raise SystemExit(f"usage: python -m rnncourse.grading.sandbox [options] -- <kernel command>, got {argv}")
        split = argv.index("--")
        opts, cmd = argv[:split], argv[split + 1:]
        s, inside, i = cls(), False, 0
        names = {"--memory-mb": "memory_mb", "--cpu-seconds": "cpu_seconds", "--processes": "processes",
                 "--file-mb": "file_mb", "--tmp-mb": "tmp_mb", "--uid": "uid"}
        while i < len(opts):
            o = opts[i]
            if o in names:
                setattr(s, names[o], int(opts[i + 1]))
                i += 2
            elif o == "--bwrap":
                s.bwrap, i = opts[i + 1], i + 2
            elif o == "--keep-env":
                s.keep_env, i = tuple(v for v in opts[i + 1].split(",") if v), i + 2
            elif o in ("--no-sandbox", "--inside"):
                s.sandbox, inside = (s.sandbox and o != "--no-sandbox"), inside or o == "--inside"
                i += 1
            else:
                raise SystemExit(f"unknown option {o!r} of rnncourse.grading.sandbox (options: "
                                 f"{', '.join([*names, '--bwrap', '--keep-env', '--no-sandbox'])})")
        if not cmd:
            raise SystemExit("rnncourse.grading.sandbox: no kernel command after `--`")
        return s, inside, cmd


def read_only_paths():
    """Host directories the kernel needs, read-only: /usr, the Python environment, the rnncourse package."""
    package = Path(rnncourse.__file__).resolve().parent
    paths = ["/usr", sys.prefix, sys.base_prefix, str(package)]
    out = []
    for p in sorted({os.path.realpath(p) for p in paths}, key=len):
        if not any(p == q or p.startswith(q + "/") for q in out):
            out.append(p)
    return out


def bwrap_command(settings, private, submission, inner):
    """The bwrap command line: ``private`` bound read-write, ``submission`` read-only, then ``inner``.

    Read-only sources are the host paths (or, for a root grader, their staged binds: see :func:`enter`).
    """
    mb = 2**20
    cmd = [settings.bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
           "--new-session", "--uid", str(settings.uid), "--gid", str(settings.uid), "--hostname", "sandbox",
           "--clearenv", "--proc", "/proc", "--dev", "/dev"]
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{link}"):
            cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
    # The private tmpfs first: a Python environment or course clone that lives under /tmp is then
    # bound on top of the sandbox's own /tmp instead of being hidden by it.
    cmd += ["--size", str(settings.tmp_mb * mb), "--tmpfs", "/tmp",
            "--size", str(settings.tmp_mb * mb), "--tmpfs", HOME,
            "--size", str(settings.tmp_mb * mb), "--tmpfs", "/dev/shm"]
    for source, dest in settings_sources(settings):
        cmd += ["--ro-bind", source, dest]
    cmd += ["--bind", private, private, "--ro-bind", submission, SUBMISSION,
            # bwrap's own / and /dev are unbounded tmpfs: read-only, so the limited tmpfs are the only room
            "--remount-ro", "/dev", "--remount-ro", "/"]
    for k, v in sandbox_env(settings).items():
        cmd += ["--setenv", k, v]
    return cmd + ["--chdir", HOME, "--", *inner]


def sandbox_env(settings):
    """The kernel's whole environment: HOME, USER, LOGNAME, TMPDIR, LANG, PATH, and ``keep_env`` if set."""
    env = {"HOME": HOME, "USER": "student", "LOGNAME": "student", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
           "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin"}
    env.update({k: os.environ[k] for k in settings.keep_env if k in os.environ})
    return env


def settings_sources(settings):
    """[(source, dest)] of the read-only binds; a root grader's sources are staged (see :func:`enter`)."""
    return getattr(settings, "_sources", None) or [(p, p) for p in read_only_paths()]


# ---------------------------------------------------------------- the grader's side

_libc = None


def _sys(name, *args):
    global _libc
    _libc = _libc or ctypes.CDLL(None, use_errno=True)
    if getattr(_libc, name)(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{name}{args}: {os.strerror(err)}")


def _stage_for_root(settings, private, submission):
    """As root: bind what the sandbox user may not reach (e.g. a Python in /root/.pyenv) into
    <private>-stage, in a mount namespace of this process only (the host's mounts are untouched), and
    give the kernel's files, with a copy of the submitted folder, to the sandbox user.

    Returns the copy's path.
    """
    MS_BIND, MS_REC, MS_PRIVATE, CLONE_NEWNS = 4096, 1 << 14, 1 << 18, 0x00020000
    stage = Path(private + STAGE_SUFFIX)
    stage.mkdir(mode=0o711, exist_ok=True)
    _sys("unshare", CLONE_NEWNS)
    _sys("mount", None, b"/", None, MS_REC | MS_PRIVATE, None)
    settings._sources = []
    for i, path in enumerate(read_only_paths()):
        target = stage / str(i)
        target.mkdir(exist_ok=True)
        _sys("mount", path.encode(), str(target).encode(), None, MS_BIND | MS_REC, None)
        settings._sources.append((str(target), path))
    copy = os.path.join(private, "submission")
    shutil.copytree(submission, copy, symlinks=True)
    for parent, dirs, files in os.walk(private):
        for p in [parent, *(os.path.join(parent, f) for f in dirs + files)]:
            os.lchown(p, settings.uid, settings.uid)
    return copy


def enter(settings, connection_file, kernel_cmd):
    """Replace this process by bwrap running ``kernel_cmd`` in the sandbox (the grader's side, stage 1).

    ``connection_file`` (``-f`` of the kernel command) lies in the kernel's private directory, which the
    kernel manager made for it; the sandbox binds that directory, and the kernel's working directory
    (the submitted folder nbgrader gives it) read-only.
    """
    private = os.path.dirname(os.path.abspath(connection_file))
    submission = os.getcwd()
    if os.geteuid() == 0:
        submission = _stage_for_root(settings, private, submission)
        os.setgroups([])
        os.setresgid(settings.uid, settings.uid, settings.uid)
        os.setresuid(settings.uid, settings.uid, settings.uid)
        os.chdir("/")
    inner = [sys.executable, "-m", "rnncourse.grading.sandbox", "--inside", *settings.args(), "--", *kernel_cmd]
    cmd = bwrap_command(settings, private, submission, inner)
    path = shutil.which(cmd[0])
    try:
        # bwrap itself (the sandbox's PID 1, whose /proc/1/environ the kernel can read) gets the clean
        # environment too, not the grader's
        os.execve(path or cmd[0], cmd, sandbox_env(settings))
    except OSError as e:
        raise SystemExit(f"rnncourse.grading.sandbox: cannot start the sandbox ({settings.bwrap}: {e}); " + OPT_OUT)


# ---------------------------------------------------------------- inside the sandbox

def remove_private(private):
    """Delete a kernel's private directory and its staging directory (empty once the kernel has ended)."""
    shutil.rmtree(private, ignore_errors=True)
    shutil.rmtree(private + STAGE_SUFFIX, ignore_errors=True)


def set_limits(settings):
    """RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE of this process and what it starts, no core files; in the sandbox
    RLIMIT_NPROC too (outside, it would count every process of the grader's user)."""
    mb = 2**20
    limits = [(resource.RLIMIT_AS, settings.memory_mb * mb), (resource.RLIMIT_CPU, settings.cpu_seconds),
              (resource.RLIMIT_FSIZE, settings.file_mb * mb), (resource.RLIMIT_CORE, 0)]
    if settings.sandbox:
        limits.append((resource.RLIMIT_NPROC, settings.processes))
    for which, value in limits:
        if value > 0 or which == resource.RLIMIT_CORE:
            # RLIMIT_CPU: SIGXCPU at the soft limit (the kernel dies: GradingExecute marks the rest), SIGKILL 5 s on
            hard = value + 5 if which == resource.RLIMIT_CPU else value
            resource.setrlimit(which, (value, hard))
    # A write beyond RLIMIT_FSIZE then fails with an OSError in the student's cell instead of killing the kernel.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def inside(settings):
    """Stage 2, in the sandbox: limits, then a writable copy of the submitted folder as working directory."""
    set_limits(settings)
    work = os.path.join(HOME, "submission")
    shutil.copytree(SUBMISSION, work, symlinks=True, dirs_exist_ok=True)
    os.chdir(work)


# ---------------------------------------------------------------- does a sandbox start here?

CHECK = """
import json, os, socket
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
print(json.dumps({"uid": os.getuid(), "nnp": status.get("NoNewPrivs", "").strip(),
                  "interfaces": [n for _, n in socket.if_nameindex()], "root": sorted(os.listdir("/")),
                  "pid": os.getpid(), "cwd": os.getcwd()}))
"""


def probe(settings, timeout=60):
    """Start a sandbox with ``settings`` and check it from inside; raise SandboxUnavailable with the reason.

    Returns what the sandbox saw: uid, NoNewPrivs, network interfaces, the entries of /, its pid.
    """
    why = None
    if not sys.platform.startswith("linux"):
        why = f"the grading sandbox needs Linux namespaces, and this is {sys.platform}"
    elif shutil.which(settings.bwrap) is None:
        why = (f"bubblewrap is not installed (no {settings.bwrap!r} on PATH; Debian/Ubuntu: "
               f"`apt-get install bubblewrap`, Fedora: `dnf install bubblewrap`)")
    if why:
        raise SandboxUnavailable(f"no grading sandbox: {why}. Install it, or " + OPT_OUT)
    private = tempfile.mkdtemp(prefix="rnncourse-kernel-")
    work = tempfile.mkdtemp(prefix="rnncourse-probe-")
    try:
        cmd = [sys.executable, "-m", "rnncourse.grading.sandbox", *settings.args(), "--",
               sys.executable, "-c", CHECK, "-f", os.path.join(private, "kernel.json")]
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=timeout)
    finally:
        remove_private(private)
        shutil.rmtree(work, ignore_errors=True)
    try:
        seen = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise SandboxUnavailable(f"no grading sandbox: `{settings.bwrap}` failed (exit {proc.returncode}): "
                                 f"{(proc.stderr or proc.stdout).strip()[-600:]} (e.g. user namespaces are disabled here, as in "
                                 f"some containers or with kernel.apparmor_restrict_unprivileged_userns). "
                                 + OPT_OUT) from None
    wrong = [w for w, bad in [("it runs as root", seen["uid"] == 0), ("new privileges are allowed", seen["nnp"] != "1"),
                              (f"it has network interfaces {seen['interfaces']}", seen["interfaces"] != ["lo"])] if bad]
    if wrong:
        raise SandboxUnavailable("the grading sandbox is not sealed: " + ", ".join(wrong) + ". " + OPT_OUT)
    return seen


# ---------------------------------------------------------------- the launcher

def main(argv):
    """``[options] -- <kernel command>`` (options: :meth:`Settings.args`): sandbox, limits, then the kernel.

    On the grader's side this process becomes bwrap, which runs this module again (``--inside``) in the
    sandbox; there (or without the sandbox, at once) it sets the limits and runs the kernel command in
    this process, so the limits hold: ``<python> -m ipykernel_launcher -f <connection file> ...`` with the
    start-up line that seals the guard, or any other command (the probe's check) by exec.
    """
    settings, inside_, cmd = Settings.parse(argv)
    if settings.sandbox and not inside_:
        if "-f" not in cmd[:-1]:
            raise SystemExit(f"expected a kernel command with `-f <connection file>`, got {cmd}")
        enter(settings, cmd[cmd.index("-f") + 1], cmd)  # does not return
    if inside_:
        inside(settings)
    else:
        set_limits(settings)
    if cmd[1:3] != ["-m", "ipykernel_launcher"]:
        os.execv(cmd[0], cmd)
    sys.argv = ["ipykernel_launcher", *cmd[3:], f"--IPKernelApp.exec_lines={SEAL}"]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
