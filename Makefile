# Front door. `make demo` and `make test` install what is missing, build, and run.
BUILD ?= build
TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo test bench format clean

all: build

deps:
	scripts/install-deps

configure: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(TYPE) $(CMAKE_FLAGS); fi

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The main job: one epoch of Fashion-MNIST training (examples/fashion_mnist --help).
demo: build
	cd $(BUILD) && examples/fashion_mnist --epochs 1

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# install-deps --bench adds libtorch-dev; re-running cmake finds it if it was just
# installed; `benchmarks` also builds bench/libtorch, which the default build skips.
bench:
	scripts/install-deps --bench
	$(MAKE) build
	cmake -S . -B $(BUILD) > /dev/null
	cmake --build $(BUILD) -j $(JOBS) --target benchmarks
	/usr/bin/python3 bench/run.py --build $(BUILD)

format:
	git ls-files '*.h' '*.cpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
