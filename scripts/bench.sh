#!/bin/sh
# Runs the side-by-side benchmarks (cnictl against the reference, in one
# run) and prints each pair's mean time per operation and their ratio.
#   scripts/bench.sh [COUNT]      default COUNT=5
set -eu
count=${1:-5}
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test ./libcni -run '^$' -bench 'AddDel' -benchtime 200x -count "$count" | tee "$out"
awk '
  /^Benchmark/ {
    split($1, parts, "/"); impl = parts[2]; sub(/-[0-9]+$/, "", impl)
    sum[parts[1] "|" impl] += $3; n[parts[1] "|" impl]++
  }
  END {
    for (k in sum) { split(k, p, "|"); mean[p[1], p[2]] = sum[k] / n[k]; names[p[1]] = 1 }
    for (b in names) {
      c = mean[b, "impl=cnictl"]; u = mean[b, "impl=upstream"]
      if (c && u) printf "%s: cnictl %.2f ms/op, upstream %.2f ms/op, ratio cnictl/upstream %.2f\n", b, c / 1e6, u / 1e6, c / u
    }
  }' "$out"
