#!/usr/bin/env bash
# Builds jdnn (skipping tests) if needed and runs one example class:
#   scripts/run-example.sh NAME [args...]   (NAME --help describes an example's options)
# NAME: Xor, SquareFit, HiddenUnitFits, Perceptron, BackpropByHand, DecisionSurfaces,
#       VanishingGradients, BatchNormEffect, FashionMnistMlp, FashionMnistCnn, FashionMnistFit, FashionMnistMultiTask,
#       FashionMnistVit
set -euo pipefail
cd "$(dirname "$0")/.."
example="${1:?usage: scripts/run-example.sh NAME [args...], NAME one of Xor SquareFit HiddenUnitFits Perceptron BackpropByHand DecisionSurfaces VanishingGradients BatchNormEffect FashionMnistMlp FashionMnistCnn FashionMnistFit FashionMnistMultiTask FashionMnistVit}"
shift
if [[ ! -f target/classes/org/jdnn/bridge/linux-x86_64/libjniJdnnNative.so || -n "${JDNN_REBUILD:-}" ]]; then
  mvn -B -q -DskipTests package
fi
if [[ ! -s target/classpath.txt || pom.xml -nt target/classpath.txt ]]; then
  mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
  touch target/classpath.txt  # the plugin leaves an unchanged file's time alone, which re-ran it on every call
fi
exec java -Dorg.bytedeco.javacpp.cachedir=target/javacpp-cache \
  -cp "target/classes:$(cat target/classpath.txt)" "org.jdnn.examples.${example}" "$@"
