#!/usr/bin/env bash
# The CUDA emulation's native checks under AddressSanitizer (JDNN_ASAN), in a build tree of
# their own (target/native/asan-build), then one planted out-of-bounds kernel write that ASan
# must stop. With --jvm, instead: Java tests on the ASan-built emulation (mvn -Pasan, the
# JVM started with ASan's runtime preloaded; rebuilds target/native/build with ASan).
# Usage: scripts/asan-emu.sh [--jvm [test selection]]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--jvm" ]]; then
  exec mvn -B -Pasan test -Djdnn.asan.runtime="$(realpath "$(gcc -print-file-name=libasan.so)")" \
    -Dtest="${2:-EmulatedRuntimeTest,UploadStagingTest,*ParityTest}" -Dsurefire.failIfNoSpecifiedTests=false
fi
build=target/native/asan-build
cmake -S native -B "$build" -DJDNN_CUDA=OFF -DJDNN_ASAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo --log-level=WARNING
cmake --build "$build" --parallel 2 --target jdnn_emu_runtime_test jdnn_cublas_emu_test jdnn_cudnn_emu_test jdnn_cudnn_fused_emu_test
# The emulation keeps some tables for the whole process on purpose (tensors may be freed at exit).
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
status=0
for program in jdnn_emu_runtime_test jdnn_cublas_emu_test jdnn_cudnn_emu_test jdnn_cudnn_fused_emu_test; do
  echo "== $program"
  "$build/src/cuda/$program" | tail -n 3 || status=1
done
echo "== planted write past an allocation (AddressSanitizer must report it)"
if out=$("$build/src/cuda/jdnn_emu_runtime_test" --planted-write-past-the-end 2>&1); then status=1; fi
if grep -q "ERROR: AddressSanitizer: use-after-poison" <<<"$out"; then
  echo "reported: $(grep -m1 'ERROR: AddressSanitizer' <<<"$out")"
else
  echo "NOT reported by AddressSanitizer:"; echo "$out" | tail -n 20; status=1
fi
exit $status
