# The two commands of the README: `make book` builds the website into _build/html,
# `make test` runs the whole test suite. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test bench clean env browser

env: $(STAMP)

# Reinstall when the dependency lists change. constraints.txt pins every package the
# book is built with (torch 2.13.0 is the CPU wheel; an unpinned torch pulls CUDA).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[course]"
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 --dist loadfile

# tests/test_website.py opens the site in a real browser: Debian's chromium, installed
# here when it is missing and we may (root with apt-get); otherwise say what to do.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the website test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "make test needs chromium for the website test: install it (e.g. sudo apt-get install chromium)"; exit 1; \
	fi

# Both libraries on all cores, then both on one thread (small per-step products scale badly
# across threads in OpenBLAS, so the two runs tell different stories).
bench: $(STAMP)
	$(BIN)/python -m bench
	RNNCOURSE_BENCH_THREADS=1 $(BIN)/python -m bench --out bench/REPORT-1-thread.md

clean:
	rm -rf _build
