#!/usr/bin/env bash
# The chaos soak: real redis-servers behind fault proxies, 8 threads of mixed traffic, seeded
# random faults, invariants checked at the end (see README, "Chaos soak").
#   multidb-bench/chaos.sh                         2 minutes per variant (standalone-2, standalone-3, cluster-2, secured-3)
#   multidb-bench/chaos.sh --duration 10m          the long run
#   multidb-bench/chaos.sh --seed 42 --variants cluster-2
# Exit status 1 when an invariant is broken. The report goes to stdout and to
# multidb-bench/results/chaos-<date>.md; progress and the client's log go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -pl multidb-bench -am package -DskipTests
mkdir -p multidb-bench/results
out=multidb-bench/results/chaos-$(date +%Y%m%d-%H%M%S).md
java -cp multidb-bench/target/multidb-bench.jar dev.multidb.bench.chaos.ChaosSoak "$@" | tee "$out"
