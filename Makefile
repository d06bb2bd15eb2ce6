# omhcl: make demo runs the demo, make test runs every test.
GO       ?= go
BIN      := bin
CMDS     := omplan omapply om
export CGO_ENABLED := 0

.PHONY: all build setup demo test test-short vet bench fuzz clean

# What om version and --version print, stamped from git (a plain go build
# says "devel"); make VERSION=1.2.3 overrides. SOURCE_DATE_EPOCH fixes the
# date for a reproducible build.
VERSION   := $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT    := $(shell git rev-parse HEAD 2>/dev/null)
DATE      := $(shell date -u $${SOURCE_DATE_EPOCH:+-d @$$SOURCE_DATE_EPOCH} +%Y-%m-%dT%H:%M:%SZ)
BUILDINFO := github.com/omhcl/omhcl/internal/buildinfo
LDFLAGS   := -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT) -X $(BUILDINFO).date=$(DATE)
export VERSION DATE LDFLAGS

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/omplan ./cmd/omapply ./cmd/om ./testfixtures/demoweb

# Installs the binaries, the systemd unit (neither enabled nor started),
# man pages and bash and zsh completion written by the binaries, and
# /etc/omhcl, where Debian expects them (scripts/install.sh says where and
# why; docs/install.md). PREFIX=/usr for a package; DESTDIR to stage.
PREFIX ?= /usr/local
.PHONY: install uninstall release deb
install: build
	PREFIX='$(PREFIX)' DESTDIR='$(DESTDIR)' ./scripts/install.sh $(BIN)

uninstall:
	PREFIX='$(PREFIX)' DESTDIR='$(DESTDIR)' ./scripts/install.sh --uninstall $(BIN)

# Static binaries for linux/amd64 and linux/arm64, as archives and Debian
# packages, with SHA256SUMS, in dist/ (scripts/release.sh).
release: build
	GO='$(GO)' BIN='$(BIN)' ./scripts/release.sh

# dist/omhcl_VERSION_ARCH.deb, for this machine unless DEB_ARCH=arm64 or
# amd64 says otherwise; dpkg-deb builds it (scripts/deb.sh says why).
# Then: apt install ./dist/omhcl_*.deb
DEB_ARCH ?= $(shell dpkg --print-architecture 2>/dev/null || $(GO) env GOARCH)
deb: build
	GO='$(GO)' BIN='$(BIN)' ./scripts/release.sh --deb $(DEB_ARCH)

# Installs the Debian packages the tests and the demo need when they are
# missing and starts the container engines (root); without root it says what
# is missing and which tests skip. make test runs it first, scripts/demo.sh
# after its root check.
setup:
	./scripts/setup.sh

demo: build
	./scripts/demo.sh

# Root-only tests (namespaces, loop devices, mounts) skip with a reason
# when not run as root; CI runs as root, so every test runs there, after
# setup has installed what they run and started the engines.
# The cluster scenarios (cmd/e2e/cluster) run after the rest, alone: their
# fast-profile leases are timing-sensitive, and the container tests beside
# them on a 2-core machine starved them into spurious quorum losses.
test: setup build vet
	$(GO) test -count=1 -timeout 20m $$($(GO) list ./... | grep -v /cmd/e2e/cluster)
	$(GO) test -count=1 -timeout 20m ./cmd/e2e/cluster

test-short:
	$(GO) test -count=1 -short ./...

vet:
	$(GO) vet ./...

bench: build
	./scripts/bench.sh

# A 3-node cluster lab with an HA service to try by hand (root):
# scripts/lab.sh status|mon|kill NODE|cut NODE|heal NODE|down ...
.PHONY: lab bench-failover bench-loss bench-sync heal-trial starve-trial
lab: build
	./scripts/lab.sh up

# Failover time and daemon idle cost, in labs of its own (root).
bench-failover: build
	./scripts/bench-failover.sh

# An incremental sync of 100 MiB, sync.rsync beside plain rsync, in a lab of
# its own (root): part 4 of make bench.
bench-sync: build
	./scripts/bench-sync.sh

# The service under a lossy link (10, 30, 50 % both ways and egress, 60 s
# each) in labs of its own (root, nftables): docs/cluster.md has figures.
bench-loss: build
	CGO_ENABLED=0 $(GO) build -o $(BIN)/omlab ./testfixtures/clusterlab/cmd/lab
	$(BIN)/omlab -root /var/tmp/ombench-loss bench-loss

# 50 cycles of a 1 s cut and a 1 s heal of the node serving the lab
# service, then a minute of quiet, in a lab of its own (root): the service
# must settle on one node and stay there, never on two (docs/cluster.md).
heal-trial: build
	CGO_ENABLED=0 $(GO) build -o $(BIN)/omlab ./testfixtures/clusterlab/cmd/lab
	$(BIN)/omlab -root /var/tmp/omheal-trial heal-trial

# 10 cuts of the node serving the lab service while busy loops starve
# every CPU, in a lab of its own (root): the cut node must drop the
# address before a survivor plumbs it (docs/cluster.md).
starve-trial: build
	CGO_ENABLED=0 $(GO) build -o $(BIN)/omlab ./testfixtures/clusterlab/cmd/lab
	$(BIN)/omlab -root /var/tmp/omstarve-trial starve-trial

# Coverage-guided fuzzing of parse+evaluate, of whole files then of single
# expressions in a service, of om import's conversion and of the command
# line splitter; FUZZTIME=10m for a longer run of each.
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./lang -run '^$$' -fuzz '^FuzzLoadEvaluate$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s
	$(GO) test ./lang -run '^$$' -fuzz '^FuzzExpression$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s
	$(GO) test ./opensvc -run '^$$' -fuzz '^FuzzConvert$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s
	$(GO) test ./internal/cmdline -run '^$$' -fuzz '^FuzzSplitJoin$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s

clean:
	rm -rf $(BIN) dist
