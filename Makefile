# reelcut: thin wrapper around CMake + Ninja.
#   make          build build/reelcut (release with debug info)
#   make run      install build deps, build, start the service on embedded defaults
#   make test     install test deps, build with ASan+UBSan, run every test through ctest
#   make bench    build optimised and run every benchmark under bench/
#   make fuzz     build the libFuzzer targets (build-fuzz, clang) and run each for FUZZ_SECONDS
#                 (default 60) with a summary of execs/s and coverage; fails on any finding
JOBS ?= $(shell nproc)

.PHONY: all build run test bench fuzz deps clean format

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@ninja -C build -j $(JOBS)

run: build
	@scripts/run.sh

test:
	@scripts/deps.sh test
	@cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREELCUT_SANITIZE=ON >/dev/null
	@ninja -C build-test -j $(JOBS)
	@cd build-test && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

bench: build
	@scripts/deps.sh test
	@failed=""; for b in bench/*/run.sh; do echo "== $$b"; bash $$b build || failed="$$failed $$b"; done; \
	  if [ -n "$$failed" ]; then echo "targets missed in:$$failed"; exit 1; fi

FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh test
	@tests/fuzz/run.sh build
	@tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	@clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c')

clean:
	rm -rf build build-test build-fuzz
