"""Grading untrusted submissions (see docs/THREAT_MODEL.md).

* ``kernel``: the grading kernel's manager (IPC sockets, limits) and its survival of a kernel death, and the
  check that stops ``nbgrader autograde`` where no sandbox can start;
* ``sandbox``: the kernel's launcher: a bubblewrap sandbox (no network, no course files, non-root, own PID
  namespace, clean environment) under memory, CPU, process and file-size limits, sealing ``guard``
  before any cell runs;
* ``guard``: in-kernel checks the hidden tests compare through (exact types, finite values, untouched
  NumPy / math / builtins / sys / rnncourse);
* ``tamper``: trusted nbgrader preprocessors: ``RestoreCellMetadata`` puts back the cells' nbgrader metadata
  before nbgrader checks it, ``TamperCheck`` scans the student's cells and zeroes a tampered notebook;
* ``check_submissions``: the pre-flight check of a submitted/ folder before ``nbgrader autograde``.
* ``parallel``: a class graded on Dask (a LocalCluster here, or a cluster's scheduler); its client is the
  only writer of the gradebook and of autograded/;
* ``worker``: what a Dask task runs: one batch of students graded in a private course built from bytes;
* ``gradebook_rows``: the gradebook rows a task carries (the assignment, the batch's students) and returns.
"""
