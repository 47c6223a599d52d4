#!/usr/bin/env bash
# Builds the JS package's one wasm module in target/wasm-core/ (feature `ffi`: the engine behind
# a plain C ABI, no imports, driven by js/driver.js): wasm-opt -Oz, plus a deflated copy
# (zopfli) that every entry embeds. The wasm-bindgen code (feature `bindgen`) is not part of the
# JS package; `make test-wasm` builds it for its own tests.
# With a nightly toolchain, std is rebuilt with panic=immediate-abort, which drops the panic
# formatting machinery (about a third of a module); stable still works, only larger.
set -euo pipefail
cd "$(dirname "$0")/.."
opt=node_modules/.bin/wasm-opt
nightly=
if [ "${ESW_STABLE:-}" != 1 ] && cargo +nightly --version >/dev/null 2>&1 &&
  rustup component add rust-src --toolchain nightly >/dev/null 2>&1; then
  nightly=1
else
  echo "note: nightly with rust-src is not available: building with stable (larger modules)"
fi

# build <target-dir> <cargo feature args...>: prints the path of the built module.
build() {
  local dir=$1
  shift
  if [ -n "$nightly" ]; then
    RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
      cargo +nightly build --quiet --lib --release --target wasm32-unknown-unknown \
      -Z build-std=std,panic_abort --target-dir "target/$dir" "$@"
  else
    cargo build --quiet --lib --release --target wasm32-unknown-unknown --target-dir "target/$dir" "$@"
  fi
  echo "target/$dir/wasm32-unknown-unknown/release/eventsource_wasm.wasm"
}

kind=stable
[ -n "$nightly" ] && kind=nightly
core=$(build "$kind-ffi" --no-default-features --features ffi)
out=target/wasm-core
mkdir -p "$out"
$opt --low-memory-unused -Oz --converge --strip-debug --strip-producers --strip-target-features "$core" -o "$out/eventsource_wasm_core.wasm"
# Zopfli writes a zlib stream (what DecompressionStream('deflate') reads) about 5% smaller
# than zlib -9; checked by inflating it back.
node -e 'const fs = require("fs"), zlib = require("zlib"), zopfli = require("@gfx/zopfli"), f = process.argv[1];
  const wasm = fs.readFileSync(f);
  zopfli.zlib(wasm, { numiterations: 100 }, (err, packed) => {
    if (err || !zlib.inflateSync(packed).equals(wasm)) throw err ?? new Error("zopfli output does not inflate back");
    fs.writeFileSync(f + ".deflate", packed);
  });' "$out/eventsource_wasm_core.wasm"
echo "built the wasm module${nightly:+ with nightly build-std (panic=immediate-abort)}"
