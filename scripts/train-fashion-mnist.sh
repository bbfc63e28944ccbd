#!/usr/bin/env bash
# jdnn's main job: train and evaluate the W1 MLP (benchmarks.md) on Fashion-MNIST.
# Installs the data set with apt-get when it is missing (Debian: dataset-fashion-mnist),
# or says exactly what to do when it cannot. Extra arguments go to the example
# (--epochs N --batch N --limit N --seed N --data DIR --device cpu|cuda|cuda-emu --precision fp32|bf16|fp16).
# --nproc N (first) trains data-parallel as N processes on this machine through scripts/jdnn-run:
# Gloo ranks on the CPU, each on 1/N of every batch (N must divide --batch, 128 by default); rank 0
# prints the same lines as one process.
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
if [[ "${1:-}" == "--nproc" ]]; then
  nproc="${2:?--nproc needs a number of processes}"
  shift 2
  # The ranks share the machine's cores: one CPU thread each unless JDNN_NUM_THREADS says otherwise.
  JDNN_NUM_THREADS="${JDNN_NUM_THREADS:-$(( $(getconf _NPROCESSORS_ONLN) / nproc > 0 ? $(getconf _NPROCESSORS_ONLN) / nproc : 1 ))}" \
    exec scripts/jdnn-run --nproc-per-node "$nproc" FashionMnistMlp --device cpu "$@"
fi
exec scripts/run-example.sh FashionMnistMlp "$@"
