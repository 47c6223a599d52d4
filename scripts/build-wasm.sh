#!/usr/bin/env bash
# Builds the wasm module into target/wasm-bindgen/ (wasm-bindgen --target web, then wasm-opt -Oz).
# With a nightly toolchain, std is rebuilt with panic=immediate-abort, which drops the panic
# formatting machinery (about a third of the module); stable still works, only larger.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/wasm-bindgen
mkdir -p "$out"
if [ "${ESW_STABLE:-}" != 1 ] && cargo +nightly --version >/dev/null 2>&1 &&
  rustup component add rust-src --toolchain nightly >/dev/null 2>&1; then
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    cargo +nightly build --quiet --lib --release --target wasm32-unknown-unknown \
    -Z build-std=std,panic_abort --target-dir target/nightly
  wasm=target/nightly/wasm32-unknown-unknown/release/eventsource_wasm.wasm
  echo "built wasm with nightly build-std (panic=immediate-abort)"
else
  echo "note: nightly with rust-src is not available: building with stable (larger module)"
  cargo build --quiet --lib --release --target wasm32-unknown-unknown
  wasm=target/wasm32-unknown-unknown/release/eventsource_wasm.wasm
fi
wasm-bindgen --target web --omit-default-module-path --remove-name-section --remove-producers-section --out-dir "$out" "$wasm"
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers "$out/eventsource_wasm_bg.wasm" -o "$out/eventsource_wasm_bg.wasm"
