# SCT platform: the two commands a new user needs are `make run` and
# `make test`. Both find or start PostgreSQL themselves (scripts/db.sh):
# DATABASE_URL if set, else a local server that answers, else a private
# cluster in .pgdata (or the system temp folder).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
DB := scripts/db.sh
# Where cargo puts the release binary (CARGO_TARGET_DIR moves it).
SCT := $(or $(CARGO_TARGET_DIR),target)/release/sct
TEST_DB_PREFIX := sct_test_

.PHONY: run test build lint lint-scripts cycles fmt openapi lint-openapi portal-test client-test fuzz multi faults replica bench db db-stop help

help:
	@echo "make run      start PostgreSQL if needed, migrate, seed demo data, serve on SCT_BIND (default 127.0.0.1:8080)"
	@echo "make test     start PostgreSQL if needed and run every test"
	@echo "make lint     rustfmt --check, clippy -D warnings, make lint-scripts and make cycles"
	@echo "make lint-scripts  shellcheck on the shell scripts (Debian package shellcheck)"
	@echo "make cycles   no Rust module uses a module that uses it back (scripts/module-cycles.py)"
	@echo "make openapi  regenerate openapi/openapi.json from the code"
	@echo "make lint-openapi  Spectral (spectral:oas + openapi/.spectral.yaml) on openapi/openapi.json"
	@echo "make portal-test   browser test of Swagger UI (Debian chromium + playwright-core)"
	@echo "make client-test   generate a Python client (openapi-python-client) and a TypeScript one"
	@echo "              (openapi-typescript + openapi-fetch, tsc --strict) and use both against a server"
	@echo "make fuzz     Schemathesis (PyPI, pinned, in .fuzz/venv) against the contract with every role's token"
	@echo "make multi    two release sct serve on one database behind HAProxy (Debian): If-Match and"
	@echo "              Idempotency-Key races, webhooks once each, a process stopped under write load"
	@echo "make faults   under write load, PostgreSQL crashes (own cluster in .pgdata-faults) and the API is"
	@echo "              SIGKILLed: no acknowledged write lost or doubled, 503 within 5 s, back within 5 s"
	@echo "make replica  a hot standby (scripts/standby.sh, own clusters in .pgdata-replica*): reports and"
	@echo "              the audit list served from it with Age, a write seen there within 1 s"
	@echo "make db       print the DATABASE_URL in use; make db-stop stops the private cluster"
	@echo "make bench    benchmark against pgbench and HTTP ceilings (BENCH_SCALE=small|national); see docs/performance.md"

build:
	$(CARGO) build --release -p sct-api --bin sct

run: build
	@url="$$($(DB) url)"; export DATABASE_URL="$$url"; \
	$(SCT) migrate; \
	$(SCT) seed; \
	echo ""; \
	echo "SCT API on http://$${SCT_BIND:-127.0.0.1:8080}  (Swagger UI: /swagger-ui/)"; \
	echo "A token: DATABASE_URL=$$url $(SCT) token --role la_admin"; \
	echo ""; \
	exec $(SCT) serve

test:
	@url="$$($(DB) url)"; export DATABASE_URL="$$url"; \
	status=0; \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast --test-threads 4 || status=$$?; \
	else \
		$(CARGO) test --workspace --no-fail-fast || status=$$?; \
	fi; \
	$(DB) drop-prefix "$$url" $(TEST_DB_PREFIX) >/dev/null || true; \
	exit $$status

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(MAKE) --no-print-directory lint-scripts cycles

SHELL_SCRIPTS := scripts/*.sh bench/*.sh tests/portal/*.sh .ci/run

lint-scripts:
	shellcheck -x $(SHELL_SCRIPTS)

# The checker's own tests on tiny fixture crates, then every crate under
# crates/ (or one: scripts/module-cycles.py crates/persistence).
cycles:
	PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s scripts/tests -t scripts/tests -q
	python3 scripts/module-cycles.py

fmt:
	$(CARGO) fmt --all

openapi:
	$(CARGO) run -q -p sct-api --bin sct -- openapi > openapi/openapi.json

# Spectral from npm (pinned in tools/openapi-lint); zero errors required.
lint-openapi:
	cd tools/openapi-lint && if [ ! -x node_modules/.bin/spectral ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund --loglevel=error; fi
	tools/openapi-lint/node_modules/.bin/spectral lint openapi/openapi.json \
		--ruleset openapi/.spectral.yaml --fail-severity error --format text
	@echo ""

# Swagger UI in a real browser: Debian's chromium driven by playwright-core.
portal-test:
	tests/portal/run.sh

# A Python client generated from openapi/openapi.json gets a token, submits a
# referral and reads it back against a real server (venv in .client-test/);
# then a TypeScript client (tests/client-ts/, npm) type-checked with tsc
# --strict lists, submits, accepts and reads one, with its typed history.
client-test:
	scripts/client-test.sh
# Contract fuzzing: Schemathesis with every check, a token of each role, on a
# migrated and seeded database; FUZZ_EXAMPLES bounds the cases per operation.
fuzz:
	scripts/fuzz.sh

# Operational tests on the release binary (tests/ops/, Python standard
# library): several processes behind a real reverse proxy, and faults.
# SCT_BIN=target/debug/sct runs them on another binary (no release build).
multi: $(if $(SCT_BIN),,build)
	PYTHONDONTWRITEBYTECODE=1 python3 tests/ops/multi.py

faults: $(if $(SCT_BIN),,build)
	PYTHONDONTWRITEBYTECODE=1 python3 tests/ops/faults.py

replica: $(if $(SCT_BIN),,build)
	PYTHONDONTWRITEBYTECODE=1 python3 tests/ops/replica.py

# Not part of `make test`: seeds a large dataset (once per scale) and loads the
# machine for a few minutes. BENCH_SCALE=small (10k referrals) or national (default).
bench:
	bench/run.sh

db:
	@$(DB) url

db-stop:
	@$(DB) stop
