# The contract's entry points. Every target first makes sure the build dependencies are there.
.PHONY: deps build test test-tsan run bench deb kube fuzz format check-format clean

JOBS ?= $(shell nproc)

deps:
	@packaging/build-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

deb: build
	sh packaging/deb/build.sh build/bin build

# The real control plane for the kube test tier (tests/kube: kube-apiserver, etcd, kubectl at
# the versions tests/kube/go.mod pins), built once per pinned version into build/kube.
kube:
	@tests/kube/build.sh build/kube

# The package test installs the .deb `make deb` builds, and the kube tier runs what make kube
# builds, so make test builds both first.
test: deps deb kube
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	ctest --preset fuzz

run: build
	@mkdir -p run
	@echo "regcredd on examples/ (directory source, no cluster); files under ./run/. In another shell:"
	@echo "  curl -s --unix-socket run/regcredd.sock http://localhost/v1/status"
	@echo "  cat run/docker/config.json run/kubelet/config.json"
	@echo "  edit or add a manifest in examples/ and watch the files follow; Ctrl-C stops it."
	build/bin/regcredd --config examples/regcredd.yaml

bench: build kube
	/usr/bin/python3 bench/table.py build/bin --markdown docs/benchmarks.md

# ThreadSanitizer over the unit and integration tiers (the daemon's threads: reflectors, the
# pull-test pool, the node reporter, against the event loop).
test-tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1 ctest --preset tsan

# libFuzzer: every parser target mutates for a minute (REGCRED_FUZZ_SECONDS=N to change).
fuzz: deps
	cmake --preset fuzz -DREGCRED_FUZZ_SECONDS=$${REGCRED_FUZZ_SECONDS:-60} >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target fuzz_run

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

check-format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
