# berth — see README.md. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO        ?= go
BIN       := $(CURDIR)/bin
PKG       := github.com/berth-sh/berth
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE      ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS   := -s -w -X $(PKG)/internal/version.version=$(VERSION) \
             -X $(PKG)/internal/version.commit=$(COMMIT) -X $(PKG)/internal/version.date=$(DATE)
# Two cores: one test binary at a time keeps envtest start-ups from starving each other.
GOTEST    ?= $(GO) test -p 1
GOLANGCI_LINT_VERSION := v2.15.0
TOOLS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/berth/tools
GOLANGCI_LINT := $(TOOLS_CACHE)/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint
DEADCODE_VERSION := v0.52.0
DEADCODE  := $(TOOLS_CACHE)/deadcode-$(DEADCODE_VERSION)/deadcode
CORPUS    ?= $(CURDIR)/../shared/corpus
CORPUS2   ?= $(CURDIR)/../shared/corpus2
export BERTH_BIN_DIR := $(BIN)

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/berth
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/berth ./cmd/berth

.PHONY: install
install: ## go install berth with version information
	$(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/berth

.PHONY: tools
tools: ## build etcd, kube-apiserver, controller-manager, scheduler, kubectl, kwok, Helm 4, Helm 3 and cosign (cached per version)
	hack/tools/build.sh cluster helm cosign oras

.PHONY: test
test: tools build unit e2e ## everything: unit + envtest integration + end-to-end on the local cluster

.PHONY: unit
unit: ## unit and envtest integration tests (go test ./...), including the docs check
	$(GOTEST) -count=1 ./...

.PHONY: e2e
e2e: tools build ## end-to-end tests on the local cluster and registries A and B (each started and stopped for the run unless already up)
	cluster=0; hack/cluster.sh status >/dev/null 2>&1 && cluster=1; \
	registry=0; hack/registry.sh status >/dev/null 2>&1 && registry=1; \
	status=0; { hack/cluster.sh up && hack/registry.sh up; } || status=$$?; \
	[ $$status != 0 ] || $(GOTEST) -count=1 -tags e2e ./test/e2e/... || status=$$?; \
	[ $$registry = 1 ] || hack/registry.sh down; \
	[ $$cluster = 1 ] || hack/cluster.sh down; exit $$status

.PHONY: endurance
endurance: tools build ## endurance tests on a cluster of their own (temporary directory): API server restarts, etcd compaction, contention, namespace deletion
	$(GOTEST) -count=1 -tags endurance -timeout 30m ./test/endurance/...

.PHONY: cluster-up
cluster-up: tools ## start the local cluster (kubeconfig in .cluster/kubeconfig)
	hack/cluster.sh up

.PHONY: cluster-down
cluster-down: ## stop the local cluster
	hack/cluster.sh down

.PHONY: demo
demo: tools build ## walk through berth on a local cluster, then stop it
	hack/demo.sh

.PHONY: docs
docs: ## regenerate the command reference in docs/commands
	$(GO) run ./hack/docgen docs/commands

.PHONY: lint
lint: $(GOLANGCI_LINT) $(DEADCODE) tidy-check ## golangci-lint, go vet of hack/tools, go mod tidy check, code cmd/berth never reaches (tools pinned, built once into the user cache)
	$(GOLANGCI_LINT) run ./...
	cd hack/tools/kube && $(GO) vet .
	cd hack/tools/etcd && $(GO) vet .
	hack/deadcode.sh $(DEADCODE) hack/deadcode-allow.txt

.PHONY: tidy-check
tidy-check: ## fail when go mod tidy would change go.mod or go.sum (prints the diff)
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy and commit the result" >&2; exit 1; }

# Each tool is built into a temporary directory and moved into place whole,
# so an interrupted build never leaves a binary behind that looks cached.
$(GOLANGCI_LINT):
	hack/tools/goinstall.sh $@ github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

$(DEADCODE):
	hack/tools/goinstall.sh $@ golang.org/x/tools/cmd/deadcode@$(DEADCODE_VERSION)

.PHONY: bench
bench: build ## benchmarks against Helm v4 (and helmfile for stacks) built from the module proxy (see docs/performance.md)
	hack/tools/build.sh helm helmfile
	$(GO) run ./hack/bench -berth $(BIN)/berth -helm $(BIN)/helm -shared $(CURDIR)/../shared -plots docs/perf $(BENCH_FLAGS)

# FUZZ_TARGETS are package:target pairs; `go test -fuzz` takes one target at a time.
FUZZTIME ?= 30s
FUZZ_TARGETS = ./pkg/render/values:FuzzParseSet ./pkg/render/values:FuzzCoalesce \
	./pkg/chart:FuzzLoadArchive ./pkg/render:FuzzSplitManifests ./pkg/render:FuzzNextSeparator \
	./pkg/render:FuzzParseHead ./pkg/release:FuzzDecodePayload ./pkg/oci:FuzzParseReference

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each (default 30s); new crashers land in the package's testdata/fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} $${t##*:} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t##*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

.PHONY: compat
compat: build ## Helm-compatibility corpora: ../shared/corpus, and ../shared/corpus2 against bin/helm; fails if a case in hack/compat*-passing.txt regresses
	hack/tools/build.sh helm
	status=0; python3 hack/compat.py $(BIN)/berth $(CORPUS) || status=$$?; \
	python3 hack/compat2.py $(BIN)/berth $(BIN)/helm $(CORPUS2) $(CORPUS)/check.py || status=$$?; exit $$status

.PHONY: compat-update
compat-update: build ## record the corpus cases that pass now in hack/compat-passing.txt and hack/compat2-passing.txt
	hack/tools/build.sh helm
	python3 hack/compat.py $(BIN)/berth $(CORPUS) --update
	python3 hack/compat2.py $(BIN)/berth $(BIN)/helm $(CORPUS2) $(CORPUS)/check.py --update

.PHONY: clean
clean: ## remove bin/ links and build output (the tools cache is kept)
	-hack/registry.sh down 2>/dev/null
	-hack/cluster.sh down 2>/dev/null
	rm -rf $(BIN) dist .cluster .registry .registry-b
