"""What the website's sources promise readers, checked without building the site.

- every chapter notebook starts with the install cell: hidden on the page, installing the package from
  the repository of _config.yml in Colab, and doing nothing where the package is importable (a real
  kernel runs it both ways; the "missing" way with git barred from the network);
- every figure has alt text, every plot labels its axes, and colours come from the colour-blind-safe
  palette (tableau-colorblind10, as matplotlib defines it) or greys;
- Binder's requirements name only packages pinned by constraints.txt.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
CHAPTERS = sorted((ROOT / "book").glob("0*.ipynb"))


def install_cell(path):
    cell = nbformat.read(path, as_version=4).cells[0]
    assert cell.cell_type == "code" and "%pip install" in cell.source, (
        f"{path.name}: the first cell must install rnncourse when it is missing (python tools/website_cells.py "
        f"book/{path.name})")
    return cell


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_first_cell_installs_the_package_from_the_configured_repository(path):
    cell = install_cell(path)
    assert "remove-cell" in cell.metadata.get("tags", []), f"{path.name}: the install cell is shown on the page"
    assert re.search(r"^try:\n\s+import rnncourse\nexcept ImportError:\n\s+%pip install ", cell.source, re.M), (
        f"{path.name}: the install cell must try the import first:\n{cell.source}")
    urls = re.findall(r"git\+(\S+?)@([\w./-]+)\"", cell.source)
    repo = CONFIG["repository"]
    assert urls == [(repo["url"].rstrip("/"), repo["branch"])], (
        f"{path.name} installs from {urls}, _config.yml names {repo['url']} branch {repo['branch']}")


@pytest.mark.slow
def test_install_cell_in_a_real_kernel(tmp_path, monkeypatch):
    """Installed: the cell prints nothing. Missing: it runs pip on the configured URL (git may not fetch)."""
    from nbclient import NotebookClient

    source = install_cell(CHAPTERS[0]).source
    # git refuses every transport but local files, and pip has no index: nothing leaves the machine
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_TARGET", str(tmp_path / "never-used"))  # a failed install must not touch .venv
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(source),
        nbformat.v4.new_code_cell("import sys; print('rnncourse' in sys.modules)"),
        nbformat.v4.new_code_cell("sys.modules['rnncourse'] = None  # as in a Colab without the package"),
        nbformat.v4.new_code_cell(source),
    ])
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    installed, check, _, missing = nb.cells
    assert installed.outputs == [], f"with rnncourse importable the install cell printed {installed.outputs}"
    assert check.outputs[0]["text"].strip() == "True"
    text = "".join(o.get("text", "") + "".join(o.get("traceback", [])) for o in missing.outputs)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # pip colours its messages
    assert f"git clone --filter=blob:none --quiet {CONFIG['repository']['url'].rstrip('/')} " in text, (
        f"without rnncourse the cell did not run pip on the repository of _config.yml:\n{text}")
    assert not (tmp_path / "never-used" / "rnncourse").exists()


PLOT = re.compile(r"plt\.(show|subplots|figure)\(")
LABELLED = {"x": re.compile(r"xlabel|set_xlabel"), "y": re.compile(r"ylabel|set_ylabel")}
COLOUR = re.compile(r"""\b(?:color|colors|fc|ec|facecolor|edgecolor)\s*=\s*["']([^"']+)["']""")
CMAP = re.compile(r"""cmap\s*=\s*["']([^"']+)["']""")
NEUTRAL = {"k", "black", "white", "w", "grey", "gray", "lightgrey", "lightgray", "darkgrey", "darkgray", "none"}
SAFE_CMAPS = {"viridis", "cividis", "magma", "inferno", "plasma", "Blues", "Greys", "Oranges", "Purples"}


def palette():
    import matplotlib.style

    cycle = matplotlib.style.library["tableau-colorblind10"]["axes.prop_cycle"]
    return {c["color"].lower().lstrip("#") for c in cycle}


def is_safe_colour(c, safe):
    c = c.lower().lstrip("#")
    if c in NEUTRAL or re.fullmatch(r"c\d", c) or re.fullmatch(r"0?\.\d+|[01](\.0*)?", c):
        return True  # named greys, the style's own cycle (C0..C9), grey levels
    if c in safe:
        return True
    if re.fullmatch(r"[0-9a-f]{6}", c):  # light tints for boxes: near-grey or very light
        r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
        return min(r, g, b) > 200
    return False


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_figures_are_accessible(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    plotting = [c for c in code if PLOT.search(c.source)]
    if not plotting:
        return
    style = next((i for i, c in enumerate(code) if 'plt.style.use("tableau-colorblind10")' in c.source), None)
    assert style is not None and style < code.index(plotting[0]), (
        f"{path.name}: set plt.style.use(\"tableau-colorblind10\") before the first plot")
    safe = palette()
    for cell in plotting:
        first = cell.source.splitlines()[0]
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "").strip()
        assert len(alt) > 20, f"{path.name}, cell starting {first!r}: its figure needs alt text (metadata mystnb.image.alt)"
        if 'axis("off")' not in cell.source:  # a diagram has no axes
            for axis, pattern in LABELLED.items():
                assert pattern.search(cell.source), f"{path.name}, cell starting {first!r}: no {axis}-axis label"
        unsafe = [c for c in COLOUR.findall(cell.source) if not is_safe_colour(c, safe)]
        assert not unsafe, f"{path.name}, cell starting {first!r}: colours outside the colour-blind palette: {unsafe}"
        cmaps = [m for m in CMAP.findall(cell.source) if m.removesuffix("_r") not in SAFE_CMAPS]
        assert not cmaps, f"{path.name}, cell starting {first!r}: colour maps not safe for colour-blind readers: {cmaps}"
