#!/usr/bin/env bash
# wasm-bindgen tests of the Rust API (src/web) in headless Chromium and Firefox, against the local
# server: tests/web.rs on the page's main thread, tests/web_worker.rs in a dedicated worker; then
# tests/downstream, an app with its own allocator and wasm-bindgen version using the crate.
# `cargo test` runs them through wasm-bindgen-test-runner (installed with wasm-bindgen-cli by
# scripts/setup.sh), as `wasm-pack test` would, without building wasm-pack; each crate's tests
# are compiled once for both browsers.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p sse-test-server
exec 3< <(tail -f /dev/null)  # keeps the server's stdin open until this script exits
target/debug/sse-test-server --port 0 --quiet --stdin-exit --max-seconds 1800 <&3 >target/test-wasm-server.json &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s target/test-wasm-server.json ] && break; sleep 0.1; done
port=$(sed -E 's/.*"port":([0-9]+).*/\1/' target/test-wasm-server.json)
cross_port=$(sed -E 's/.*"cross_port":([0-9]+).*/\1/' target/test-wasm-server.json)
export SSE_SERVER="http://127.0.0.1:$port" SSE_CROSS_SERVER="http://127.0.0.1:$cross_port"
echo "wasm tests against $SSE_SERVER"
# Resolved now, not when make starts: setup may have just installed them.
chromedriver=${CHROMEDRIVER:-$(command -v chromedriver || true)}
geckodriver=${GECKODRIVER:-$(command -v geckodriver || echo "$HOME/.cargo/bin/geckodriver")}
unset CHROMEDRIVER GECKODRIVER
browsers=${WASM_BROWSERS:-chrome firefox}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# One driver variable at a time: the test runner takes GECKODRIVER first whenever it is set, so
# with both set the Chromium run ran in Firefox too. Headless unless NO_HEADLESS is set.
# The downstream app pins another wasm-bindgen: its wasm-bindgen-test-runner (scripts/setup.sh
# installs it in a directory of its own) goes first in PATH for that crate only.
wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' tests/downstream/Cargo.lock)
downstream_bin=${CARGO_HOME:-$HOME/.cargo}/wasm-bindgen-cli/$wbg/bin
[ -x "$downstream_bin/wasm-bindgen-test-runner" ] ||
  { echo "test-wasm: wasm-bindgen-cli $wbg not found in $downstream_bin (scripts/setup.sh test installs it)" >&2; exit 1; }
for b in $browsers; do
  case $b in
    chrome)
      [ -x "$chromedriver" ] || { echo "test-wasm: chromedriver not found (apt-get install chromium-driver)" >&2; exit 1; }
      driver=(CHROMEDRIVER="$chromedriver")
      ;;
    firefox)
      [ -x "$geckodriver" ] || { echo "test-wasm: geckodriver not found (cargo install geckodriver)" >&2; exit 1; }
      driver=(GECKODRIVER="$geckodriver")
      ;;
    *) echo "test-wasm: unknown browser $b" >&2; exit 1 ;;
  esac
  echo "== wasm tests in $b (headless)"
  env "${driver[@]}" cargo test --target wasm32-unknown-unknown --test web --test web_worker
  echo "== tests/downstream (wasm-bindgen $wbg) in $b (headless)"
  (cd tests/downstream && env "${driver[@]}" PATH="$downstream_bin:$PATH" CARGO_TARGET_DIR=../../target/downstream \
    cargo test --target wasm32-unknown-unknown)
done
