#!/usr/bin/env bash
# Issue 6 comparison: W1, W2, W3 and W4 (../shared/benchmarks.md) for jdnn, Deeplearning4j 1.0.0-M2.1
# (nd4j-native, linux-x86_64) and PyTorch through the JavaCPP presets (CPU), same data, same batch
# sizes, 2 intra-op threads each; the peers with OMP_WAIT_POLICY=PASSIVE (headline) and with their
# default spinning OpenMP threads (second column). Builds jdnn and the bench/ module (not part of
# the root build; Maven downloads the peers on first use), runs every system and setting in its own
# JVM, repeats interleaved, and writes bench/results/compare-DATE.md and .json (medians of repeats).
#
#   scripts/bench-compare.sh [--quick] [--w4] [--repeats N] [--spin-repeats N] [--w2-batches N|0]
#                            [--systems "jdnn dl4j pytorch"] [--no-spin] [--threads N]
#                            [--run-timeout S] [--peer-env "K=V ..."] [--data DIR] [--out DIR]
#
# --quick          1 repeat, W1 on 20,000 images, 20 W2 batches, short W3 and W4 windows, SGEMM n=2048
# --w4             W4 (host overhead) only: jdnn and PyTorch (passive), no data set, no SGEMM, no
#                  spinning column; 3 repeats unless --repeats says otherwise (about 35 s per JVM)
# --repeats N      passive/jdnn runs per system (default 3); --spin-repeats N spinning runs (default 1)
# --w2-batches N   timed W2 batches after 5 warm-up batches (default 100); 0 = the whole first epoch,
#                  then W2's test accuracy is reported too
# --run-timeout S  wall-clock limit per JVM (default 1800); a run that hits it keeps what it finished
# --peer-env "K=V" extra environment for the peers' runs (both settings), e.g. OPENBLAS_THREAD_TIMEOUT=4:
#                  the peers' OpenBLAS is a pthreads build whose workers spin (OMP_WAIT_POLICY does not
#                  reach them); recorded in the result files
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
orig_args="$*"

peer_env=""; w4_only=0; repeats=3; spin_repeats=1; w2_batches=100; threads=2; quick=0; spin=1; run_timeout=1800
systems="jdnn dl4j pytorch"
data="${JDNN_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
outdir="$root/bench/results"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; repeats=1; spin_repeats=1; w2_batches=20 ;;
    --w4) w4_only=1; spin=0; systems="jdnn pytorch" ;;
    --repeats) repeats="$2"; shift ;;
    --spin-repeats) spin_repeats="$2"; shift ;;
    --w2-batches) w2_batches="$2"; shift ;;
    --systems) systems="$2"; shift ;;
    --no-spin) spin=0 ;;
    --threads) threads="$2"; shift ;;
    --run-timeout) run_timeout="$2"; shift ;;
    --peer-env) peer_env="$2"; shift ;;
    --data) data="$2"; shift ;;
    --out) outdir="$2"; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ $w4_only == 0 && ! -f "$data/train-images-idx3-ubyte.gz" && ! -f "$data/train-images-idx3-ubyte" ]]; then
  echo "Fashion-MNIST not found in $data: apt-get install dataset-fashion-mnist, or pass --data DIR" >&2
  exit 1
fi

harness_args=(--data "$data" --threads "$threads" --w2-batches "$w2_batches")
if [[ $quick == 1 ]]; then
  harness_args+=(--w1-limit 20000 --w3-window 0.5 --w3-windows 3 --w4-window 0.5 --w4-windows 3 --w4-warmup 4 --gemm 2048)
fi
[[ $w4_only == 1 ]] && harness_args+=(--skip W1,W2,W3 --gemm 0)

echo "== building jdnn (mvn package -DskipTests) and the bench module" >&2
mvn -B -q package -DskipTests
(cd bench && mvn -B -q package)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain --untracked-files=no 2>/dev/null) ]] || commit="$commit+dirty"

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
raw="$outdir/raw-$stamp"
mkdir -p "$raw"
cache="$root/bench/target/javacpp-cache"
jvm=(java -Xms1g -Xmx4g -Dorg.bytedeco.javacpp.cachedir="$cache" -Djdnn.bench.commit="$commit")

classpath() { # system -> class path of its JVM
  local m="bench/$1"
  local cp="$m/target/bench-$1-0.1.0-SNAPSHOT.jar:$(cat "$m/target/classpath.txt")"
  [[ -f $m/target/classpath-system.txt ]] && cp="$cp:$(cat "$m/target/classpath-system.txt")"
  echo "$cp"
}
main_class() {
  case "$1" in jdnn) echo org.jdnn.bench.JdnnBench ;; dl4j) echo org.jdnn.bench.Dl4jBench ;;
    pytorch) echo org.jdnn.bench.PytorchBench ;; *) echo "unknown system $1" >&2; exit 2 ;; esac
}

run_one() { # system label rep
  local sys=$1 label=$2 rep=$3
  local out="$raw/run-$sys-$label-$rep.properties" log="$raw/run-$sys-$label-$rep.log"
  # A clean environment per run: only the thread settings this run is meant to have.
  local envs=(env -u OMP_WAIT_POLICY -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS -u MKL_NUM_THREADS -u JDNN_NUM_THREADS
              -u KMP_BLOCKTIME -u GOMP_SPINCOUNT -u OPENBLAS_THREAD_TIMEOUT)
  if [[ $sys == jdnn ]]; then
    envs+=(JDNN_NUM_THREADS="$threads")
  else
    envs+=(OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads")
    [[ $label == passive ]] && envs+=(OMP_WAIT_POLICY=PASSIVE)
    for kv in $peer_env; do envs+=("$kv"); done
  fi
  echo "== $sys ($label) run $rep: $(date -u +%H:%M:%S)" >&2
  local t0=$SECONDS
  if ! timeout "$run_timeout" "${envs[@]}" "${jvm[@]}" -cp "$(classpath "$sys")" "$(main_class "$sys")" \
      "${harness_args[@]}" --label "$label" --out "$out" >"$log" 2>&1; then
    echo "   $sys ($label) run $rep ended with an error or hit --run-timeout; see $log" >&2
    [[ -f $out ]] && echo "run.error=exit before the end (timeout ${run_timeout}s or crash), see $(basename "$log")" >>"$out"
  fi
  echo "   $((SECONDS - t0)) s; $(grep -E '^(w1.samples_per_s|w2.samples_per_s|w3.b1|w3.b256|w4.steps_per_s|w4.ops_per_s)=' "$out" 2>/dev/null | tr '\n' ' ')" >&2
}

for ((rep = 1; rep <= repeats; rep++)); do
  for sys in $systems; do
    if [[ $sys == jdnn ]]; then run_one jdnn own-pool "$rep"; else run_one "$sys" passive "$rep"; fi
  done
done
if [[ $spin == 1 ]]; then
  for ((rep = 1; rep <= spin_repeats; rep++)); do
    for sys in $systems; do [[ $sys == jdnn ]] || run_one "$sys" spin "$rep"; done
  done
fi

day=$(date -u +%Y-%m-%d)
suffix=""; [[ $quick == 1 ]] && suffix="-quick"; [[ $w4_only == 1 ]] && suffix="-w4$suffix"
[[ -e $outdir/compare-$day$suffix.md ]] && suffix="$suffix-$(date -u +%H%M)" # keep earlier runs of the day
cmd="scripts/bench-compare.sh${orig_args:+ $orig_args}"
java -cp "bench/common/target/bench-common-0.1.0-SNAPSHOT.jar" org.jdnn.bench.Report "$raw" \
  "$outdir/compare-$day$suffix.md" "$outdir/compare-$day$suffix.json" "$cmd (jdnn $commit)"
echo "== wrote $outdir/compare-$day$suffix.md and .json (raw runs in $raw)" >&2
