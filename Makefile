# Conectados — `make demo` and `make test` work on a fresh machine with Python 3.11+ and make.
.DEFAULT_GOAL := help

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# pytest-xdist workers (0 runs the tests in one process). Two, one per core of the CI
# machine: much of the suite waits on subprocesses, sockets and polls (one process 11.3 min,
# two 7.4, three 6.5, four 5.5 to 6.5), but three and four overloaded the machine past the
# simulator's webhook check now and then. Each test file runs whole on one worker, so a
# module's fixtures are built once.
PYTEST_WORKERS ?= 2

.PHONY: help demo test lint bench mutants clean

help:
	@echo "make demo   prepara el entorno y ejecuta la demostración"
	@echo "make test   prepara el entorno y ejecuta las pruebas"
	@echo "make lint   revisa el estilo del código (ruff)"
	@echo "make bench  ejecuta las mediciones de bench/"
	@echo "make mutants  siembra defectos en las guardas y comprueba que las pruebas los detectan"
	@echo "make clean  borra el entorno virtual, la demostración y los archivos generados"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "Se necesita Python 3.11 o más reciente (python3 --version)." >&2; exit 2; fi
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/conectados demo

# The guides' examples start the service on its documented ports (8765 and 8080): they run
# alone, after the rest, so no other test's simulator or receiver is there at the same time.
ALONE_TESTS := tests/test_guides.py

test: $(VENV)/.installed-test
	@$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --ignore=$(ALONE_TESTS) $(PYTEST_ARGS); \
	status=$$?; if [ $$status -eq 5 ]; then echo "pytest: no se encontraron pruebas"; status=0; fi; \
	[ $$status -eq 0 ] || exit $$status; \
	if [ -z "$(PYTEST_ARGS)" ]; then $(BIN)/python -m pytest $(ALONE_TESTS); fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

mutants: $(VENV)/.installed-test
	$(BIN)/python bench/mutants.py --run

# What `make demo`, `make test`, `make bench` and alembic leave in the tree (not the company's
# own conectados.toml or database, which live wherever it chose).
DEMO_FOLDER := demo
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .coverage htmlcov build dist *.egg-info \
		$(DEMO_FOLDER) demo-conectados alembic-dev.db alembic-dev.db-* bench/results
	find . -name .git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
