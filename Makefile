# gridseal: the two commands that matter are `make demo` and `make check`.
# Both install missing Debian packages first (scripts/deps).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: all deps build check check-unit check-clang check-asan check-fuzz \
        check-format check-install format demo bench clean

all: build

deps:
	@scripts/deps

$(BUILD)/Makefile: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

# Everything: gcc build + suite, clang build, the suite under ASan+UBSan,
# a short run of every fuzz target, and the format check.
check: deps
	@scripts/check

check-unit: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Install the build into a temporary prefix; check symbols, headers, pkg-config
# and the CMake package; build and run examples/ against it both ways.
check-install: build
	@scripts/check-install $(BUILD)

check-format:
	@scripts/check-format

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

demo: deps
	@scripts/demo

bench: build
	@if [ -x scripts/bench ]; then scripts/bench; else echo "no benchmarks yet"; fi
	@if [ "$${GS_BENCH_SCALE:-0}" = 1 ] && [ -x scripts/bench-scale ]; then scripts/bench-scale; fi

clean:
	rm -rf build build-*
