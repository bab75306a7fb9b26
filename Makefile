# The two commands of the README: `make book` builds the website into _build/html,
# `make test` runs the whole test suite. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test robust bench bench-suite clean env browser postgres sandbox attacks check

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

test: $(STAMP) browser postgres sandbox
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15

# Every chapter under five training seeds and with MKL, oneDNN, ATen and OpenBLAS forced onto other
# instruction sets; writes docs/ROBUSTNESS.md (pass/fail and the spread of every headline figure).
# About 45 minutes on 2 cores. `make test` runs one of these runs (another seed on AVX2 kernels) in its
# website build (tests/test_website.py).
robust: $(STAMP)
	$(BIN)/python tools/robust.py --jobs 2

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

# tests/test_grading_parallel.py starts a PostgreSQL server of its own (a gradebook that takes
# concurrent graders): Debian's postgresql, installed here like chromium above.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing postgresql for the parallel-grading test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "make test needs PostgreSQL's server for the parallel-grading test: install it (e.g. sudo apt-get install postgresql)"; exit 1; \
	fi

# Every grading kernel runs in a sandbox made by bubblewrap (rnncourse/grading/sandbox.py): Debian's
# bubblewrap, installed here like chromium above.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing bubblewrap for the grading sandbox"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	else \
		echo "grading needs bubblewrap (bwrap) for its sandbox: install it (e.g. sudo apt-get install bubblewrap)"; exit 1; \
	fi

# bench/REPORT.md: the NumPy reference, its from-scratch peers (bench/peers/), PyTorch and Keras,
# timed in interleaved rounds (each timed call right after an untimed one of the same contender; all
# the rounds three times, the median run reported), on all cores, then
# on one thread (small per-step
# products scale badly across threads in OpenBLAS, so the two runs tell different stories); a clean
# book build in a temporary folder; every assignment autograded; a class of 100 graded in parallel;
# every assignment graded with and without the grading sandbox (bench/sandbox.py, about 6 minutes).
# About 45 minutes on 2 cores (the cells part about 13 minutes per thread setting; each part prints
# its time; a part that fails keeps its previous result and the others still run); run it on a quiet
# machine.
# `python -m bench --report-only` rewrites the report from bench/results/ without running anything.
# `bench-suite` times `make test` on a fresh clone.
bench: $(STAMP) sandbox
	-$(BIN)/python -m bench --parts cells,book,grading --book-clean
	-$(BIN)/python -m bench.sandbox --copies 2 --rounds 2
	RNNCOURSE_BENCH_THREADS=1 $(BIN)/python -m bench --parts cells

bench-suite: $(STAMP) browser postgres sandbox
	$(BIN)/python -m bench.suite_time
	$(BIN)/python -m bench --report-only

# Every attack on autograding (docs/THREAT_MODEL.md) in real nbgrader runs; writes docs/attack_results.md.
attacks: $(STAMP) sandbox
	$(BIN)/python -m pytest -n 2 --dist loadfile tests/test_hostile_grading.py tests/test_hostile_guard.py tests/test_hostile_files.py tests/test_hostile_release.py

# Self-check for a learner: grade your notebook with the course's autograder, hidden tests included,
# and get the feedback page a class gets (rnncourse/grading/selfcheck.py); your file is only read.
#   make check NB=exercises/02_bptt/02_bptt.ipynb     (CHECK_ARGS="--no-open --no-sandbox" to change how)
check: $(STAMP)
	$(BIN)/python -m rnncourse.grading.selfcheck $(CHECK_ARGS) "$(NB)"

clean:
	rm -rf _build
