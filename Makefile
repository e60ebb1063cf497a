# sandpit — two commands: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
SWIFT ?= swift
CC ?= cc
# -j2: this project's machines have 2 cores; more jobs only add memory pressure.
SWIFT_FLAGS ?= -j 2
RELEASE_DIR := .build/release
DEBUG_DIR := .build/debug
PLUGIN_DIR := .build/plugins
TEST_PLUGIN_DIR := .build/test-plugins
ABI_INCLUDE := Sources/SandpitPluginABI/include
C_PLUGINS := keyword-triage echo
SWIFT_PLUGINS := lexicon-triage naive-bayes-triage pattern-redactor rules-decide
CFLAGS_PLUGIN := -shared -fPIC -O2 -Wall -Wextra -Werror -I $(ABI_INCLUDE)

.PHONY: all deps build build-debug plugins test-plugins demo test bench lint clean

all: build plugins

## Installs missing system packages (apt-get), only when missing.
deps:
	@scripts/install-deps.sh

## Release build of the CLI and the worker.
build: deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product sandpit
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product sandpit-worker

build-debug: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests

## Every example plugin into .build/plugins/NAME.so (C with cc, Swift with SwiftPM).
plugins: deps
	@mkdir -p $(PLUGIN_DIR)
	@for p in $(C_PLUGINS); do \
		echo "cc plugins/$$p -> $(PLUGIN_DIR)/$$p.so"; \
		$(CC) $(CFLAGS_PLUGIN) -o $(PLUGIN_DIR)/$$p.so plugins/$$p/*.c || exit 1; \
	done
	@for p in $(SWIFT_PLUGINS); do \
		$(SWIFT) build $(SWIFT_FLAGS) -c release --product $$p || exit 1; \
		cp $(RELEASE_DIR)/lib$$p.so $(PLUGIN_DIR)/$$p.so; \
		echo "swift plugins/$$p -> $(PLUGIN_DIR)/$$p.so"; \
	done
	@# The naive Bayes baseline is trained here, on the catalogue's training split only.
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product naive-bayes-train
	$(RELEASE_DIR)/naive-bayes-train $(PLUGIN_DIR)/naive-bayes-triage.weights

## Hostile plugins for the tests.
test-plugins:
	@Tests/Plugins/build.sh $(TEST_PLUGIN_DIR)

## Build, then trial every example plugin under sandboxes/standard.yaml and compare.
demo: build plugins
	@echo
	@echo "== sandpit run $(PLUGIN_DIR)/*.so --policy standard"
	@$(RELEASE_DIR)/sandpit run $(PLUGIN_DIR)/*.so --policy standard
	@echo
	@echo "Next: $(RELEASE_DIR)/sandpit trials, then $(RELEASE_DIR)/sandpit show ID"

## Build and run every test (unit, end-to-end on the built binary, hostile plugins).
test: lint build-debug plugins test-plugins
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build

## Speed: cold start, round trip and throughput, as ratios against baselines run alongside.
bench: build plugins test-plugins
	@scripts/install-deps.sh bubblewrap
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product sandpit-bench
	$(CC) -O2 -o .build/bench-pingpong bench/pingpong.c
	$(RELEASE_DIR)/sandpit-bench

## Formatting, as .swift-format says (STYLE.md rule 12).
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests plugins Package.swift

clean:
	rm -rf .build sandpit.sqlite sandpit.sqlite-wal sandpit.sqlite-shm
