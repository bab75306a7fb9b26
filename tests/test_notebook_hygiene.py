"""Committed notebooks carry outputs only where nbval pins them, and every pin has something to compare."""
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from pin_outputs import PIN_TAG, is_pinned  # noqa: E402
import robust  # noqa: E402

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_pinned_cells_have_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_pinned(cell):
            assert cell.outputs, (f"{path.name} cell {i} is pinned with the tag {PIN_TAG} but stores no output, so nbval "
                                  f"would compare against nothing: run `python tools/pin_outputs.py {path.relative_to(ROOT)}`")
            assert not any(o.output_type == "error" for o in cell.outputs), f"{path.name} cell {i} stores an error"
            assert cell.execution_count is not None, (f"{path.name} cell {i} is pinned but has no execution count, "
                                                      f"which nbval rejects: run `python tools/pin_outputs.py "
                                                      f"{path.relative_to(ROOT)}`")
        else:
            assert not cell.outputs, (f"{path.name} cell {i} has outputs that nothing checks: strip them with "
                                      f"`python tools/pin_outputs.py --strip-only {path.relative_to(ROOT)}`")


TRAINING_CALLS = ("fit(", "fit_adding(", "train_seq2seq(", "optimizer.step(")  # torch_fit( contains fit(


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_pins_are_tags_and_never_pin_a_training_run(path):
    """Readers never see a test marker, and a pinned output may not depend on training (it would
    differ on another CPU or seed): no pinned cell trains, and no markers sit in the source."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        assert "NBVAL_CHECK_OUTPUT" not in cell.source, (
            f"{path.name} cell {i}: pin an output with the cell tag {PIN_TAG}, not a comment readers see")
        if is_pinned(cell):
            trains = [call for call in TRAINING_CALLS if call in cell.source]
            assert not trains, f"{path.name} cell {i} is pinned but trains ({trains}): its output depends on the machine"


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


ROLE = re.compile(r"\{(glue:text|seedrange)\}`([A-Za-z_][A-Za-z0-9_]*)(?::[^`]*)?`")


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[0].isdigit()], ids=lambda p: p.name)
def test_every_quoted_figure_is_published_and_in_the_robustness_report(path):
    """The prose quotes trained figures with {glue:text}`name` (this build's value) and {seedrange}`name`
    (the range over five seeds, read from docs/robustness.json by book/_ext/seed_ranges.py). Each name
    must be a headline the chapter publishes, measured in every seed run of the committed report."""
    report = json.loads((ROOT / "docs" / "robustness.json").read_text())
    nb = nbformat.read(path, as_version=4)
    quoted = {name for cell in nb.cells if cell.cell_type == "markdown" for _, name in ROLE.findall(cell.source)}
    for run in robust.DEFAULT_RUNS:
        result = report["runs"].get(run, {}).get(path.stem)
        assert result, f"docs/robustness.json has no run {run} of {path.name}: run `make robust`"
        assert result["passed"], f"{path.name} failed under {run} in docs/robustness.json: run `make robust`"
        assert result.get("code") == robust.code_digest(f"book/{path.name}"), (
            f"docs/robustness.json's {run} ran other code than book/{path.name} holds now: rerun its runs "
            f"(python tools/robust.py --chapters book/{path.name})")
        if run not in [f"seed-{k}" for k in robust.SEEDS]:
            continue
        missing = sorted(quoted - set(result["headlines"]))
        assert not missing, f"{path.name} quotes {missing}, which it does not publish under {run} (rnncourse.headlines.headline)"
