# Training Deep Networks — course build, demo and tests.
# `make demo` and `make test` are the two commands a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements
JOBS   ?= 2
# The course works on small matrices: one BLAS thread per process is far faster
# than threads fighting over two cores (and each other).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: venv demo test test-unit test-notebooks test-roundtrip build lab strip clean benchmark

$(STAMP): requirements.txt requirements-dev.txt requirements-postgres.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -r requirements-dev.txt -r requirements-postgres.txt
	# The course itself, editable: the `tdn` command, importable by Dask's scheduler and workers.
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

## Build a demo course (demo-course/, never course/), grade the sample class, print the grades.
demo: venv
	$(BIN)/tdn demo --jobs $(JOBS)

## The whole test suite: notebooks stripped, unit tests, notebooks executed, round trip.
test: venv
	$(BIN)/nbstripout --verify notebooks/*.ipynb
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile tests
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env -p no:python notebooks

test-unit: venv
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile tests -m "not slow"

test-notebooks: venv
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env -p no:python notebooks

test-roundtrip: venv
	$(BIN)/python -m pytest -q tests/test_roundtrip.py

build: venv
	$(BIN)/tdn build

## JupyterLab on a student's copy of the released assignments (course/student/),
## without the instructor-only nbgrader extensions (formgrader, create-assignment).
lab: build
	$(BIN)/tdn student-lab

## Remove outputs from the instructor notebooks before committing.
strip: venv
	$(BIN)/nbstripout notebooks/*.ipynb

benchmark: venv
	$(BIN)/python -m benchmarks.step

clean:
	rm -rf demo-course .pytest_cache build *.egg-info
