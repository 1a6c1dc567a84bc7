# Two commands on a fresh clone: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint load bench chaos clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,load]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m intacct_harness.connector.demo
	$(BIN)/python -m intacct_harness.scenarios.headline

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto --dist loadgroup -q --cov --cov-report=term:skip-covered
	@# Branch coverage gates (90 % for simulator/ and connector/), silent when met so pytest's summary stays last.
	@for pkg in simulator connector; do \
	  total=$$($(BIN)/python -m coverage report --include="$$pkg/*" --format=total) || exit 1; \
	  [ "$$total" -ge 90 ] || { echo "branch coverage of $$pkg/ is $$total%, below 90%"; exit 1; }; \
	done

# Locust against the served simulator at tier settings; LOAD_DURATION (30), LOAD_USER_CLASS (gateway|sync),
# LOAD_USERS, LOAD_COMPANIES, LOAD_PROCESSES (Locust workers) ... see loadtests/README.md. Reports in results/.
load: $(STAMP)
	$(BIN)/python -m loadtests.run $(LOAD_ARGS)

# The side-by-side benchmark table (BENCH_ROWS=1,2,3,4,5; BENCH_WRITE=loadtests/RESULTS.md appends it there).
bench: $(STAMP)
	$(BIN)/python -m loadtests.bench $(BENCH_ARGS)

# Chaos soak: 10,000 documents under 15 % faults plus SIGKILLs of the connector; ends "duplicates: N" / "lost: N".
chaos: $(STAMP)
	$(BIN)/python -m loadtests.chaos $(CHAOS_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .coverage.* htmlcov results
