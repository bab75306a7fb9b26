"""The website, opened in a real browser (headless Chromium), offline.

The book is built once without executing the notebooks (execution is what nbval and
`make book` check; here it is the site: every page of the table of contents exists, the
equations render with the MathJax copy the site ships, the NumPy reference included from
the package is on the page, and nothing is fetched from the internet).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def toc_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages, stack = [toc["root"]], list(toc.get("parts", [])) + list(toc.get("chapters", []))
    while stack:
        item = stack.pop(0)
        if "file" in item:
            pages.append(item["file"])
        stack[:0] = item.get("chapters", []) + item.get("sections", [])
    return pages


def page_source(page):
    """The page's text as written: markdown, or the notebook's cells joined."""
    for ext in (".md", ".ipynb"):
        path = ROOT / (page + ext)
        if path.exists():
            if ext == ".md":
                return path.read_text()
            nb = nbformat.read(path, as_version=4)
            return "\n".join(c.source for c in nb.cells)
    raise FileNotFoundError(f"_toc.yml lists {page!r}, but neither {page}.md nor {page}.ipynb exists")


def find_browser():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("The website test drives a real browser and found none (chromium, google-chrome). "
                "`make test` installs Debian's chromium when run as root; otherwise install it by hand.")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    # paths in the config are relative to the config file, which now lives elsewhere
    local = config.get("sphinx", {}).get("local_extensions", {})
    for name, path in local.items():
        local[name] = str(ROOT / path)
    cfg = out / "_config.yml"
    cfg.write_text(yaml.safe_dump(config))
    bindir = Path(sys.executable).parent
    proc = subprocess.run([str(bindir / "jupyter-book"), "build", str(ROOT), "--path-output", str(out),
                           "--config", str(cfg), "--warningiserror", "--keep-going"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, f"jupyter-book build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return out / "_build" / "html"


def render(browser, html_file):
    """The page's DOM after its scripts ran (MathJax typesets the equations)."""
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--virtual-time-budget=15000", "--dump-dom", html_file.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "<html" in proc.stdout, f"chromium could not open {html_file}: {proc.stderr[-2000:]}"
    return proc.stdout


EXTERNAL = re.compile(r"""<(?:script|img|iframe)\b[^>]*\bsrc=["']((?:https?:)?//[^"']+)|"""
                      r"""<link\b[^>]*\brel=["'](?:stylesheet|preload|modulepreload)["'][^>]*\bhref=["']((?:https?:)?//[^"']+)""")


@pytest.mark.parametrize("page", toc_pages())
def test_page_renders_offline(site, page):
    browser = find_browser()
    html_file = site / (page + ".html")
    assert html_file.exists(), f"the build made no {html_file.relative_to(site)} for {page}"
    static = html_file.read_text()
    external = [a or b for a, b in EXTERNAL.findall(static)]
    assert not external, f"{page} loads resources from the internet: {external}"

    dom = render(browser, html_file)
    source = page_source(page)
    assert re.search(r"<h1\b", dom), f"{page} has no title"
    if re.search(r"\$[^$\n]+\$|\\begin\{", source):
        assert "<mjx-container" in dom, f"{page} has equations but MathJax rendered none (is the local copy served?)"
        assert "<mjx-merror" not in dom, f"MathJax reports an error in {page}: {re.findall(r'<mjx-merror[^>]*>', dom)[:3]}"
    for name in re.findall(r":pyobject:\s*([\w.]+)", source):
        func = name.split(".")[-1]
        assert re.search(rf"\b(def|class)\s*(<[^>]*>\s*)*{func}\b", dom), f"{page}: the included code of {name} is missing"
    if "{tab-set}" in source:
        assert "sd-tab-set" in dom, f"{page}: the tab set did not render"


def test_site_has_search_and_navigation(site):
    dom = render(find_browser(), site / "book" / "intro.html")
    for page in toc_pages()[1:]:
        assert Path(page).name in dom, f"the navigation of the home page does not link {page}"
    assert (site / "searchindex.js").exists()
