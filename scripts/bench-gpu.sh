#!/usr/bin/env bash
# GPU benchmark: W1, W2, W3 (../shared/benchmarks.md) on Device.cuda(), with the device's own
# ceilings measured in the same run (float32 GEMM through jdnn's matmul, with and without TF32;
# device and host<->device copy bandwidth) and each workload's framework overhead (wall time per
# step minus the device time of its ops, from Device.setProfiling). Builds jdnn and the bench/jdnn
# module, runs org.jdnn.bench.GpuBench in one JVM and writes bench/results/gpu-DATE.md and .json.
#
#   scripts/bench-gpu.sh [--device cuda|cuda-emu] [--quick] [--tf32] [--data DIR] [--out DIR]
#                        [--no-build] [--offline] [--keep-going] [--profile-steps]
#
# --device cuda-emu  dry run on the CPU emulation of the CUDA backend (no GPU needed): tiny sizes,
#                    a few steps; proves the workloads run on the CUDA code path, NOT a performance
#                    figure (the result files say so)
# --quick            W1 on 20,000 images, 3 x 20 W2 batches, shorter W3 windows
# --tf32             train and infer with TF32 tensor-core math (the ceiling is measured both ways)
# --data DIR         Fashion-MNIST (default $JDNN_FASHION_MNIST or /usr/share/datasets/fashion-mnist);
#                    without it random data of the same shapes is used and no accuracy is reported
# --no-build         use the jars already built (target/jdnn-*.jar, bench/jdnn/target)
# --offline          Maven offline (-o): for machines without network, with ~/.m2 already filled
# --keep-going       after a failed section, run the remaining ones (default: stop at the first)
# --profile-steps    instead of the benchmark: count one steady-state training step of W1 and of W2
#                    (batch 128, data on the device, after 3 warm-up steps) with Device.stats() and
#                    print exactly one line each on stdout, no result files:
#                    STEP W1 launches=N vendor_calls=N syncs=N device_mallocs=N h2d_bytes=N d2h_bytes=N
#                    STEP W2 ... (docs/architecture.md, "Step counters", says what each counts)
#                    STEP W1-graph ... and STEP W2-graph ...: the same step replayed from a CUDA graph
#                    that gathers its own batches (org.jdnn.train.StepGraph.feeding), Dropout included
# --list-step        with --profile-steps on cuda-emu: also list on stderr each launch and vendor
#                    call of the counted steps (kernel or entry, and the op that issued it), from
#                    the emulation's JDNN_EMU_TRACE lines
#
# Exit status: 0 all sections ran; 1 a section failed (the result files name it); 2 bad usage;
# 3 the device is unavailable (the message says what is missing, e.g. no NVIDIA driver).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
orig_args="$*"

device=cuda; quick=0; build=1; profile_steps=0; list_step=0; java_args=(); mvn_args=(-B -q)
data="${JDNN_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
outdir="$root/bench/results"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --device) device="$2"; shift ;;
    --quick) quick=1; java_args+=(--quick) ;;
    --tf32) java_args+=(--tf32) ;;
    --keep-going) java_args+=(--keep-going) ;;
    --data) data="$2"; shift ;;
    --out) outdir="$2"; shift ;;
    --no-build) build=0 ;;
    --offline) mvn_args+=(-o) ;;
    --profile-steps) profile_steps=1 ;;
    --list-step) list_step=1 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$device" in cuda|cuda-emu) ;; *) echo "--device must be cuda or cuda-emu, got $device" >&2; exit 2 ;; esac
if [[ $list_step == 1 && ( $profile_steps == 0 || $device != cuda-emu ) ]]; then
  echo "--list-step needs --profile-steps and --device cuda-emu (the trace is the emulation's)" >&2; exit 2
fi

if [[ $build == 1 ]]; then
  # The real backend (libjdnn_cuda) needs nvcc; AUTO builds it when nvcc is found. Without it the
  # jar has only the emulation, and --device cuda stops with a message saying so.
  cuda_build=OFF; [[ $device == cuda ]] && cuda_build=AUTO
  echo "== building jdnn (mvn package -DskipTests -Djdnn.cuda=$cuda_build) and bench/jdnn" >&2
  mvn "${mvn_args[@]}" package -DskipTests -Djdnn.cuda="$cuda_build"
  (cd bench && mvn "${mvn_args[@]}" package -pl common,jdnn -am)
fi
jar=$(ls "$root"/target/jdnn-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)
m="$root/bench/jdnn"
if [[ -z $jar || ! -f $m/target/bench-jdnn-0.1.0-SNAPSHOT.jar || ! -f $m/target/classpath.txt ]]; then
  echo "jdnn or bench/jdnn is not built: run without --no-build" >&2
  exit 2
fi
cp="$m/target/bench-jdnn-0.1.0-SNAPSHOT.jar:$(cat "$m/target/classpath.txt")"
[[ -f $m/target/classpath-system.txt ]] && cp="$cp:$(cat "$m/target/classpath-system.txt")"

if [[ $profile_steps == 1 ]]; then
  echo "== GpuBench --profile-steps on $device: $(date -u +%H:%M:%S)" >&2
  status=0
  if [[ $list_step == 1 ]]; then
    # Only the trace lines of the counted steps, between GpuBench's markers.
    lines=$(JDNN_EMU_TRACE=1 java -Xms1g -Xmx8g -Dorg.bytedeco.javacpp.cachedir="$root/bench/target/javacpp-cache" \
      -cp "$cp" org.jdnn.bench.GpuBench --device "$device" --data "$data" --profile-steps \
      2> >(awk '/^== W[0-9] step counters/ {print > "/dev/stderr"} /^== profiled step begins/ {on = 1; next}
                /^== profiled step ends/ {on = 0} on && /^jdnn-emu-trace / {print > "/dev/stderr"}
                !/^jdnn-emu-trace / && !/^== profiled step/ && !/^== W[0-9] step counters/ {print > "/dev/stderr"}')) || status=$?
  else
    lines=$(java -Xms1g -Xmx8g -Dorg.bytedeco.javacpp.cachedir="$root/bench/target/javacpp-cache" -cp "$cp" \
      org.jdnn.bench.GpuBench --device "$device" --data "$data" --profile-steps) || status=$?
  fi
  [[ -n $lines ]] && echo "$lines"
  [[ $status == 3 ]] && echo "== no result: device $device is unavailable (see the message above)" >&2
  if [[ $status == 0 ]]; then
    # Exactly one line per workload, fields in this order (readers parse them).
    fields='launches=[0-9]+ vendor_calls=[0-9]+ syncs=[0-9]+ device_mallocs=[0-9]+ h2d_bytes=[0-9]+ d2h_bytes=[0-9]+'
    for w in W1 W2 W1-graph W2-graph; do
      n=$(grep -cE "^STEP $w $fields\$" <<<"$lines" || true)
      [[ $n == 1 ]] || { echo "== expected exactly one well-formed 'STEP $w ...' line, got $n" >&2; status=1; }
    done
    [[ $(wc -l <<<"$lines") == 4 ]] || { echo "== expected four lines on stdout, got: $lines" >&2; status=1; }
  fi
  exit $status
fi

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain --untracked-files=no 2>/dev/null) ]] || commit="$commit+dirty"
name="gpu-$(date -u +%Y-%m-%d)"
[[ $device == cuda-emu ]] && name="$name-emu"
[[ $quick == 1 ]] && name="$name-quick"
[[ -e $outdir/$name.md ]] && name="$name-$(date -u +%H%M)" # keep earlier runs of the day
mkdir -p "$outdir"

echo "== GpuBench on $device: $(date -u +%H:%M:%S)" >&2
status=0
java -Xms1g -Xmx8g -Dorg.bytedeco.javacpp.cachedir="$root/bench/target/javacpp-cache" -cp "$cp" \
  org.jdnn.bench.GpuBench --device "$device" --data "$data" "${java_args[@]}" \
  --out-md "$outdir/$name.md" --out-json "$outdir/$name.json" \
  --command "scripts/bench-gpu.sh${orig_args:+ $orig_args}" --commit "$commit" || status=$?
case $status in
  0) echo "== wrote $outdir/$name.md and .json" >&2 ;;
  3) echo "== no result: device $device is unavailable (see the message above)" >&2 ;;
  *) [[ -f $outdir/$name.md ]] && echo "== a section failed; partial results in $outdir/$name.md and .json" >&2 ;;
esac
exit $status
