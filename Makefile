# Thin wrapper around CMake. The two commands README.md starts with:
#   make demo   install dependencies, build, run the demo
#   make test   install dependencies, build, run every test (CTest)
BUILD     ?= build
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
ifdef ONE_LOCATION
REMOTES   ?= $(ONE_LOCATION)/var/remotes
BINDIR    ?= $(ONE_LOCATION)/bin
DATADIR   ?= $(ONE_LOCATION)/share/one-ipfs
else
REMOTES   ?= /var/lib/one/remotes
BINDIR    ?= /usr/bin
DATADIR   ?= /usr/share/one-ipfs
endif

MAKEFLAGS += --no-print-directory

.PHONY: all deps configure build test unit demo install uninstall deb clean bench fuzz

all: build

deps:
	@bash scripts/install-deps

configure:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONEIPFS_BINDIR=$(BINDIR) -DONEIPFS_DATADIR=$(DATADIR) >/dev/null

# (the "Built target" lines of targets already up to date are left out)
build: configure
	@bash -o pipefail -c 'cmake --build $(BUILD) -j $(JOBS) | sed -u "/^\[ *[0-9]*%\] Built target /d"'

test: deps build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

unit: build
	@$(BUILD)/unit_tests

demo: deps build
	@bash scripts/demo $(BUILD)

bench: deps build
	@bash bench/clone-throughput $(BUILD)
	@bash bench/ds-latency $(BUILD)
	@bash bench/p2p-egress $(BUILD)

# libFuzzer harnesses (fuzz/) built with clang in build-fuzz, each run for
# FUZZ_SECONDS (default 60); FUZZ_TARGETS="action tm_args" picks some,
# FUZZ_MERGE=1 merges what they found into fuzz/corpus/ (see fuzz/run).
fuzz: deps
	@bash fuzz/run

# Installs into $(DESTDIR)$(REMOTES): datastore/ipfs, tm/ipfs, market/ipfs, etc/datastore/ipfs;
# the tools into $(DESTDIR)$(BINDIR), reference files into $(DESTDIR)$(DATADIR).
install: build
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix $(REMOTES) --strip
	@echo "one-ipfs installed:"
	@echo "  $(DESTDIR)$(REMOTES)/datastore/ipfs, $(DESTDIR)$(REMOTES)/tm/ipfs, $(DESTDIR)$(REMOTES)/market/ipfs   the drivers"
	@echo "  $(DESTDIR)$(REMOTES)/etc/datastore/ipfs/ipfs.conf   settings (an edited one is kept)"
	@echo "  $(DESTDIR)$(BINDIR)/one-ipfs-register, one-ipfs-doctor, one-ipfs-fsck, one-ipfs-image, one-ipfs-market;  $(DESTDIR)$(DATADIR)   templates, oned.conf blocks"
	@echo "oned.conf was not changed: run one-ipfs-register, restart oned, onehost sync --force, one-ipfs-doctor"

# Removes the driver directories (ours alone); keeps the operator's ipfs.conf.
uninstall:
	@rm -rf "$(DESTDIR)$(REMOTES)/datastore/ipfs" "$(DESTDIR)$(REMOTES)/tm/ipfs" "$(DESTDIR)$(REMOTES)/market/ipfs" "$(DESTDIR)$(DATADIR)"
	@rm -f "$(DESTDIR)$(BINDIR)/one-ipfs-register" "$(DESTDIR)$(BINDIR)/one-ipfs-doctor" "$(DESTDIR)$(BINDIR)/one-ipfs-fsck" "$(DESTDIR)$(BINDIR)/one-ipfs-image" "$(DESTDIR)$(BINDIR)/one-ipfs-market"
	@rm -f "$(DESTDIR)$(REMOTES)/etc/datastore/ipfs/ipfs.conf.new"
	@echo "one-ipfs removed from $(DESTDIR)$(REMOTES) (kept $(REMOTES)/etc/datastore/ipfs/ipfs.conf)"

# Debian package of the system layout: $(BUILD)/deb/one-ipfs_<version>_<arch>.deb
deb: BINDIR = /usr/bin
deb: DATADIR = /usr/share/one-ipfs
deb: build
	@cd $(BUILD) && cpack -G DEB -B "$(abspath $(BUILD))/deb" >/dev/null
	@ls "$(abspath $(BUILD))"/deb/*.deb

clean:
	@rm -rf $(BUILD) build-fuzz
