# The two Quick start commands (README): `make demo` and `make test`.
# Each installs what is missing first, so either works first on a fresh machine.

APT_PACKAGES := libedit-dev libcurl4-openssl-dev openssh-client python3-venv pkg-config tmux strace
SWIFT ?= swift

.PHONY: deps build demo test bench lint

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
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# hedgeops beside psrecord, pidstat and grep (Benchmarks/compare.sh), then
# verify-env's own timing; `cd Benchmarks && swift package benchmark` for
# time and allocations per operation.
bench: deps
	Benchmarks/compare.sh
	.ci/bench-verify-env

lint: build
	.build/debug/hedgeops checklist lint checklists/load-test-8h.yaml
