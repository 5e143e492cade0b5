# Test tiers: `make test` (unit + integration, no root, minutes) and
# `make e2e` (root; real kubelets, containerd and control planes on sandbox
# nodes of this machine). See README.md.

SHELL := /bin/bash
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN := bin
E2E_TIMEOUT ?= 80m
# The whole fault matrix takes about an hour on 2 cores.
E2E_FAULTS_TIMEOUT ?= 150m
# Every scenario, the fault matrix included: about two and a half hours.
E2E_FULL_TIMEOUT ?= 300m
# `make e2e` (and so CI) runs a representative set of the scenarios;
# `make e2e-full` runs them all. README.md lists which is which.
E2E_CI_SET := TestSandboxNodesRunStaticPods|TestInitResumesAndBuildsAControlPlane|TestHAClusterSurvivesLosingAControlPlane|TestParallelControlPlaneJoins|TestJoinRefusals|TestUpgradeRollsBackABrokenAPIServer|TestUpgradeHACluster|TestResetRejoinAndDay2|TestKindDrivesKubeadm|TestClusterAPIDrivesKubeadm|TestCallersConfigsGetUpstreamsVerdict|TestRootlessControlPlane|TestEtcdDisasterDataLost|TestEtcdDisasterAllControlPlanesLost|TestKubeDNSMigratesToCoreDNS|TestSwap|TestExternalCA|TestIPVS|TestCRIDockerdSocket|TestDualStack|TestFileDiscovery|TestExternalEtcd|TestCRIO
E2E_RUN ?= ^($(E2E_CI_SET))$$

.PHONY: build test vet fmt-check fuzz e2e e2e-full e2e-faults artifacts e2e-clean root-check up down bench bench-init bench-join bench-upgrade

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/bench ./test/e2e/cmd/bench
	CGO_ENABLED=0 $(GO) build -o $(BIN)/kubeadm ./cmd/kubeadm

vet:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/e2e/...
	$(GO) vet -tags "e2e benchmarks" ./test/e2e/...

fmt-check:
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './_artifacts/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

test: vet fmt-check
	$(GO) test -race -count=1 ./...

# The fuzz tests run their seed corpus in `make test`; this explores each
# for FUZZ_TIME (go test takes one fuzz target at a time).
FUZZ_TIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZ_TIME) ./app/apis/kubeadm/
	$(GO) test -run '^$$' -fuzz '^FuzzInitAndJoinFlags$$' -fuzztime $(FUZZ_TIME) ./cmd/kubeadm/

root-check:
	@[ "$$(id -u)" = 0 ] || { echo "this target needs root: sudo make $(MAKECMDGOALS)"; exit 1; }

# Builds or reuses every artifact (Kubernetes binaries, etcd, CoreDNS,
# pause, containerd, images) in the cache, installing Debian packages.
artifacts: root-check build
	$(BIN)/bench artifacts

# Whatever happens to the test binary (failure, timeout, kill), the host is
# cleaned afterwards; failed tests have already copied their logs to _artifacts/.
e2e: root-check build
	$(BIN)/bench artifacts
	rc=0; $(GO) test -tags e2e -count=1 -v -timeout $(E2E_TIMEOUT) -run '$(E2E_RUN)' ./test/e2e/ || rc=$$?; \
	$(BIN)/bench clean >/dev/null || rc=1; exit $$rc

# Every scenario, including those CI leaves out.
e2e-full: root-check build
	$(MAKE) e2e E2E_RUN=. E2E_TIMEOUT=$(E2E_FULL_TIMEOUT)

# The fault matrix: init and joins killed with SIGKILL at every phase
# boundary (FAULT_POINTS=all: after every phase) and run again; the
# tables go to _artifacts/fault-matrix.md too.
e2e-faults: root-check build
	mkdir -p _artifacts && rm -f _artifacts/fault-matrix.md
	FAULT_MATRIX_OUT=$(CURDIR)/_artifacts/fault-matrix.md $(MAKE) e2e E2E_RUN='^TestFaultMatrix' E2E_TIMEOUT=$(E2E_FAULTS_TIMEOUT)

e2e-clean: root-check build
	$(BIN)/bench clean

# A sandbox cluster built by this project's kubeadm, for people: `make up`
# (1 control plane + 1 worker; `make up HA=1` for 3 + 2 behind haproxy)
# prints `kubectl get nodes,pods -A`; `make down` removes it.
UP_SHAPE = $(if $(HA),--control-planes 3 --workers 2,--control-planes 1 --workers 1)
up: root-check build
	$(BIN)/bench artifacts
	$(BIN)/bench up --kubeadm $(BIN)/kubeadm $(UP_SHAPE)

down: root-check build
	$(BIN)/bench delete

# The side-by-side benchmark: this kubeadm and upstream kubeadm v1.37.1,
# alternately, on fresh sandbox nodes, BENCH_RUNS runs each (default 5):
# init (with its timeline), worker and control-plane joins, single-node and
# HA upgrades, parallel joins. One table on stdout; JSON, Markdown and a
# chart in _artifacts/bench/. BENCH_ONLY picks sections (a regexp of
# init|worker-join|control-plane-join|upgrade|ha-upgrade|parallel-joins).
BENCH_ONLY ?= .
bench: root-check build
	$(BIN)/bench artifacts
	rc=0; BENCH_OUT=$(CURDIR)/_artifacts/bench $(GO) test -tags 'e2e benchmarks' -count=1 -v -timeout 300m -run 'TestBench$$/$(BENCH_ONLY)' ./test/e2e/ || rc=$$?; \
	$(BIN)/bench clean >/dev/null || rc=1; exit $$rc

bench-init:
	$(MAKE) bench BENCH_ONLY='^init$$'
bench-join:
	$(MAKE) bench BENCH_ONLY='join'
bench-upgrade:
	$(MAKE) bench BENCH_ONLY='upgrade'
