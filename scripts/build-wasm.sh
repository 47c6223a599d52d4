#!/usr/bin/env bash
# Builds the two wasm modules:
# - target/wasm-bindgen/: the npm build's module (feature `bindgen`), through wasm-bindgen
#   --target web, then wasm-opt -Oz;
# - target/wasm-core/: the script-tag build's module (feature `ffi`: the engine behind a plain C
#   ABI, no imports), wasm-opt -Oz, plus a deflated copy (zopfli) that the bundle embeds.
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
wasm=$(build "$kind")
out=target/wasm-bindgen
mkdir -p "$out"
wasm-bindgen --target web --omit-default-module-path --remove-name-section --remove-producers-section --out-dir "$out" "$wasm"
$opt -Oz --strip-debug --strip-producers "$out/eventsource_wasm_bg.wasm" -o "$out/eventsource_wasm_bg.wasm"

core=$(build "$kind-ffi" --no-default-features --features ffi)
out=target/wasm-core
mkdir -p "$out"
$opt -Oz --converge --strip-debug --strip-producers --strip-target-features "$core" -o "$out/eventsource_wasm_core.wasm"
# Zopfli writes a zlib stream (what DecompressionStream('deflate') reads) about 5% smaller
# than zlib -9; checked by inflating it back.
node -e 'const fs = require("fs"), zlib = require("zlib"), zopfli = require("@gfx/zopfli"), f = process.argv[1];
  const wasm = fs.readFileSync(f);
  zopfli.zlib(wasm, { numiterations: 100 }, (err, packed) => {
    if (err || !zlib.inflateSync(packed).equals(wasm)) throw err ?? new Error("zopfli output does not inflate back");
    fs.writeFileSync(f + ".deflate", packed);
  });' "$out/eventsource_wasm_core.wasm"
echo "built both wasm modules${nightly:+ with nightly build-std (panic=immediate-abort)}"
