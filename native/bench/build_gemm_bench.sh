#!/usr/bin/env bash
# Builds the standalone sgemm/dgemm benchmark with the same per-file flags as the library build:
#   *_amx.cpp         -> the AVX-512 flags plus -mamx-tile -mamx-bf16
#   *_bf16_avx512.cpp -> the AVX-512 flags plus -mavx512bf16
#   *_avx512.cpp      -> -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mavx2
#   *_avx2.cpp        -> -mavx2 -mfma
#   others       -> baseline x86-64 (no -march=native)
# Usage: native/bench/build_gemm_bench.sh [output]   (default /tmp/gemm_bench)
# Env: CXX (default g++), EXTRA_CXXFLAGS (e.g. "-fsanitize=address,undefined -g").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/../src/cpu"
out="${1:-/tmp/gemm_bench}"
cxx="${CXX:-g++}"
# shellcheck disable=SC2206
common=(-std=c++17 -O3 -pthread -Wall -Wextra -I "$here/../src" ${EXTRA_CXXFLAGS:-})
obj="$(mktemp -d)"
trap 'rm -rf "$obj"' EXIT

avx512="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mavx2"
flags_for() {
  case "$1" in
    *_amx.cpp) echo "$avx512 -mamx-tile -mamx-bf16" ;;
    *_bf16_avx512.cpp) echo "$avx512 -mavx512bf16" ;;
    *_avx512.cpp) echo "$avx512" ;;
    *_avx2.cpp) echo "-mavx2 -mfma" ;;
    *) echo "" ;;
  esac
}

objs=()
for f in "$src"/gemm*.cpp "$src"/thread_pool.cpp "$here"/gemm_bench.cpp; do
  o="$obj/$(basename "$f" .cpp).o"
  # shellcheck disable=SC2046
  "$cxx" "${common[@]}" $(flags_for "$f") -c "$f" -o "$o" &
  objs+=("$o")
done
wait
for o in "${objs[@]}"; do [[ -f "$o" ]] || { echo "compile failed: $o" >&2; exit 1; }; done
"$cxx" "${common[@]}" "${objs[@]}" -o "$out"
echo "built $out"
