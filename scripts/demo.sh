#!/usr/bin/env bash
# Serves the live demo: starts the local SSE server on 127.0.0.1 (repo root as static root) and
# stays in the foreground until Ctrl-C, which stops the server too. `make demo` builds pkg/ and the
# server first; DEMO_PORT picks the port (default 8787; a free one is used when it is busy).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/target/debug/sse-test-server"
port="${DEMO_PORT:-8787}"

if [[ ! -x $bin ]]; then
  echo "demo: $bin is missing: run 'make demo' (or 'cargo build -p sse-test-server')" >&2
  exit 1
fi
if [[ ! -f $root/pkg/eventsource-wasm.min.js ]]; then
  echo "demo: pkg/eventsource-wasm.min.js is missing: run 'make build' first" >&2
  exit 1
fi
if [[ ! $port =~ ^[0-9]+$ ]]; then
  echo "demo: DEMO_PORT must be a port number, got '$port'" >&2
  exit 1
fi

tmp="$(mktemp -d)"
server_pid=""

# Forwards the signal to the server and waits for it, so no server outlives this script.
stop_server() {
  if [[ -n $server_pid ]]; then
    kill -"$1" "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server TERM; rm -rf "$tmp"' EXIT
trap 'echo; echo "demo: stopping"; stop_server INT; exit 130' INT
trap 'stop_server TERM; exit 143' TERM

# Starts the server on port $1 and reads the JSON line it prints once listening. The line comes
# through a FIFO kept open on fd 3, so the server never writes into a closed pipe later.
start_server() {
  local fifo="$tmp/stdout-$1" line
  mkfifo "$fifo"
  "$bin" --port "$1" --root "$root" --quiet --max-seconds 86400 >"$fifo" 2>"$tmp/stderr" &
  server_pid=$!
  exec 3<"$fifo"
  if IFS= read -r -t 10 line <&3 && [[ $line =~ \"port\":([0-9]+) ]]; then
    port="${BASH_REMATCH[1]}"
    return 0
  fi
  exec 3<&-
  stop_server TERM
  return 1
}

if ! start_server "$port"; then
  echo "demo: port $port is not available ($(tr -d '\n' <"$tmp/stderr")); using a free port instead" >&2
  if ! start_server 0; then
    echo "demo: sse-test-server did not start: $(cat "$tmp/stderr")" >&2
    exit 1
  fi
fi

echo
echo "  Demo running at http://127.0.0.1:$port/www/  (Ctrl-C to stop)"
echo

# `wait` returns as soon as a trapped signal arrives, so Ctrl-C is handled at once.
status=0
wait "$server_pid" || status=$?
server_pid=""
if [[ $status -ne 0 && -s $tmp/stderr ]]; then
  cat "$tmp/stderr" >&2
fi
exit "$status"
