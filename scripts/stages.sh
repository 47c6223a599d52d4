#!/usr/bin/env bash
# Runs make targets one after another, printing each one's wall time as it ends and all of them
# at the end (so CI logs show where `make test`'s time goes). Stops at the first failure.
# Usage: stages.sh <make command> <target>...
set -uo pipefail
make=$1
shift
times=()
summary() {
  echo "== stage times"
  printf '   %s\n' "${times[@]}"
}
total=$SECONDS
for stage in "$@"; do
  echo "== stage $stage"
  start=$SECONDS
  $make --no-print-directory "$stage"
  status=$?
  took=$((SECONDS - start))
  times+=("$(printf '%-12s %4d s%s' "$stage" "$took" "$([ $status -eq 0 ] || echo "  FAILED ($status)")")")
  echo "== stage $stage: ${took} s"
  if [ $status -ne 0 ]; then
    summary
    exit $status
  fi
done
times+=("$(printf '%-12s %4d s' total $((SECONDS - total)))")
summary
