# The two Quick start commands (README): `make demo` and `make test`.
# Each installs what is missing first, so either works first on a fresh machine.

APT_PACKAGES := libedit-dev libcurl4-openssl-dev openssh-client python3-venv pkg-config tmux strace
# Only the tests need these: the real Prometheus server and promtool.
TEST_APT_PACKAGES := prometheus
SWIFT ?= swift

.PHONY: deps build demo test sanitize bench lint

deps:
	@command -v $(SWIFT) >/dev/null 2>&1 || { echo "error: swift not found: install the Swift 6.x toolchain first" >&2; exit 1; }
	@missing=""; \
	if command -v dpkg >/dev/null 2>&1; then \
	  for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    sudo=""; [ "$$(id -u)" -ne 0 ] && sudo=sudo; \
	    echo "installing:$$missing"; \
	    $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  fi; \
	else \
	  echo "warning: no dpkg here; make sure these are installed: $(APT_PACKAGES)" >&2; \
	fi

build: deps
	$(SWIFT) build

# The whole workflow on the embedded default, in about a minute.
demo: deps
	$(SWIFT) build
	.build/debug/hedgeops demo

test: deps
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(TEST_APT_PACKAGES)"
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) sanitize

# The core's tests again under AddressSanitizer and ThreadSanitizer, each in
# a build folder of its own (the seeded checklist mutations cut to 500 there).
sanitize: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	HEDGEOPS_MUTATIONS=500 ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 \
	  $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan --filter HedgeOpsKitTests
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	HEDGEOPS_MUTATIONS=500 TSAN_OPTIONS=halt_on_error=1 \
	  $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --filter HedgeOpsKitTests

# hedgeops beside psrecord, pidstat and grep (Benchmarks/compare.sh), then
# verify-env's own timing; `cd Benchmarks && swift package benchmark` for
# time and allocations per operation.
bench: deps
	Benchmarks/compare.sh
	.ci/bench-verify-env

lint: build
	.build/debug/hedgeops checklist lint checklists/load-test-8h.yaml
