"""Execute notebooks and keep only the outputs that nbval pins.

    python tools/pin_outputs.py book/*.ipynb

nbval compares the new output of a cell tagged `nbval-check-output` with the output stored
in the notebook; a pinned cell stored without output would pin nothing. (A tag, not nbval's
`# NBVAL_CHECK_OUTPUT` comment, so that readers never see a test marker.) Pin only outputs that
are the same on every machine and for every seed: shapes, counts, parity booleans, numbers
computed without training; `make robust` checks that they are. So this tool runs
each notebook (in its own folder, as nbval and the book build do), keeps the outputs of
the pinned cells, and clears every other output, so notebooks stay small and diffable.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

PIN_TAG = "nbval-check-output"


def is_pinned(cell):
    return cell.cell_type == "code" and PIN_TAG in cell.get("metadata", {}).get("tags", [])


def strip(nb):
    """Clear outputs, counts and run-time metadata except the pinned cells' outputs.

    A pinned cell keeps an execution count, its position among the code cells (so the
    file does not change from run to run): nbval refuses a stored output whose cell has
    no count ("Unrun reference cell has outputs").
    """
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        number += 1
        cell.metadata.pop("execution", None)
        if not is_pinned(cell):
            cell.execution_count = None
            cell.outputs = []
        else:
            cell.execution_count = number
            for out in cell.outputs:
                if "execution_count" in out:
                    out.execution_count = number
    return nb


def pin(path, timeout=600):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(strip(nb), path)
    return sum(is_pinned(c) for c in nb.cells)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--strip-only", action="store_true", help="clear unpinned outputs without executing")
    args = ap.parse_args(argv)
    for p in args.notebooks:
        if args.strip_only:
            nb = nbformat.read(p, as_version=4)
            nbformat.write(strip(nb), p)
            print(f"{p}: stripped", file=sys.stderr)
        else:
            print(f"{p}: {pin(p)} pinned cells", file=sys.stderr)


if __name__ == "__main__":
    main()
