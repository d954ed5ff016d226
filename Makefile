# gancourse — the commands. `make course` runs the course, `make test` tests it.
# Every target sets up what is missing first: a virtual environment in .venv with the
# package and its dev tools, and the Fashion-MNIST dataset.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.gancourse-installed
OUT    ?= build/course

.PHONY: help setup data course notebooks assignments test test-package test-notebooks test-gpu lab lint mutation clean

help:
	@echo "make course          execute every notebook into $(OUT)/ (HTML + index.html)"
	@echo "make test            package tests, then every notebook under nbval (profile fast)"
	@echo "make lab             open JupyterLab on notebooks/"
	@echo "make lint            ruff on the package, the tests and the notebooks"
	@echo "make notebooks       re-execute the notebooks in place, to commit them with outputs"
	@echo "make assignments     student notebooks + autograder bundles → build/assignments (and student/)"
	@echo "make test-gpu        the GPU-marked tests (on a CUDA machine)"
	@echo "make mutation        mutation testing of the core modules (slow; not in CI)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstalled when pyproject.toml changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev]'
	@touch $@

setup: $(STAMP)

# Fashion-MNIST: use it where it is; else the Debian/Ubuntu package (as root, or with
# password-less sudo); else a torchvision download into data/. `gancourse data` says which.
data: setup
	@$(PY) -m gancourse data >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	    if [ "$$SUDO" != none ]; then \
	      $$SUDO apt-get update -q && $$SUDO apt-get install -y -q dataset-fashion-mnist || true; \
	    fi; \
	  fi; \
	  $(PY) -m gancourse data >/dev/null 2>&1 || $(PY) -m gancourse data --download; \
	}
	@$(PY) -m gancourse data

course: data
	$(PY) -m gancourse course --out $(OUT)

notebooks: data
	$(PY) -m gancourse course --out build/notebooks --in-place

# Student versions and autograder bundles from the solution notebooks (otter-grader), and the
# student copies the README's Colab links open (student/, committed; CI checks it is current).
assignments: setup
	$(PY) -m gancourse assignments build --out build/assignments --publish student

test: test-package test-notebooks

test-package: data
	GANCOURSE_REQUIRE_DATA=1 $(PY) -m pytest tests/

test-notebooks: data
	GANCOURSE_PROFILE=fast $(PY) -m pytest --nbval-lax --nbval-current-env notebooks/

test-gpu: data
	GANCOURSE_REQUIRE_DATA=1 $(PY) -m pytest -m gpu tests/

lab: data
	$(PY) -m jupyter lab notebooks/

# Mutation testing of the core modules (not in CI: it takes hours; docs/mutation.md has the score).
mutation: data
	$(PY) -m pip install --quiet 'mutmut>=3.8,<4'
	$(PY) -m mutmut run --max-children 2; $(PY) -m mutmut results

lint: setup
	$(PY) -m ruff check gancourse tests notebooks scripts benchmarks
	$(PY) -m ruff format --check gancourse tests scripts benchmarks

clean:
	rm -rf build .pytest_cache .ruff_cache
