"""The grading kernel: ipykernel under a memory limit, with ``guard`` sealed before any cell runs.

nbgrader starts every submission's kernel through ``LimitedKernelManager`` (set in nbgrader_config.py
through ``GradingExecute``), which prefixes the kernel command with
``python -m rnncourse.grading.kernel --memory-mb N --`` . This launcher lowers RLIMIT_AS (the virtual
address space; an allocation beyond it raises MemoryError in the student's cell instead of taking the
machine down), then runs ipykernel with one start-up line, ``guard.seal()``, which records the pristine
NumPy, math, builtins, sys and rnncourse objects before the first cell of the notebook runs.

``GradingExecute`` also survives a kernel that dies (``os._exit``, a segmentation fault, the kernel
killed for memory): the cells that ran keep their results, the cell that killed the kernel and every
later cell get an error output, so the submission keeps the points earned before the crash.
"""
from __future__ import annotations

import resource
import runpy
import sys

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

SEAL = "import rnncourse.grading.guard as _rnncourse_guard; _rnncourse_guard.seal(); del _rnncourse_guard"


class LimitedKernelManager(AsyncKernelManager):
    """Start the kernel through this module's launcher, under a memory limit (MiB of address space)."""

    memory_mb = Integer(8192, help="RLIMIT_AS of the grading kernel in MiB (0: no limit). Importing "
                                   "NumPy + ipykernel needs ~1.3 GiB of address space, TensorFlow or "
                                   "PyTorch ~4-5 GiB (measured in docs/THREAT_MODEL.md).").tag(config=True)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, "-m", "rnncourse.grading.kernel", "--memory-mb", str(self.memory_mb), "--", *cmd]


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


def main(argv):
    """``--memory-mb N -- <kernel command>``: set the limit, then run the kernel command in this process."""
    if len(argv) < 4 or argv[0] != "--memory-mb" or argv[2] != "--":
        raise SystemExit(f"usage: python -m rnncourse.grading.kernel --memory-mb N -- <kernel command>, got {argv}")
    limit = int(argv[1]) * 2**20
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cmd = argv[3:]
    # The kernel command is `<python> -m ipykernel_launcher -f <connection file> ...`: run it here, so
    # the limit holds, and add the start-up line that seals the guard before the notebook's first cell.
    if cmd[1:3] != ["-m", "ipykernel_launcher"]:
        raise SystemExit(f"expected a `python -m ipykernel_launcher ...` kernel command, got {cmd}")
    sys.argv = ["ipykernel_launcher", *cmd[3:], f"--IPKernelApp.exec_lines={SEAL}"]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
