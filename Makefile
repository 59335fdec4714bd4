# The contract's entry points. Every target first makes sure the build dependencies are there.
.PHONY: deps build test run bench format check-format clean

JOBS ?= $(shell nproc)

deps:
	@packaging/build-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

test: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev

run: build
	@echo "regcredd arrives with the daemon issue; until then, 'make run' shows what the core does"; \
	echo "on the bundled examples/ (regcredctl secret lint, regcredctl explain)."; \
	for f in examples/*.yaml examples/broken/pretty-printed.yaml examples/broken/path-key.yaml; do \
	  echo "== regcredctl secret lint $$f"; build/bin/regcredctl secret lint $$f || true; done; \
	echo "== regcredctl explain csmssim01:80/app:1.0 --docker-config examples/docker-config.json"; \
	build/bin/regcredctl explain csmssim01:80/app:1.0 --docker-config examples/docker-config.json

bench: build
	bench/run.sh build/bin/regcred_bench

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

check-format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
