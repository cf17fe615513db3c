# Everything a new machine needs is installed by these targets; see README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

FUTURE_CLOCK ?= 2028-03-01
FUTURE_ARGS ?=

.PHONY: run test test-future lint typecheck check bench install browser clean

$(STAMP): requirements.lock requirements-dev.in requirements.in
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.in -c requirements.lock
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py serve --port $(PORT)

# Playwright drives Debian's chromium; never a downloaded browser build. The CJK fonts let the
# print-form tests (and screenshots) render Chinese as glyphs, not boxes.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)

test: $(STAMP) browser
	$(PY) -m pytest -q

# The suite with the clock moved years ahead: no test may depend on today's date.
# FUTURE_ARGS narrows it (CI: '-m "not browser and not slow"').
test-future: $(STAMP) browser
	DANGJIAN_TEST_CLOCK=$(FUTURE_CLOCK) $(PY) -m pytest -q $(FUTURE_ARGS)

# The import contracts (pyproject.toml [tool.importlinter], ADR 0024): `.venv/bin/lint-imports`.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(VENV)/bin/mypy dangjian

check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run
	DANGJIAN_ENV=production DANGJIAN_KEY_FILE=$${DANGJIAN_KEY_FILE:-var/keys.json} \
	  DJANGO_ALLOWED_HOSTS=dangjian.example.gov.cn $(PY) manage.py check --deploy --fail-level WARNING

# The audited-writes benchmark needs PostgreSQL (BENCH_PG_URL, default the local server).
bench: $(STAMP)
	$(PY) -m dangjian.benchmarks.run
	$(PY) -m dangjian.benchmarks.members_run
	$(PY) -m dangjian.benchmarks.workbench
	$(PY) -m dangjian.benchmarks.audit_writes

clean:
	rm -rf $(VENV) var
