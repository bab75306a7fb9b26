"""Book build times: each chapter's execution (from jupyter-cache's records), a clean build and a rebuild
with no change.

Without ``clean``, the chapter times come from the existing build (``_build/.jupyter_cache``, which
``make book`` writes) and no build runs. With ``clean``, the book is built from scratch into a temporary
folder (every chapter executed, ~5 minutes on 2 cores), then built again there with no change; the chapter
times then come from that build.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))


def chapter_times(cache_dir):
    """{chapter path relative to the root: execution seconds} of the newest record of each notebook."""
    from jupyter_cache import get_cache
    newest = {}
    for rec in get_cache(str(cache_dir)).list_cache_records():
        seconds = (rec.data or {}).get("execution_seconds")
        if seconds is not None and (rec.uri not in newest or rec.created > newest[rec.uri][0]):
            newest[rec.uri] = (rec.created, seconds)
    out = {}
    for uri, (_, seconds) in newest.items():
        path = Path(uri)
        out[str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name] = seconds
    return dict(sorted(out.items()))


def timed_build(out_dir):
    """Seconds of `jupyter-book build` of the repository into out_dir (the Makefile's options)."""
    start = time.perf_counter()
    proc = subprocess.run([JUPYTER_BOOK, "build", str(ROOT), "--path-output", str(out_dir),
                           "--warningiserror", "--keep-going"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def find_cache(out_dir):
    found = sorted(Path(out_dir).rglob(".jupyter_cache"))
    if not found:
        raise FileNotFoundError(f"no .jupyter_cache under {out_dir}: was the book built there?")
    return found[0]


def run(clean=False, log=lambda message: None):
    """{'clean_build_s', 'rebuild_s' (None when not clean), 'chapters': {chapter: seconds}, 'source'}.

    log(message) is called as each build starts and ends."""
    if not clean:
        cache = ROOT / "_build" / ".jupyter_cache"
        if not cache.is_dir():
            raise FileNotFoundError(f"no book build at {cache}: run `make book` first, or pass --book-clean")
        return {"clean_build_s": None, "rebuild_s": None, "chapters": chapter_times(cache),
                "source": "the existing build in _build/ (jupyter-cache records)"}
    with tempfile.TemporaryDirectory(prefix="rnncourse_book_") as tmp:
        log("book: clean build (every chapter executed, ~5 minutes on 2 cores)")
        clean_s = timed_build(tmp)
        log(f"book: clean build {clean_s:.0f} s; rebuild with no change")
        rebuild_s = timed_build(tmp)
        log(f"book: rebuild {rebuild_s:.1f} s")
        return {"clean_build_s": clean_s, "rebuild_s": rebuild_s, "chapters": chapter_times(find_cache(tmp)),
                "source": "a clean build into a temporary folder, in this run"}
