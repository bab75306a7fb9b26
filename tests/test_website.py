"""The website as readers see it: built with its outputs, opened in a real browser, offline.

The book is built once per test session (module-scoped fixture: every website test lives in this
module, so `pytest -n 2 --dist loadfile` builds it once), with execution: the chapters' outputs and
figures only exist in an executed build. The build executes every chapter as if on another machine
(ELSEWHERE: RNNCOURSE_SEED=5, not one of docs/ROBUSTNESS.md's seeds, and MKL, oneDNN, ATen and
OpenBLAS forced onto AVX2 kernels, tools/robust.py's "avx2" variant), so every assert of every chapter
must hold there too, while nbval runs the chapters with their own seeds on this CPU's kernels and
compares the pinned outputs. Unchanged chapters come from this run's own jupyter cache
(_build/.jupyter_cache-seed-5+avx2, never the one `make book` fills); on a fresh clone every chapter
runs once.

The site is served by a local HTTP server started here and opened in Debian's Chromium through
Playwright (no browser download). Every request the pages make is routed through the test: one to
a host other than this machine fails the test. Full-page screenshots of every page go to
$RNNCOURSE_SCREENSHOTS (default _build/screenshots/), the test's artifacts.
"""
from __future__ import annotations

import functools
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import robust  # noqa: E402  (tools/robust.py: the environment of a run on "another machine")
import test_pages  # noqa: E402  (the words and markers a page must not show)

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
SCREENSHOTS = Path(os.environ.get("RNNCOURSE_SCREENSHOTS", ROOT / "_build" / "screenshots"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
pytestmark = pytest.mark.slow


toc_pages = test_pages.toc_pages  # the pages of _toc.yml, in reading order


CHAPTERS = [p for p in toc_pages() if (ROOT / (p + ".ipynb")).exists()]


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


ELSEWHERE = "seed-5+avx2"


def build_config(out: Path) -> Path:
    """The project's _config.yml, usable from `out`: absolute paths, this run's own jupyter cache."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["cache"] = str(ROOT / "_build" / f".jupyter_cache-{ELSEWHERE}")
    local = config.get("sphinx", {}).get("local_extensions", {})
    for name, path in local.items():
        local[name] = str(ROOT / path)
    config["bibtex_bibfiles"] = [str(ROOT / p) for p in config.get("bibtex_bibfiles", [])]
    cfg = out / "_config.yml"
    cfg.write_text(yaml.safe_dump(config))
    return cfg


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The executed build's HTML folder (built once for all the tests of this module).

    RNNCOURSE_SITE=path/to/_build/html tests a site built beforehand instead (e.g. by `make book`).
    """
    if os.environ.get("RNNCOURSE_SITE"):
        return Path(os.environ["RNNCOURSE_SITE"]).resolve()
    out = tmp_path_factory.mktemp("site")
    bindir = Path(sys.executable).parent
    env = robust.run_environment(ELSEWHERE)
    start = time.perf_counter()
    proc = subprocess.run([str(bindir / "jupyter-book"), "build", str(ROOT), "--path-output", str(out),
                           "--config", str(build_config(out)), "--warningiserror", "--keep-going"],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    failed = sorted(set(re.findall(r"(book/\w+)\.ipynb.*?(?:Executing notebook failed|CellExecutionError)",
                                   proc.stdout + proc.stderr)))
    assert proc.returncode == 0, (
        f"jupyter-book build failed (chapters executed under {ELSEWHERE}: {robust.VARIANTS['avx2']}, "
        f"RNNCOURSE_SEED=5){'; failing chapters: ' + ', '.join(failed) if failed else ''}:\n"
        f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    print(f"website build with execution under {ELSEWHERE}: {time.perf_counter() - start:.0f} s")
    return out / "_build" / "html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    """Base URL of the site, served from 127.0.0.1 on a free port."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # in the course's dependencies; drives the system chromium

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=find_browser(), args=CHROMIUM_ARGS)
        yield b
        b.close()


class OfflinePage:
    """A browser page whose requests to other hosts are refused and remembered."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.external = []
        self.failed = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        # Playwright's default is 30 s: on a loaded 2-core machine (the suite beside a book build) a
        # page with many formulas once took longer than that to go network-idle
        self.page.set_default_timeout(120_000)
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))

    def _route(self, route):
        url = urlsplit(route.request.url)
        if url.scheme in ("file", "data", "blob", "about") or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def goto(self, url):
        response = self.page.goto(url, wait_until="load")
        assert response is None or response.ok, f"{url}: HTTP {response.status}"
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def offline(browser):
    p = OfflinePage(browser)
    yield p
    p.close()
    assert not p.external, f"the page requested resources from other hosts: {sorted(set(p.external))}"


def typeset(page):
    """Wait for MathJax to finish; True when the page loaded it."""
    return page.evaluate("""async () => {
        if (!window.MathJax || !MathJax.startup) return false;
        await MathJax.startup.promise;
        return true; }""")


# The rendered prose, without code, outputs and typeset math (code may hold `$x$` in plot labels).
PROSE_JS = """() => {
    const main = document.querySelector('main') || document.body;
    const copy = main.cloneNode(true);
    copy.querySelectorAll('pre, code, script, style, mjx-container, .cell_output, .highlight')
        .forEach(e => e.remove());
    return copy.innerText; }"""
RAW_TEX = re.compile(r"\$[^$\n]{1,200}\$|\\frac|\\begin\{|\\mathrm|\\odot|\\tanh")


def check_tabs(page, name):
    """Click every tab of every tab set; the panel shown must change to the clicked one."""
    sets = page.locator(".sd-tab-set")
    for s in range(sets.count()):
        tab_set = sets.nth(s)
        labels, panels = tab_set.locator(":scope > label.sd-tab-label"), tab_set.locator(":scope > .sd-tab-content")
        assert labels.count() >= 2 and labels.count() == panels.count(), f"{name}: tab set {s} is malformed"
        for k in list(range(1, labels.count())) + [0]:
            labels.nth(k).click()
            shown = [panels.nth(j).is_visible() for j in range(panels.count())]
            assert shown == [j == k for j in range(panels.count())], (
                f"{name}: clicking tab {labels.nth(k).inner_text()!r} of tab set {s} shows panels {shown}")


def expected_outputs(page_name):
    """For each code cell the page shows (in order): (first line, must print text, must show a figure).

    A cell prints when a line starts with print( or calls .summary(); it shows a figure when it calls
    plt.show(). Cells tagged remove-cell are not on the page; remove-output ones show no output.
    """
    nb = nbformat.read(ROOT / (page_name + ".ipynb"), as_version=4)
    shown = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type != "code" or "remove-cell" in tags:
            continue
        quiet = "remove-output" in tags
        shown.append((cell.source.splitlines()[0] if cell.source else "",
                      not quiet and bool(re.search(r"^\s*print\(|\.summary\(\)", cell.source, re.M)),
                      not quiet and "plt.show()" in cell.source))
    return shown


@pytest.mark.parametrize("name", toc_pages())
def test_page_in_the_browser(site, server, offline, name):
    html_file = site / (name + ".html")
    assert html_file.exists(), f"the build made no {html_file.relative_to(site)} for {name}"
    page = offline.goto(server + name + ".html")
    source = page_source(name)

    # title and navigation
    h1 = page.locator("article.bd-article h1").first
    assert h1.is_visible() and h1.inner_text().strip(), f"{name} has no visible title"
    assert h1.inner_text().strip().split("#")[0].strip("¶ ") in page.title(), f"{name}: <title> {page.title()!r}"
    nav_links = page.eval_on_selector_all("nav.bd-docs-nav a.reference", "els => els.map(e => e.getAttribute('href'))")
    for other in toc_pages()[1:]:
        assert other == name or any(h.split("#")[0].endswith(Path(other).name + ".html") for h in nav_links), (
            f"{name}: the navigation does not link {other}")

    # math typeset by the local MathJax, no raw TeX left in the prose
    if re.search(r"\$[^$\n]+\$|\\begin\{", source):
        assert typeset(page), f"{name} has equations but MathJax did not load"
        assert page.locator("mjx-container").count() > 0, f"{name}: MathJax rendered no equation"
        assert page.locator("mjx-merror").count() == 0, f"MathJax reports an error in {name}"
    raw = RAW_TEX.findall(page.evaluate(PROSE_JS))
    assert not raw, f"{name} shows raw TeX: {raw[:5]}"

    # every image loads and says what it shows
    images = page.evaluate("""async () => Promise.all([...document.images].map(async i => {
        try { await i.decode(); } catch (e) {}
        return {src: i.getAttribute('src'), width: i.naturalWidth, alt: (i.getAttribute('alt') || '').trim()}; }))""")
    broken = [i["src"] for i in images if i["width"] == 0]
    assert not broken, f"{name}: images that do not load: {broken}"
    no_alt = [i["src"] for i in images if not i["alt"]]
    assert not no_alt, f"{name}: images without alt text: {no_alt}"

    # the included NumPy reference is on the page
    for qualname in re.findall(r":pyobject:\s*([\w.]+)", source):
        func = qualname.split(".")[-1]
        assert page.locator(f"pre:has-text('{func}')").count(), f"{name}: the included code of {qualname} is missing"

    if "{tab-set}" in source:
        check_tabs(page, name)

    if name in CHAPTERS:
        expected = expected_outputs(name)
        cells = page.locator("article div.cell")
        assert cells.count() == len(expected), f"{name}: {len(expected)} code cells, the page shows {cells.count()}"
        for k, (first, prints, plots) in enumerate(expected):
            output = cells.nth(k).locator("div.cell_output")
            if prints:
                assert output.count() and output.first.inner_text().strip(), f"{name}: cell {first!r} shows no output"
            if plots:
                assert output.locator("img").count(), f"{name}: cell {first!r} shows no figure"
        assert page.locator("div.cell_output .output.error, div.cell_output .traceback").count() == 0, (
            f"{name} shows an error output")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / (Path(name).name + ".png")), full_page=True)


OPEN_ALL_JS = """() => {
    document.querySelectorAll('details').forEach(d => d.open = true);
    document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
    document.querySelectorAll('.toggle-details__container, .admonition.dropdown > *')
        .forEach(e => e.style.display = ''); }"""
WIDE_CODE_JS = """() => [...document.querySelectorAll('main pre')]
    .filter(p => p.offsetParent !== null && p.scrollWidth > p.clientWidth + 1)
    .map(p => ({width: p.scrollWidth, box: p.clientWidth,
                line: p.innerText.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '')}))"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_reads_like_a_textbook(site, server, offline, name):
    """A numbered, captioned diagram referred to by number; no wide code; no plumbing; questions to answer."""
    page = offline.goto(server + name + ".html")

    # at least one diagram drawn by rnncourse.diagrams, numbered and captioned, and cited by number
    figures = page.evaluate("""() => [...document.querySelectorAll('main figure')].map(f => ({
        id: f.id, src: (f.querySelector('img') || {}).getAttribute ? f.querySelector('img').getAttribute('src') : '',
        alt: ((f.querySelector('img') || {}).alt || '').trim(),
        number: ((f.querySelector('.caption-number') || {}).innerText || '').trim(),
        caption: ((f.querySelector('figcaption') || {}).innerText || '').trim()}))""")
    from rnncourse.diagrams import DIAGRAMS  # Sphinx copies book/diagrams/<name>.svg to _images/<name>.svg

    diagrams = [f for f in figures if Path(f["src"] or "").stem in DIAGRAMS and (f["src"] or "").endswith(".svg")]
    assert diagrams, f"{name} has no diagram (a MyST figure of book/diagrams/<name>.svg); figures: {figures}"
    for f in diagrams:
        assert re.match(r"Fig\.\s*\d+(\.\d+)*", f["number"]), f"{name}: figure {f['src']} is not numbered: {f}"
        assert len(f["caption"]) > len(f["number"]) + 10, f"{name}: figure {f['src']} has no caption: {f}"
        assert len(f["alt"]) > 20, f"{name}: figure {f['src']} has no alt text a screen reader could read: {f}"
        refs = page.locator(f"main a[href='#{f['id']}']")
        assert f["id"] and refs.count(), f"{name}: the text never refers to {f['number']} ({f['src']}) by number"

    # folded cells open: nothing a reader can unfold may scroll sideways or show plumbing
    page.evaluate(OPEN_ALL_JS)
    wide = page.evaluate(WIDE_CODE_JS)
    assert not wide, f"{name}: code blocks wider than the code box (they scroll sideways): {wide[:5]}"
    text = page.evaluate("() => (document.querySelector('main') || document.body).innerText")
    for what, pattern in (("internal word", test_pages.INTERNAL), ("test marker", test_pages.MARKERS),
                          ("timing", re.compile(r"\d\s*s wall|wall \d|\bs CPU\b|CPU \d+(\.\d+)? s\b", re.I))):
        found = [m.group(0) for m in pattern.finditer(text)]
        assert not found, f"{name} shows a {what}: {found[:5]}"

    # check your understanding: 4-6 questions, answers folded until the reader asks
    page.reload(wait_until="load")
    section = page.locator("main section:has(> h2:has-text('Check your understanding'))")
    assert section.count() == 1, f"{name} has no section 'Check your understanding'"
    answers = section.locator(".admonition.dropdown, details.toggle-details")
    assert 4 <= answers.count() <= 6, f"{name}: {answers.count()} folded answers, expected 4-6"
    for k in range(answers.count()):
        answer = answers.nth(k)
        body = answer.locator(":scope > :not(.admonition-title):not(summary):not(button)").first
        assert not body.is_visible(), f"{name}: answer {k + 1} is not folded"
        answer.locator(".admonition-title, summary, button.toggle-button").first.click()
        expect_visible(body, f"{name}: answer {k + 1} does not unfold when clicked")


def expect_visible(locator, message, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not locator.is_visible():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def sliders_respond(page, name):
    """Move every slider of the page to each end; the frame shown must change. Returns how many."""
    sliders = page.locator(".rnncourse-slider")
    for k in range(sliders.count()):
        root = sliders.nth(k)
        control, frames = root.locator("input[type=range]"), root.locator(".rnncourse-slider-frame")
        assert control.count() == 1 and frames.count() >= 2, f"{name}: slider {k} has {frames.count()} frames"
        last = int(control.get_attribute("max"))
        shown = [j for j in range(frames.count()) if frames.nth(j).is_visible()]
        assert shown == [0], f"{name}: slider {k} shows frames {shown} before it moves"
        for position in (last, last // 2, 0):
            control.fill(str(position))
            shown = [j for j in range(frames.count()) if frames.nth(j).is_visible()]
            assert shown == [position], f"{name}: slider {k} at {position} shows frames {shown}"
            value = root.locator("output").inner_text().strip()
            assert value, f"{name}: slider {k} shows no value at {position}"
    return sliders.count()


def test_every_chapter_has_an_interactive_figure_that_responds(site, server, browser):
    """Chapters 1-5 each, and the applications chapter (6a-6d) at least once; no kernel, no network."""
    counts = {}
    for name in CHAPTERS:
        offline = OfflinePage(browser)
        try:
            counts[name] = sliders_respond(offline.goto(server + name + ".html"), name)
            assert not offline.external, f"{name}: requests to other hosts {offline.external}"
        finally:
            offline.close()
    groups = {}
    for name, n in counts.items():
        groups.setdefault(re.match(r"book/(\d+)", name).group(1), []).append(n)
    missing = sorted(chapter for chapter, ns in groups.items() if sum(ns) == 0)
    assert not missing, f"chapters without an interactive figure: {missing} (sliders per page: {counts})"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_can_be_downloaded_and_launched(site, server, offline, name):
    """The .ipynb download serves the chapter itself; Colab and Binder open it from the repository."""
    page = offline.goto(server + name + ".html")
    repo = CONFIG["repository"]
    path = f"{repo.get('path_to_book', '').strip('/')}/{name}.ipynb".lstrip("/")
    download = page.locator("a.btn-download-source-button")
    assert download.count() == 1, f"{name}: no download button"
    href = download.get_attribute("href")
    assert href.endswith(name.split("/")[-1] + ".ipynb"), f"{name}: the download button offers {href}"
    served = page.request.get(urljoin(page.url, href))
    assert served.ok, f"{name}: the download link {href} is broken"
    nb = nbformat.reads(served.text(), as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in nbformat.read(ROOT / (name + ".ipynb"), 4).cells]

    owner_repo = urlsplit(repo["url"]).path.strip("/")
    launch = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
    colab = f"{CONFIG['launch_buttons']['colab_url'].rstrip('/')}/github/{owner_repo}/blob/{repo['branch']}/{path}"
    binder = f"{CONFIG['launch_buttons']['binderhub_url'].rstrip('/')}/v2/gh/{owner_repo}/{repo['branch']}?"
    assert colab in launch, f"{name}: no Colab button to {colab}"
    assert any(h.startswith(binder) and h.endswith(path) for h in launch), f"{name}: no Binder button {binder}...{path}"


def test_search_finds_the_lstm_chapter(site, server, offline):
    page = offline.goto(server + "search.html?q=forget+gate")
    page.wait_for_selector("#search-results li a", timeout=30_000)
    hits = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    assert any("03_lstm" in h for h in hits), f"searching 'forget gate' finds {hits[:10]}, not the LSTM chapter"


def test_site_opened_from_disk(site, offline):
    """file:// (no server): the LSTM chapter still typesets its equations with the local MathJax."""
    page = offline.goto((site / "book" / "03_lstm.html").as_uri())
    assert typeset(page), "MathJax did not load from the disk"
    assert page.locator("mjx-container").count() > 10 and page.locator("mjx-merror").count() == 0
    assert not RAW_TEX.findall(page.evaluate(PROSE_JS))
    assert not offline.failed, f"requests that failed from the disk: {offline.failed[:5]}"


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag != "meta" else ():
            if attrs.get(key):
                self.ids.add(attrs[key])
        ref = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src"}.get(tag)
        if ref and attrs.get(ref):
            self.links.append((tag, attrs[ref]))


def test_no_dead_links(site):
    """Every internal link and anchor of the built site resolves; external links are only listed."""
    parsed = {}

    def parse(path):
        if path not in parsed:
            p = _Links()
            p.feed(path.read_text(errors="replace"))
            parsed[path] = p
        return parsed[path]

    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)
    dead, external = [], set()
    for html_file in pages:
        for tag, link in parse(html_file).links:
            url = urlsplit(link)
            if url.scheme in ("http", "https") or link.startswith("//"):
                external.add(link)
                continue
            if url.scheme in ("mailto", "javascript", "data") or not (url.path or url.fragment):
                continue
            target = (html_file.parent / unquote(url.path)).resolve() if url.path else html_file
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                dead.append(f"{html_file.relative_to(site)}: {link}")
            elif url.fragment and target.suffix == ".html" and unquote(url.fragment) not in parse(target).ids:
                dead.append(f"{html_file.relative_to(site)}: {link} (no anchor #{url.fragment})")
    assert not dead, f"{len(dead)} dead links:\n" + "\n".join(dead[:30])
    print(f"{len(external)} external links (not fetched):\n" + "\n".join(sorted(external)))
    repo = CONFIG["repository"]["url"].rstrip("/")
    stray = sorted(l for l in external if "github.com/rnncourse" in l and not l.startswith(repo))
    assert not stray, f"links to the repository that do not use repository.url of _config.yml: {stray}"


def test_pages_link_the_glossary_the_bibliography_and_the_exercise(site):
    """Each chapter links at least one glossary term and its exercise; cited works are listed."""
    for name in CHAPTERS:
        text = (site / (name + ".html")).read_text()
        assert re.search(r'href="glossary\.html#term-', text), f"{name} links no glossary term"
        assert re.search(r'href="exercises\.html#exercise-', text), (
            f"{name} does not link its exercise (python tools/website_cells.py {name}.ipynb)")
    bib = (site / "book" / "bibliography.html").read_text()
    for author in ("Hochreiter", "Cho", "Bahdanau", "Luong", "Pascanu", "Bengio", "Elman", "Werbos", "Graves",
                   "Schuster", "Pang"):
        assert author in bib, f"the bibliography lists no work by {author}"
    cited = sum(len(re.findall(r'href="bibliography\.html#id\d+"', (site / (n + ".html")).read_text())) for n in CHAPTERS)
    assert cited >= 10, f"the chapters cite only {cited} times"


EXTERNAL_HTML = re.compile(r"""<(?:script|img|iframe)\b[^>]*\bsrc=["']((?:https?:)?//[^"']+)|"""
                           r"""<link\b[^>]*\brel=["'](?:stylesheet|preload|modulepreload|icon)["'][^>]*\bhref=["']((?:https?:)?//[^"']+)""")
EXTERNAL_CSS = re.compile(r"""url\(\s*["']?((?:https?:)?//[^"')]+)|@import\s+(?:url\()?["']?((?:https?:)?//[^"')]+)""")


def test_scripts_styles_and_fonts_come_from_the_site(site):
    """No page or stylesheet names a CDN for a script, style, font or image (the browser tests see the requests)."""
    found = []
    for path in site.rglob("*.html"):
        found += [f"{path.relative_to(site)}: {a or b}" for a, b in EXTERNAL_HTML.findall(path.read_text(errors="replace"))]
    for path in site.rglob("*.css"):
        found += [f"{path.relative_to(site)}: {a or b}" for a, b in EXTERNAL_CSS.findall(path.read_text(errors="replace"))]
    assert not found, "resources from other hosts:\n" + "\n".join(found[:20])
