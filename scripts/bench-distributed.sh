#!/usr/bin/env bash
# The Gloo process group's figures (org.jdnn.bench.DistributedBench): all-reduce 4 KB-256 MB over
# loopback, and the communication share of W1/W2 steps under DistributedDataParallel.
# Usage: scripts/bench-distributed.sh [ranks]   (default 2; Fashion-MNIST must be installed)
set -euo pipefail
cd "$(dirname "$0")/.."
ranks="${1:-2}"
if [[ ! -f target/classes/org/jdnn/bridge/linux-x86_64/libjniJdnnNative.so ]]; then mvn -B -q -DskipTests package; fi
mvn -B -q test-compile >/dev/null
if [[ ! -s target/classpath.txt || pom.xml -nt target/classpath.txt ]]; then
  mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
fi
# One CPU thread per rank unless JDNN_NUM_THREADS says otherwise: the ranks share this machine's cores.
JDNN_NUM_THREADS="${JDNN_NUM_THREADS:-1}" exec scripts/jdnn-run --nproc-per-node "$ranks" \
  --classpath "target/classes:target/test-classes:$(cat target/classpath.txt)" org.jdnn.bench.DistributedBench
