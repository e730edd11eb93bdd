#!/usr/bin/env bash
# The throughput and memory benchmark of BENCHMARKS.md. Builds the project with the bench profile, then runs
# io.ptarouter.bench.Benchmark, which forks one JVM per variant and size. Arguments go to the benchmark:
#   bench/run-benchmarks.sh            the full run (N = 10k, 100k, 1M), results in bench/results/
#   bench/run-benchmarks.sh --smoke    N = 500, one run per variant, in target/bench-smoke/ (about a minute)
#   bench/run-benchmarks.sh --sizes 10000 --variants ceiling,file --runs 5
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Pbench -DskipTests test-compile
exec java -Xmx128m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.ptarouter.bench.Benchmark "$@"
