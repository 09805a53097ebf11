# gridseal: the two commands that matter are `make demo` and `make check`.
# Each target installs the missing Debian packages it needs first
# (scripts/deps TARGET: build, demo, bench or check; README lists them).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: all deps build check check-unit check-clang check-asan check-fuzz \
        check-format check-install format demo bench bench-scale soak clean

all: build

deps:
	@scripts/deps build

# The library and the CLI only (no test suite: cmocka and jansson not needed).
build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc -DGS_BUILD_TESTS=OFF
	cmake --build $(BUILD) -j$(JOBS)

# Everything: gcc build + suite, clang build, the suite under ASan+UBSan,
# a short run of every fuzz target, and the format check.
check:
	@scripts/deps check
	@scripts/check

check-unit:
	@scripts/deps check
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc -DGS_BUILD_TESTS=ON
	cmake --build $(BUILD) -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Install the build into a temporary prefix; check symbols, headers, pkg-config
# and the CMake package; build and run examples/ against it both ways.
check-install: build
	@scripts/check-install $(BUILD)

check-format:
	@scripts/check-format

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

demo:
	@scripts/demo

bench: build
	@if [ -x scripts/bench ]; then scripts/bench; else echo "no benchmarks yet"; fi
	@if [ "$${GS_BENCH_SCALE:-0}" = 1 ] && [ -x scripts/bench-scale ]; then scripts/bench-scale; fi

# The fleet at scale through clustered servers (docs/SCALE.md); heavy: take
# the integration lock when other runs share the machine.
bench-scale:
	scripts/bench-scale

# The chaos soak (docs/RELIABILITY.md): GS_SOAK_MINUTES (default 10) of
# faults drawn from GS_SOAK_SEED (default: the time), then its invariants.
# Needs root (its own network and mount namespace) and the servers of
# `scripts/deps check`.
soak: build
	@scripts/deps check
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o $(BUILD)/soak-clockshift.so \
	  tests/soak/clockshift.c -ldl
	@/usr/bin/python3 tests/soak/soak.py --gridseal $(BUILD)/apps/gridseal \
	  --clockshift $(BUILD)/soak-clockshift.so \
	  --minutes $${GS_SOAK_MINUTES:-10} --seed $${GS_SOAK_SEED:-$$(date +%s)} \
	  $${GS_SOAK_WORK:+--work $$GS_SOAK_WORK}

clean:
	rm -rf build build-*
