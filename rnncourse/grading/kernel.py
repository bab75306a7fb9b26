"""The grading kernel: ipykernel in a sandbox, under resource limits, with ``guard`` sealed before any cell runs.

nbgrader starts every submission's kernel through ``LimitedKernelManager`` (set in nbgrader_config.py
through ``GradingExecute``), which prefixes the kernel command with
``python -m rnncourse.grading.sandbox [limits and sandbox options] --`` . This launcher starts the kernel in
its sandbox (no network, no course files, a non-root user, its own PID
namespace; the kernel talks to nbgrader over IPC sockets in a private directory), under RLIMIT_AS (the
address space: an allocation beyond it raises MemoryError in the student's cell instead of taking the
machine down), RLIMIT_CPU, RLIMIT_NPROC and RLIMIT_FSIZE, then runs ipykernel with one start-up line,
``guard.seal()``, which records the pristine NumPy, math, builtins, sys and rnncourse objects before the
first cell of the notebook runs. ``SandboxCheckedExporter`` (``c.Autograde.exporter_class``) makes
``nbgrader autograde`` stop before grading anyone when no sandbox can start here.

``GradingExecute`` also survives a kernel that dies (``os._exit``, a segmentation fault, the kernel
killed for memory): the cells that ran keep their results, the cell that killed the kernel and every
later cell get an error output, so the submission keeps the points earned before the crash.
"""
from __future__ import annotations

import os
import sys
import tempfile

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbconvert.exporters import NotebookExporter
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode, default

from rnncourse.grading import sandbox as sandboxing

class LimitedKernelManager(AsyncKernelManager):
    """Start the kernel through this module's launcher: in the sandbox, under resource limits (0: no limit)."""

    memory_mb = Integer(8192, help="RLIMIT_AS of the grading kernel in MiB (0: no limit). Importing "
                                   "NumPy + ipykernel needs ~1.3 GiB of address space, TensorFlow or "
                                   "PyTorch ~4-5 GiB (measured in docs/THREAT_MODEL.md).").tag(config=True)
    sandbox = Bool(True, help="Run every grading kernel in the sandbox (rnncourse.grading.sandbox: no network, "
                              "no course files, non-root). False grades without it: student code then runs with "
                              "your user's files and network.").tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap program that builds the sandbox").tag(config=True)
    cpu_seconds = Integer(help="RLIMIT_CPU: CPU seconds of one notebook's kernel, all its threads together. "
                               "Default: 900 per core (BLAS and framework threads run, and spin, on every "
                               "core)").tag(config=True)
    processes = Integer(help="RLIMIT_NPROC in the sandbox: processes and threads (a fork bomb stops there). "
                             "Default: 512, or 16 per core on larger machines (PyTorch, TensorFlow and OpenBLAS "
                             "start threads per core)").tag(config=True)
    file_mb = Integer(1024, help="RLIMIT_FSIZE in MiB: the largest file the kernel may write").tag(config=True)
    tmp_mb = Integer(1024, help="MiB of each private tmpfs of the sandbox (/tmp and the working copy in "
                                "/home/student)").tag(config=True)
    sandbox_uid = Integer(65534, help="User and group id in the sandbox (and of a root grader's kernels)").tag(config=True)
    keep_env = List(Unicode(), list(sandboxing.KEEP_ENV), help="Environment variables the kernel keeps from the "
                    "grader's (none secret: every other one is dropped)").tag(config=True)

    @default("cpu_seconds")
    def _cpu_seconds_default(self):
        return 900 * (os.cpu_count() or 1)

    @default("processes")
    def _processes_default(self):
        return max(512, 16 * (os.cpu_count() or 1))

    private_dirs = []   # every kernel's private directory, until GradingExecute removes it

    def settings(self):
        return sandboxing.Settings(memory_mb=self.memory_mb, cpu_seconds=self.cpu_seconds, processes=self.processes,
                                file_mb=self.file_mb, tmp_mb=self.tmp_mb, bwrap=self.bwrap, uid=self.sandbox_uid,
                                keep_env=tuple(self.keep_env), sandbox=self.sandbox)

    async def _async_pre_start_kernel(self, **kw):
        if self.sandbox:
            # IPC sockets (files) instead of TCP: the kernel has no network. They and the connection file
            # live in a directory of this kernel's own, the only host directory the sandbox may write.
            self._private = tempfile.mkdtemp(prefix="rnncourse-kernel-")
            LimitedKernelManager.private_dirs.append(self._private)
            self.transport, self.connection_file = "ipc", os.path.join(self._private, "kernel.json")
            self.ip = os.path.join(self._private, "ipc")
            # The kernel is in its own session: interrupt it by a message, not by a signal to bwrap.
            self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, "-m", "rnncourse.grading.sandbox", *self.settings().args(), "--", *cmd]

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart)
        if getattr(self, "_private", None) and not restart:
            sandboxing.remove_private(self._private)


class SandboxCheckedExporter(NotebookExporter):
    """nbgrader autograde's exporter, which first checks that a grading sandbox starts (once per process).

    Created before the first student is graded; when no sandbox can start (no bubblewrap, macOS, user
    namespaces forbidden), autograde stops there with the reason and the opt-out, grading nobody.
    """

    _checked = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        manager = LimitedKernelManager(config=self.config)
        if manager.sandbox and not SandboxCheckedExporter._checked:
            try:
                sandboxing.probe(manager.settings())
            except sandboxing.SandboxUnavailable as e:
                self.log.error("%s", e)
                raise SystemExit(f"nbgrader autograde stopped before grading anyone: {e}") from None
            SandboxCheckedExporter._checked = True
        elif not manager.sandbox:
            self.log.warning("grading WITHOUT the sandbox (c.LimitedKernelManager.sandbox = False): student "
                             "code runs with this user's files and network")


class GradingExecute(Execute):
    """nbgrader's Execute with the limited kernel, and grading that goes on after a kernel death."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", LimitedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._died = None
        try:
            return super().preprocess(nb, resources, km)
        except DeadKernelError:
            # Raised again when the dead kernel is shut down; the notebook already holds every cell's result.
            if self._died is None:
                raise
            return self.nb, self.resources
        finally:
            # The shutdown of a dead kernel stops before the manager's clean-up: its private directory
            # (sockets, the copy of the submission) would stay behind in /tmp.
            while LimitedKernelManager.private_dirs:
                sandboxing.remove_private(LimitedKernelManager.private_dirs.pop())

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._died is not None:
            cell.outputs = [_died_output(f"the kernel died in an earlier cell ({self._died}); this cell did not run")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died = f"cell {index}"
            self.log.warning("The kernel died in cell %d (exit, crash or memory limit); "
                             "the later cells are marked as not run", index)
            cell.outputs.append(_died_output("the kernel died while running this cell "
                                             "(os._exit, a crash, or the memory limit)"))
            return cell, resources


def _died_output(message):
    return new_output("error", ename="KernelDied", evalue=message, traceback=[f"KernelDied: {message}"])
