#!/usr/bin/env bash
# jdnn's main job: train and evaluate the W1 MLP (benchmarks.md) on Fashion-MNIST.
# Installs the data set with apt-get when it is missing (Debian: dataset-fashion-mnist),
# or says exactly what to do when it cannot. Extra arguments go to the example
# (--epochs N --batch N --limit N --seed N --data DIR --device cpu|cuda|cuda-emu --precision fp32|bf16|fp16).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${JDNN_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
if [[ ! -f "$data/train-images-idx3-ubyte.gz" && ! -f "$data/train-images-idx3-ubyte" ]]; then
  echo "Fashion-MNIST not found in $data; installing Debian's dataset-fashion-mnist package" >&2
  if [[ $(id -u) -eq 0 ]]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "Run as root: apt-get install dataset-fashion-mnist, or set JDNN_FASHION_MNIST to a directory" \
         "holding the four Fashion-MNIST IDX files" >&2
    exit 1
  fi
  $sudo apt-get update -qq && $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
exec scripts/run-example.sh FashionMnistMlp "$@"
