# Thin wrapper around CMake. The two commands README.md starts with:
#   make demo   install dependencies, build, run the demo
#   make test   install dependencies, build, run every test (CTest)
BUILD     ?= build
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
ifdef ONE_LOCATION
REMOTES   ?= $(ONE_LOCATION)/var/remotes
else
REMOTES   ?= /var/lib/one/remotes
endif

.PHONY: all deps configure build test unit demo install uninstall clean bench

all: build

deps:
	@bash scripts/install-deps

configure:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: deps build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

unit: build
	@$(BUILD)/unit_tests

demo: deps build
	@bash scripts/demo $(BUILD)

bench: deps build
	@bash bench/clone-throughput $(BUILD)

# Installs into $(DESTDIR)$(REMOTES): datastore/ipfs, tm/ipfs, etc/datastore/ipfs.
install: build
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix $(REMOTES)
	@echo "one-ipfs installed into $(DESTDIR)$(REMOTES)"

# Removes the driver directories (ours alone); keeps the operator's ipfs.conf.
uninstall:
	@rm -rf "$(DESTDIR)$(REMOTES)/datastore/ipfs" "$(DESTDIR)$(REMOTES)/tm/ipfs"
	@rm -f "$(DESTDIR)$(REMOTES)/etc/datastore/ipfs/ipfs.conf.new"
	@echo "one-ipfs removed from $(DESTDIR)$(REMOTES) (kept $(REMOTES)/etc/datastore/ipfs/ipfs.conf)"

clean:
	@rm -rf $(BUILD)
