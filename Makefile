# Two commands on a fresh clone: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint load bench chaos clean refresh-constraints

# constraints.txt is the exact set this repository runs with; pyproject.toml keeps compatible ranges for users.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,load,serve]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m intacct_harness.connector.demo
	$(BIN)/python -m intacct_harness.scenarios.headline

# ruff, the suite in parallel with coverage, the 90 % branch gates: .ci/check, shared with tox.
test: $(STAMP)
	.ci/check $(BIN)

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

# After changing a range in pyproject.toml: resolve '.[test,load]' afresh in a scratch venv and freeze it.
refresh-constraints:
	rm -rf .venv-refresh
	$(PYTHON) -m venv .venv-refresh
	.venv-refresh/bin/python -m pip install --quiet --upgrade pip
	.venv-refresh/bin/python -m pip install --quiet '.[test,load]'
	rm -rf build
	{ sed -n '/^#/p' constraints.txt; .venv-refresh/bin/python -m pip freeze --exclude intacct-harness; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-refresh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .coverage.* htmlcov results
