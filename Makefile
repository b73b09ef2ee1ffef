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

test: install
	$(BIN)/pytest

clean:
	rm -rf $(VENV) demo-output .pytest_cache

bench: install
	$(BIN)/python benchmarks/bench_classify.py
