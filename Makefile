# eventsource-wasm: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing first (see scripts/setup.sh).

CARGO ?= cargo

.PHONY: all setup setup-test wasm build demo example-rust demo-rust test test-rust test-wasm test-e2e lint bench bench-scale bench-node fuzz fuzz-smoke size clean

all: build

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

## wasm: the wasm module every JS entry embeds, in target/wasm-core/
wasm: setup
	@scripts/build-wasm.sh

## build: the npm package in pkg/ (ESM entry, polyfill, script-tag file, types)
build: wasm
	@node build/bundle.mjs

## demo: build, start the local SSE server and serve www/ (Ctrl-C stops it)
demo: build
	@$(CARGO) build --quiet -p sse-test-server
	@scripts/demo.sh

## example-rust: the Rust API example page (examples/rust-app), built with wasm-pack into its pkg/
example-rust: setup
	@command -v wasm-pack >/dev/null 2>&1 || { echo "example-rust: installing wasm-pack"; $(CARGO) install --quiet wasm-pack; }
	cd examples/rust-app && CARGO_TARGET_DIR=../../target/rust-app wasm-pack build --target web --release --no-pack

## demo-rust: build the Rust API example and serve it with the local SSE server (Ctrl-C stops it)
demo-rust: example-rust
	@$(CARGO) build --quiet -p sse-test-server
	@scripts/demo-rust.sh

## test: every test: Rust (native) with a short fuzz smoke, wasm in headless Chromium and Firefox,
## JS e2e in browsers and Node. The stages run in this order (a new suite is one more name here);
## each one's wall time is printed as it ends and all of them at the end.
TEST_STAGES = setup-test lint test-rust fuzz-smoke build test-wasm test-e2e
test:
	@scripts/stages.sh "$(MAKE)" $(TEST_STAGES)

test-rust:
	$(CARGO) test --workspace --all-features

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path examples/rust-app/Cargo.toml -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings
	$(CARGO) clippy --lib --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) clippy --lib --target wasm32-unknown-unknown --no-default-features --features ffi -- -D warnings
	$(CARGO) clippy --target wasm32-unknown-unknown --tests --test web --test web_worker -- -D warnings
	$(CARGO) test --doc --target wasm32-unknown-unknown
# (The example shares target/ with the crate: its dependencies, the same versions, are checked once.)
	CARGO_TARGET_DIR=$(CURDIR)/target $(CARGO) clippy --manifest-path examples/rust-app/Cargo.toml --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) fmt --manifest-path tests/downstream/Cargo.toml -- --check
	CARGO_TARGET_DIR=target/downstream $(CARGO) clippy --manifest-path tests/downstream/Cargo.toml --target wasm32-unknown-unknown --tests -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --lib --target wasm32-unknown-unknown
	$(CARGO) publish --dry-run

test-wasm:
	@scripts/test-wasm.sh

## test-e2e: every tests/e2e/*.test.mjs (E2E_TESTS=tests/e2e/x.test.mjs runs some); needs `make build`
E2E_TESTS ?= tests/e2e/
test-e2e:
	@$(CARGO) build --quiet -p sse-test-server
	node --test --test-concurrency=1 $(E2E_TESTS)

## test-runtimes: the behaviour suite in Node 18-26, Deno, Bun, workerd and edge-runtime (also part of test-e2e)
.PHONY: test-runtimes
test-runtimes: build
	@$(CARGO) build --quiet -p sse-test-server
	node --test tests/e2e/runtimes.test.mjs

## bench: criterion parse benchmarks (native) and the browser benchmark (release server);
## BENCH_ARGS=--firefox runs it in Firefox, --quick shortens it
bench: build
	$(CARGO) bench --bench parse
	$(CARGO) build --quiet --release -p sse-test-server
	node tests/e2e/bench/run.mjs $(BENCH_ARGS)

## bench-scale: 10,000 idle sources in one Node process (ours, eventsource 5, Node's own): memory
## per source, a 30 s fan-out and a leak round (about 10 min); SCALE_ARGS=--sources 2000 --seconds 5
bench-scale: build
	node tests/e2e/bench/scale.mjs $(SCALE_ARGS)

## bench-node: the shared benchmark's Node case (ours, eventsource 5, Node's own, raw fetch), from
## a copy of SHARED_BENCH in BENCH_DIR (made if missing, as its README says)
SHARED_BENCH ?= ../shared/bench
BENCH_DIR ?= /tmp/bench
bench-node: build
	@test -x $(BENCH_DIR)/run-node.sh || { mkdir -p $(BENCH_DIR) && cp -r $(SHARED_BENCH)/. $(BENCH_DIR)/; }
	$(BENCH_DIR)/run-node.sh pkg --runs $${RUNS:-3}

FUZZ_TARGETS = parse_chunks engine_inputs ffi_calls

## fuzz: every cargo-fuzz target for FUZZ_SECONDS each (default 60) on nightly, overflow checks on
fuzz:
	cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		cargo +nightly fuzz run -a $$t -- -max_total_time=$${FUZZ_SECONDS:-60} || exit 1; \
	done

## fuzz-smoke: every fuzz target for 7 s (about 20 s in all, plus the build); needs nightly
fuzz-smoke:
	@if cargo +nightly --version >/dev/null 2>&1; then $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=7; \
	else echo "fuzz-smoke: skipped: no nightly toolchain (rustup toolchain install nightly)"; fi

size: build
	@cat target/size-report.json

clean:
	$(CARGO) clean
	rm -rf pkg node_modules
