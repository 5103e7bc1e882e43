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
	@cmake --install $(BUILD) --prefix $(REMOTES)
	@echo "one-ipfs installed into $(DESTDIR)$(REMOTES)"

uninstall:
	@rm -f $(addprefix $(DESTDIR)$(REMOTES)/datastore/ipfs/,$(notdir $(wildcard ds_mad/*.cc:.cc=)))
	@if [ -f $(BUILD)/install_manifest.txt ]; then xargs rm -f < $(BUILD)/install_manifest.txt; fi
	@rmdir $(DESTDIR)$(REMOTES)/datastore/ipfs $(DESTDIR)$(REMOTES)/tm/ipfs 2>/dev/null || true
	@echo "one-ipfs removed from $(DESTDIR)$(REMOTES) (ipfs.conf kept)"

clean:
	@rm -rf $(BUILD)
