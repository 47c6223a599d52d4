#!/usr/bin/env bash
# Installs what the build and tests need, skipping what is already there:
#   setup.sh build   -> wasm32 target, wasm-bindgen-cli (the exact version in Cargo.lock), npm deps
#   setup.sh test    -> the above, plus Chromium + ChromeDriver, Firefox + geckodriver,
#                       WebKitGTK's WebDriver + xvfb, the wasm-bindgen-cli of tests/downstream's
#                       own wasm-bindgen version, and cargo-fuzz where a nightly toolchain is
#                       installed (for `make fuzz-smoke`)
# Tools built with `cargo install` stay in ~/.cargo/bin: a second run finds them and builds nothing.
# Anything it cannot install is reported with what to do instead.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-build}
fail() { echo "setup: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

have cargo || fail "cargo not found: install Rust with rustup (https://rustup.rs) first."
have node || fail "node not found: install Node.js 18 or newer first."
have npm || fail "npm not found: install Node.js (with npm) first."
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  fail "Node.js $(node --version) is too old: 18 or newer is needed."

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown || fail "could not add the wasm32 target (rustup target add wasm32-unknown-unknown)."
fi

[ -f Cargo.lock ] || cargo generate-lockfile >/dev/null
wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$wbg" ] || fail "could not read the wasm-bindgen version from Cargo.lock."
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  echo "setup: installing wasm-bindgen-cli $wbg (a few minutes)"
  cargo install --quiet wasm-bindgen-cli --version "$wbg" || fail "cargo install wasm-bindgen-cli --version $wbg failed."
fi

if [ ! -x node_modules/.bin/esbuild ] || [ ! -x node_modules/.bin/wasm-opt ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi ||
    fail "npm install failed."
fi

[ "$mode" = test ] || exit 0

# tests/downstream pins another wasm-bindgen (a downstream app's own): its wasm-bindgen-cli goes to
# its own directory, which scripts/test-wasm.sh puts first in PATH for that crate only.
dwbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' tests/downstream/Cargo.lock)
[ -n "$dwbg" ] || fail "could not read the wasm-bindgen version from tests/downstream/Cargo.lock."
droot=${CARGO_HOME:-$HOME/.cargo}/wasm-bindgen-cli/$dwbg
if [ ! -x "$droot/bin/wasm-bindgen-test-runner" ]; then
  echo "setup: installing wasm-bindgen-cli $dwbg for tests/downstream (a few minutes)"
  cargo install --quiet --locked wasm-bindgen-cli --version "$dwbg" --root "$droot" ||
    fail "cargo install wasm-bindgen-cli --version $dwbg --root $droot failed."
fi

apt_install() {
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "setup: apt-get install $*"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >/dev/null ||
      fail "apt-get install $* failed."
  else
    fail "$* missing: install them (on Debian/Ubuntu: sudo apt-get install $*)."
  fi
}
missing=()
have chromium || missing+=(chromium)
have chromedriver || missing+=(chromium-driver)
have firefox || have firefox-esr || missing+=(firefox-esr)
# WebKit (tests/e2e/webkit.test.mjs): WebKitGTK's WebDriver and MiniBrowser, on a virtual display.
have WebKitWebDriver || missing+=(webkit2gtk-driver)
have xvfb-run || missing+=(xvfb)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
if ! have geckodriver; then
  echo "setup: installing geckodriver (a few minutes)"
  cargo install --quiet geckodriver || fail "cargo install geckodriver failed."
fi
if cargo +nightly --version >/dev/null 2>&1 && ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz (a few minutes)"
  cargo install --quiet cargo-fuzz || fail "cargo install cargo-fuzz failed."
fi
