#!/usr/bin/env bash
# jdnn's SGEMM (native/bench/gemm_bench.cpp) beside OpenBLAS's (JavaCPP presets), same shapes.
# Usage: scripts/bench-gemm.sh [threads]   (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
native/bench/build_gemm_bench.sh target/gemm_bench >/dev/null
echo "== jdnn =="
JDNN_NUM_THREADS="$threads" target/gemm_bench
echo "== OpenBLAS =="
(cd bench/gemm-openblas && mvn -B -q package >/dev/null &&
  mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null &&
  OPENBLAS_NUM_THREADS="$threads" java -cp "target/classes:$(cat target/cp.txt)" org.jdnn.bench.OpenBlasGemm "$threads")
