"""Committed notebooks carry outputs only where nbval pins them, and every pin has something to compare."""
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
MARK = "# NBVAL_CHECK_OUTPUT"
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_pinned_cells_have_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if MARK in cell.source:
            assert cell.outputs, (f"{path.name} cell {i} is pinned with {MARK} but stores no output, so nbval "
                                  f"would compare against nothing: run `python tools/pin_outputs.py {path.relative_to(ROOT)}`")
            assert not any(o.output_type == "error" for o in cell.outputs), f"{path.name} cell {i} stores an error"
            assert cell.execution_count is not None, (f"{path.name} cell {i} is pinned but has no execution count, "
                                                      f"which nbval rejects: run `python tools/pin_outputs.py "
                                                      f"{path.relative_to(ROOT)}`")
        else:
            assert not cell.outputs, (f"{path.name} cell {i} has outputs that nothing checks: strip them with "
                                      f"`python tools/pin_outputs.py --strip-only {path.relative_to(ROOT)}`")


def test_every_chapter_in_the_toc_exists():
    import yaml
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    stack = list(toc.get("parts", []))
    while stack:
        item = stack.pop()
        stack.extend(item.get("chapters", []) + item.get("sections", []))
        if "file" in item:
            files.append(item["file"])
    missing = [f for f in files if not any((ROOT / (f + ext)).exists() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"
