#!/usr/bin/env bash
# Serves the Rust API example (examples/rust-app, built by `make demo-rust`) with the local SSE
# server, whose /demo/ticker the page reads, in the foreground until Ctrl-C. DEMO_PORT picks the
# port (default 8789; 0 picks a free one).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app="$root/examples/rust-app"
bin="$root/target/debug/sse-test-server"
port="${DEMO_PORT:-8789}"
[[ -x $bin ]] || { echo "demo-rust: $bin is missing: run 'make demo-rust'" >&2; exit 1; }
[[ -f $app/pkg/rust_app.js ]] || { echo "demo-rust: $app/pkg is missing: run 'make demo-rust'" >&2; exit 1; }
# The server prints {"port":P,...} once listening; Ctrl-C reaches it too (same process group).
"$bin" --port "$port" --root "$app" --quiet --max-seconds 86400 | while IFS= read -r line; do
  if [[ $line =~ \"port\":([0-9]+) ]]; then
    echo
    echo "  Rust API demo running at http://127.0.0.1:${BASH_REMATCH[1]}/  (Ctrl-C to stop)"
    echo
  fi
done
