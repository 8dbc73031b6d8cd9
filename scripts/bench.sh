#!/bin/sh
# Runs the side-by-side benchmarks (cnictl against the reference, in one
# run) and prints each pair's mean time per operation and their ratio:
#   BenchmarkAddDel       cnictl's libcni against upstream libcni, same plugins
#   BenchmarkChainAddDel  the bundled plugins against the reference plugins,
#                         bridge+host-local+portmap+firewall+tuning, one port
#   scripts/bench.sh [COUNT]      default COUNT=5; needs root
set -eu
count=${1:-5}
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test ./libcni -run '^$' -bench 'AddDel' -benchtime 200x -count "$count" | tee "$out"
go test ./tests/differential -run '^$' -bench 'ChainAddDel' -benchtime 50x -count "$count" | tee -a "$out"
awk '
  /^Benchmark/ {
    split($1, parts, "/"); impl = parts[2]; sub(/-[0-9]+$/, "", impl); sub(/^impl=/, "", impl)
    side = (impl == "cnictl" || impl == "bundled") ? "ours" : "theirs"
    sum[parts[1] "|" side] += $3; n[parts[1] "|" side]++
  }
  END {
    for (k in sum) { split(k, p, "|"); mean[p[1], p[2]] = sum[k] / n[k]; names[p[1]] = 1 }
    for (b in names) {
      c = mean[b, "ours"]; u = mean[b, "theirs"]
      if (c && u) printf "%s: cnictl %.2f ms/op, reference %.2f ms/op, ratio cnictl/reference %.2f\n", b, c / 1e6, u / 1e6, c / u
    }
  }' "$out"
