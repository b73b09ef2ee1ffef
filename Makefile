# sccscore: `make demo` installs everything into .venv and runs the main job;
# `make test` runs the whole test suite (slow tests included).

VENV := .venv
BIN := $(VENV)/bin
# Use the shared data beside the repository when there is one; else sccscore looks
# in its cache and downloads from the authors' repository.
SCCSCORE_DATA ?= $(abspath $(wildcard ../shared/data/ikemoto2023))
export SCCSCORE_DATA

.PHONY: install demo test bench clean

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/sccscore demo

# in parallel (pytest-xdist; two workers on CI's two cores): run one at a time, the tests leave a core idle
# much of the time (command-line start-up, single-threaded detection). Handed out one at a time, the slow ones
# first (conftest.py), so that the workers share them: in chunks, one worker was left to finish the
# several-minute tests alone at the end. Each worker keeps to its own core (conftest.py).
test: install
	$(BIN)/pytest --numprocesses auto --maxprocesses 4 --maxschedchunk 1

clean:
	rm -rf $(VENV) demo-output .pytest_cache

bench: install
	$(BIN)/python benchmarks/bench_classify.py
