#!/usr/bin/env bash
# Reproduces every number in BENCHMARKS.md on this machine: the overhead measurements, the
# failover timelines and the side-by-side comparison with Lettuce's and Jedis's own clients.
#   multidb-bench/run-all.sh            everything (about 35 minutes on 2 cores)
#   multidb-bench/run-all.sh --quick    one run of each, under 5 minutes
# Results go to multidb-bench/results/run-<date>/. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
[ "${1:-}" = "--quick" ] && quick=true

mvn -q -B install -DskipTests -pl multidb-testkit,multidb
mvn -q -B -pl multidb-bench package -DskipTests
jar=multidb-bench/target/multidb-bench.jar
out=multidb-bench/results/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "results in $out"

if $quick; then
  java -cp $jar dev.multidb.bench.CpuPerCommand sync 2 20000        | tee "$out/cpu-sync.txt"
  java -cp $jar dev.multidb.bench.CpuPerCommand async 2 100000      | tee "$out/cpu-async.txt"
  java -cp $jar dev.multidb.bench.FailoverScenarios kill freeze blackhole --runs 1 --seed 7 > "$out/scenarios.md"
  java -cp $jar dev.multidb.bench.compare.ClientComparison kill freeze --runs 1 --seed 42 \
      --charts "$out/charts" > "$out/compare.md"
  exit 0
fi

for mode in sync async pipeline; do
  java -cp $jar dev.multidb.bench.CpuPerCommand $mode 6 | tee "$out/cpu-$mode.txt"
done
java -jar $jar 'OverheadBenchmark' -f 2 -wi 4 -w 2s -i 6 -r 2s | tee "$out/jmh.txt"
java -jar $jar 'OverheadBenchmark.(syncSetGet|async64InFlight)$' -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc | tee "$out/jmh-gc.txt"
java -cp $jar dev.multidb.bench.FailoverScenarios kill freeze blackhole --runs 10 --seed 7 > "$out/scenarios.md"
java -cp $jar dev.multidb.bench.compare.ClientComparison kill freeze blackhole --runs 3 --seed 42 --after-ms 8000 \
    --charts "$out/charts" > "$out/compare-kill-freeze-blackhole.md"
java -cp $jar dev.multidb.bench.compare.ClientComparison latency flap outage --runs 1 --seed 42 --after-ms 8000 \
    --charts "$out/charts" > "$out/compare-latency-flap-outage.md"
java -cp $jar dev.multidb.bench.compare.ClientComparison outage --clients multidb-default --runs 1 --seed 11 \
    --fallback-wait-ms 135000 --after-ms 10000 --charts "$out/charts-default-fallback" > "$out/outage-default-fallback.md"
