#!/usr/bin/env bash
# The GPU kit: everything a short GPU window needs, prepared here, run there in one command.
#
#   scripts/gpu-kit.sh prepare [--jar FILE] [--offline]
#   scripts/gpu-kit.sh run [--device cuda|cuda-emu] [--budget SECONDS] [--only CLASS[,CLASS...]]
#
# prepare (on a build machine, with Maven, a JDK and nvcc) fills gpu-kit/ (ignored by git, at most 60 MiB): a
#   jlink-made Java runtime holding only the modules the kit's code needs, the jdnn jar built with nvcc (the real
#   libjdnn_cuda inside, or prepare fails), the test classes and the jars they need, the JUnit console launcher,
#   the GPU benchmark (bench/jdnn) and GpuProbe. It builds with `mvn -Djdnn.cuda=ON package -DskipTests`;
#   --jar FILE takes a jar already built that way instead (then only the test classes are compiled).
#   Benchmarks run on random data of Fashion-MNIST's shapes (the data set does not fit in the kit).
# run (on the GPU machine, in this tree with gpu-kit/ beside it; needs no Java, Maven or network there) writes
#   everything to $OUT (./gpu-kit-out when OUT is unset) and ends within the budget (default 480 s): nvidia-smi;
#   cuBLAS/cuDNN/NCCL found in the Python wheels (nvidia-*) and put on LD_LIBRARY_PATH; vendor_check.cpp compiled
#   against the wheels' headers; GpuProbe (stops the jdnn steps unless the device works); the GPU test selection
#   with -Djdnn.require.gpu=true and a per-test timeout (JUnit XML); GpuBench (W1, W2, W3; W1 and W2 also
#   replayed from CUDA graphs and trained under bf16 autocast, samples/s beside the eager ones), then its step counters (--profile-steps: one
#   STEP line each for W1, W2, W1-graph and W2-graph, in $OUT/step-counters.txt);
#   bench/pytorch/gpu_bench.py, the same workloads in PyTorch eager and with CUDA graphs; compute-sanitizer
#   memcheck over RealGpuTest if time remains; $OUT/summary.md last. Between the tests and the benchmark (and
#   under --only too): nccl_check.cpp compiled against the wheel's nccl.h, then CollectivesWorker and DdpWorker
#   (W1) as data-parallel jobs of one rank per GPU through scripts/jdnn-run, gradients through NCCL.
#   --only CLASS,... is the short check of a change: the device steps up to the probe, then only the named test
#   classes (fully qualified, or simple names found under src/test/java), no benchmarks and no sanitizer.
#   --device cuda-emu is the dry run for a machine without a GPU: the tests and the benchmark on the emulation
#   (require.gpu off, so the real-GPU cases skip), no nvidia-smi, vendor check or sanitizer, and PyTorch (if
#   installed) on the CPU at tiny sizes.
#
# Exit status: 0 every step passed or was skipped for a stated reason; 1 a step failed (summary.md says which);
# 2 bad usage or no kit; 3 the device does not work (GpuProbe failed).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
kit="$root/gpu-kit"
max_kit_bytes=$((60 * 1024 * 1024))

usage() { sed -n '2,28p' "$0"; exit 2; }

# ---- prepare ----------------------------------------------------------------------------------------------------

prepare() {
  local jar="" offline=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --jar) jar="$2"; shift ;;
      --offline) offline=(-o) ;;
      *) usage ;;
    esac
    shift
  done
  set -e
  local mvn=(mvn -B -q "${offline[@]}")
  local version
  version=$(sed -n 's:.*<junit.platform.version>\(.*\)</junit.platform.version>.*:\1:p' pom.xml)
  [[ -n $version ]] || { echo "prepare: pom.xml has no junit.platform.version" >&2; exit 1; }

  if [[ -z $jar ]]; then
    echo "== mvn -Djdnn.cuda=ON package -DskipTests (the real CUDA backend, with nvcc: minutes)" >&2
    "${mvn[@]}" -Djdnn.cuda=ON package -DskipTests
    jar=$(ls target/jdnn-*.jar | grep -v -e sources -e javadoc | head -1)
  else
    echo "== using $jar; compiling the test classes (mvn test-compile)" >&2
    "${mvn[@]}" test-compile
  fi
  if ! unzip -l "$jar" | grep -q 'org/jdnn/bridge/linux-x86_64/libjdnn_cuda\.so$'; then
    echo "prepare: $jar has no libjdnn_cuda.so: build it with nvcc (mvn -Djdnn.cuda=ON package -DskipTests)" >&2
    exit 1
  fi

  echo "== bench/jdnn (GpuBench, GpuProbe)" >&2
  # bench/jdnn compiles against target/jdnn-*.jar (a system path): put the kit's jar there when it came from --jar
  local built
  built=$(ls target/jdnn-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)
  if [[ -z $built ]]; then mkdir -p target; cp "$jar" target/"$(basename "$jar")"; fi
  (cd bench && "${mvn[@]}" package -pl common,jdnn -am)

  rm -rf "$kit"
  mkdir -p "$kit/lib" "$kit/console" "$kit/bench"
  cp "$jar" "$kit/jdnn.jar"
  cp -r target/test-classes "$kit/test-classes"
  # Test dependencies but not JUnit itself: the console launcher carries JUnit, and a second copy of its engine on
  # the class path stops the launcher (two engines with one id).
  "${mvn[@]}" dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$kit/lib" \
    -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian -DexcludeArtifactIds=xchart
  "${mvn[@]}" dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$version" \
    -DoutputDirectory="$kit/console"
  cp bench/jdnn/target/bench-jdnn-*.jar "$kit/bench/"
  # the benchmark's own jars (bench-common and whatever it needs that the tests' jars do not already bring)
  tr ':' '\n' <bench/jdnn/target/classpath.txt | grep -v -e '/jdnn-[0-9]' | while read -r f; do
    if [[ -n $f && ! -f $kit/lib/$(basename "$f") ]]; then cp "$f" "$kit/bench/"; fi
  done

  echo "== jlink: a Java runtime of the modules jdeps finds" >&2
  local modules
  modules=$(jdeps --ignore-missing-deps --print-module-deps --multi-release 17 -q \
    --class-path "$kit/lib/*:$kit/console/*" "$kit/jdnn.jar" "$kit"/lib/*.jar "$kit"/bench/*.jar \
    "$kit"/console/*.jar "$kit/test-classes")
  # Without java.desktop (about 20 MB): only the training-curve PNGs (org.jdnn.plot, through xchart, left out of
  # lib/) use it, and no GPU step draws one. jdk.unsupported: JavaCPP reaches sun.misc.Unsafe by reflection too.
  modules=$(echo "$modules,jdk.unsupported" | tr ',' '\n' | grep -v -x java.desktop | sort -u | paste -sd,)
  echo "   modules: $modules" >&2
  jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --output "$kit/jre"

  {
    echo "commit: $(git rev-parse --short HEAD)$([[ -z $(git status --porcelain --untracked-files=no) ]] || echo +dirty)"
    echo "prepared: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "jar: $(basename "$jar") $(sha256sum "$jar" | cut -c1-16)"
    echo "java: $("$kit/jre/bin/java" -version 2>&1 | head -1)"
    echo "modules: $modules"
    echo "junit console: $version"
  } >"$kit/KIT.txt"
  set +e
  local bytes
  bytes=$(du -sb "$kit" | cut -f1)
  echo "== gpu-kit/ is $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB; limit 60 MiB):" >&2
  du -sh "$kit"/* >&2
  if ((bytes > max_kit_bytes)); then
    echo "prepare: gpu-kit/ is over 60 MiB: it would not travel with the tree (64 MiB in all)" >&2
    exit 1
  fi
}

# ---- run --------------------------------------------------------------------------------------------------------

device=cuda budget=480 only=
start=$SECONDS
out="" work="" steps_md="" failed=0

left() { echo $((budget - (SECONDS - start))); }

# The fully qualified names of the test classes that have GPU cases (see the tests step): those naming TestDevice or
# its annotations, and the layer tests whose device parity goes through LayerChecks.parity.
gpu_test_classes() {
  grep -rlE 'TestDevice\b|@EveryDevice|@OnDevice\("cuda"\)|LayerChecks\.parity' src/test/java --include='*Test.java' |
    xargs grep -lE '@Test|@ParameterizedTest|@TestTemplate' | sed 's|^src/test/java/||; s|\.java$||; s|/|.|g' | sort
}

# named_test_classes A,B,...: each name as given when it has a dot, else the classes of that simple name in the tree.
named_test_classes() {
  local name
  for name in ${1//,/ }; do
    if [[ $name == *.* ]]; then
      echo "$name"
    else
      find src/test/java -name "$name.java" | sed 's|^src/test/java/||; s|\.java$||; s|/|.|g'
    fi
  done
}

# step NAME BOX_SECONDS COMMAND...: runs COMMAND with its output in $work/NAME.log (and on stderr), stopped after
# min(BOX, time left - 20 s); records the outcome in summary.md's table.
step() {
  local name="$1" box="$2"
  shift 2
  local limit=$(($(left) - 20))
  ((limit > box)) && limit=$box
  if ((limit < 5)); then
    record "$name" "not run" 0 "no time left in the ${budget} s budget"
    return 124
  fi
  echo "== $name (at most ${limit} s): $*" >&2
  local t0=$SECONDS rc
  timeout --kill-after=5 "$limit" "$@" 2>&1 | tee "$work/$name.log"
  rc=${PIPESTATUS[0]}
  local took=$((SECONDS - t0))
  if ((rc == 0)); then
    record "$name" passed "$took" ""
  elif ((rc == 124 || rc == 137)); then
    record "$name" "TIMED OUT" "$took" "stopped after ${limit} s"
  else
    record "$name" FAILED "$took" "exit status $rc; see logs.tar.gz $name.log"
  fi
  return $rc
}

record() {  # NAME STATUS SECONDS NOTE
  steps_md+="| $1 | $2 | $3 | $4 |"$'\n'
  [[ $2 == FAILED || $2 == "TIMED OUT" || $2 == "not run" ]] && failed=1
  echo "== $1: $2${4:+ ($4)}" >&2
}

skip() { record "$1" skipped 0 "$2"; }

dir_of() {  # NAME ROOT...: the directory of the first file NAME under the roots, or nothing
  local name="$1" f
  shift
  f=$(find "$@" -name "$name" 2>/dev/null | head -1)
  [[ -n $f ]] && dirname "$f"
  return 0
}

run() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --device) device="$2"; shift ;;
      --budget) budget="$2"; shift ;;
      --only) only="$2"; shift ;;
      *) usage ;;
    esac
    shift
  done
  case "$device" in cuda|cuda-emu) ;; *) echo "--device must be cuda or cuda-emu" >&2; exit 2 ;; esac
  local java="$kit/jre/bin/java"
  if [[ ! -x $java || ! -f $kit/jdnn.jar ]]; then
    echo "run: no kit in $kit: run scripts/gpu-kit.sh prepare on a build machine and carry gpu-kit/ here" >&2
    exit 2
  fi
  out="${OUT:-$root/gpu-kit-out}"
  mkdir -p "$out"
  work=$(mktemp -d /tmp/gpu-kit.XXXXXX)
  exec > >(tee "$out/run.log") 2>&1
  local tee_pid=$!
  echo "gpu-kit run --device $device, budget ${budget} s, $(date -u +%Y-%m-%dT%H:%M:%SZ), kit: $(tr '\n' ' ' <"$kit/KIT.txt")"
  local emu=0
  [[ $device == cuda-emu ]] && emu=1

  # 1. the card
  if ((emu)); then
    skip nvidia-smi "dry run on cuda-emu: no GPU"
  elif command -v nvidia-smi >/dev/null; then
    step nvidia-smi 20 nvidia-smi
  else
    record nvidia-smi FAILED 0 "nvidia-smi not found: no NVIDIA driver here"
  fi

  # 2. cuBLAS, cuDNN and NCCL from the pip wheels (nvidia-cublas, nvidia-cudnn-cu13, nvidia-nccl-cu13); jdnn's
  # vendor loader dlopens them by soname, so their lib/ directories go on LD_LIBRARY_PATH.
  local libdirs="" cublas_inc="" cudnn_inc="" nccl_inc=""
  local roots
  roots=$(python3 -c 'import nvidia, sys; print("\n".join(nvidia.__path__))' 2>/dev/null || true)
  if [[ -n $roots ]]; then
    local lib
    for lib in libcublas.so libcublasLt.so libcudnn.so libnccl.so; do
      local f
      f=$(find $roots -name "$lib*" -type f 2>/dev/null | head -1)
      [[ -n $f ]] && libdirs="$libdirs:$(dirname "$f")"
    done
    libdirs=$(echo "${libdirs#:}" | tr ':' '\n' | awk '!seen[$0]++' | paste -sd:)
    cublas_inc=$(dir_of cublas_v2.h $roots)
    cudnn_inc=$(dir_of cudnn.h $roots)
    nccl_inc=$(dir_of nccl.h $roots)
  fi
  # the driver's libcuda.so.1, where NVIDIA's container setups mount it (normally the loader finds it already)
  if [[ -f /usr/local/nvidia/lib64/libcuda.so.1 ]]; then
    export LD_LIBRARY_PATH="/usr/local/nvidia/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  if [[ -n $libdirs ]]; then
    export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    record wheels passed 0 "LD_LIBRARY_PATH += $libdirs; headers: cuBLAS ${cublas_inc:-none}, cuDNN ${cudnn_inc:-none}, NCCL ${nccl_inc:-none}"
  elif ((emu)); then
    skip wheels "no nvidia-* Python wheels here (not needed on cuda-emu)"
  else
    record wheels FAILED 0 "no nvidia-* wheels found by python3 (import nvidia): cuBLAS/cuDNN missing"
  fi

  # 3. vendor.h against the real headers (compiled only: a mismatch fails the compile)
  if command -v nvcc >/dev/null && [[ -n $cublas_inc && -n $cudnn_inc && -f $cublas_inc/cublas_v2.h ]]; then
    step vendor_check 60 nvcc -std=c++17 -x cu -c native/src/cuda/vendor_check.cpp -Inative/src -Inative/include \
      -I"$cublas_inc" -I"$cudnn_inc" -o "$work/vendor_check.o"
  elif ((emu)); then
    skip vendor_check "needs nvcc and the wheels' headers (GPU machine only)"
  else
    record vendor_check FAILED 0 "nvcc ($(command -v nvcc || echo missing)) or the wheels' cuBLAS/cuDNN headers missing"
  fi

  local jopts=(-Xss4m -Dorg.bytedeco.javacpp.cachedir="$work/javacpp-cache")
  local cp="$kit/jdnn.jar:$kit/test-classes:$(ls "$kit"/lib/*.jar | paste -sd:)"
  local bcp="$kit/jdnn.jar:$(ls "$kit"/bench/*.jar | paste -sd:):$(ls "$kit"/lib/*.jar | paste -sd:)"

  # 4. the device must work, or the jdnn steps are pointless
  local device_ok=1
  step probe 60 "$java" "${jopts[@]}" -cp "$bcp" org.jdnn.bench.GpuProbe "$device" || device_ok=0

  # 5. the GPU test selection
  if ((device_ok)); then
    local props=(-Djdnn.parity.device="$device" -Djdnn.ranks.classpath="$cp")
    ((emu)) || props+=(-Djdnn.require.gpu=true)
    # Every test class with GPU cases: those that take a TestDevice, run @EveryDevice or sit
    # @OnDevice("cuda") (the ways a test reaches the GPU, TestDevice's javadoc), found in the tree's
    # sources so that a new one is never left out.
    local selection
    if [[ -n $only ]]; then
      mapfile -t selection < <(named_test_classes "$only")
    else
      mapfile -t selection < <(gpu_test_classes)
    fi
    ((${#selection[@]} > 0)) || { record tests failed 0 "no GPU test classes found under src/test/java"; return; }
    step tests 300 "$java" "${jopts[@]}" "${props[@]}" -jar "$kit"/console/junit-platform-console-standalone-*.jar \
      execute --disable-banner --details=tree --class-path "$cp" \
      $(printf -- '--select-class=%s ' "${selection[@]}") --reports-dir="$work/junit" \
      --config=junit.jupiter.execution.timeout.default=120s
    cp "$work"/junit/TEST-junit-jupiter.xml "$out/junit.xml" 2>/dev/null
  else
    skip tests "the probe did not pass"
  fi

  # 5b. NCCL: nccl.h against the wheel's header, then data-parallel jobs of one rank per GPU (two on
  # cuda-emu) through scripts/jdnn-run: every collective against its definition, then W1 trained by
  # DistributedDataParallel against one process at the whole batch (MAXDIFF in its log). Short, so
  # they run under --only too: a GPU window is where NCCL itself can be tried.
  if ((emu)); then
    skip nccl_check "needs nvcc and the wheel's NCCL header (GPU machine only)"
  elif command -v nvcc >/dev/null && [[ -n $nccl_inc && -f $nccl_inc/nccl.h ]]; then
    step nccl_check 60 nvcc -std=c++17 -x cu -c native/src/cuda/nccl_check.cpp -Inative/src -Inative/include \
      -I"$nccl_inc" -o "$work/nccl_check.o"
  else
    record nccl_check FAILED 0 "nvcc ($(command -v nvcc || echo missing)) or the wheel's nccl.h (nvidia-nccl-cu13) missing"
  fi
  if ((device_ok)); then
    local ranks=2
    ((emu)) || ranks=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || echo 1)
    ((ranks >= 1)) || ranks=1
    # on cuda-emu, one emulated GPU per rank (each binds the GPU of its LOCAL_RANK)
    local emu_modes="${JDNN_EMU_MODES:-}"
    ((emu)) && emu_modes="devices=$ranks"
    local run_ranks=(env JAVA_HOME="$kit/jre" JDNN_EMU_MODES="$emu_modes" scripts/jdnn-run --nproc-per-node "$ranks" --classpath "$cp"
      --jvm-arg -Xss4m --jvm-arg "-Dorg.bytedeco.javacpp.cachedir=$work/javacpp-cache")
    step nccl-collectives 90 "${run_ranks[@]}" org.jdnn.distributed.CollectivesWorker "$device"
    step nccl-ddp 120 "${run_ranks[@]}" org.jdnn.distributed.DdpWorker w1 128 50 "$device"
    local diff
    diff=$(sed -n 's/.*MAXDIFF //p' "$work/nccl-ddp.log" 2>/dev/null | head -1)
    if [[ -n $diff ]] && awk -v d="$diff" 'BEGIN { exit !(d <= 1e-5) }'; then
      record nccl-ddp-match passed 0 "largest weight difference from one process: $diff (bound 1e-5)"
    elif [[ -n $diff ]]; then
      record nccl-ddp-match FAILED 0 "largest weight difference from one process: $diff, above the bound 1e-5"
    fi
    grep -h 'MAXDIFF\|NCCL' "$work/nccl-ddp.log" "$work/nccl-collectives.log" >"$out/nccl.txt" 2>/dev/null || true
  else
    skip nccl-collectives "the probe did not pass"
    skip nccl-ddp "the probe did not pass"
  fi

  # 6. the jdnn GPU benchmark, then the step counters of one W1 and one W2 training step
  if [[ -n $only ]]; then
    skip bench-jdnn "--only: named test classes alone"
    skip step-counters "--only: named test classes alone"
  elif ((device_ok)); then
    local bargs=(--device "$device" --keep-going --data "$work/no-data" --out-md "$out/bench-jdnn.md"
      --out-json "$out/bench-jdnn.json" --command "scripts/gpu-kit.sh run --device $device"
      --commit "$(sed -n 's/^commit: //p' "$kit/KIT.txt")")
    ((emu)) || bargs+=(--quick)
    step bench-jdnn 120 "$java" -Xms1g -Xmx8g "${jopts[@]}" -cp "$bcp" org.jdnn.bench.GpuBench "${bargs[@]}"
    step step-counters 60 "$java" -Xms1g -Xmx4g "${jopts[@]}" -cp "$bcp" org.jdnn.bench.GpuBench \
      --device "$device" --data "$work/no-data" --profile-steps
    grep '^STEP ' "$work/step-counters.log" >"$out/step-counters.txt" || true
  else
    skip bench-jdnn "the probe did not pass"
    skip step-counters "the probe did not pass"
  fi

  # 7. the same workloads in PyTorch on the same device, eager and with CUDA graphs
  if [[ -n $only ]]; then
    skip bench-pytorch "--only: named test classes alone"
  elif ! python3 -c 'import torch' 2>/dev/null; then
    skip bench-pytorch "python3 has no torch here"
  elif ((emu)); then
    step bench-pytorch 90 python3 bench/pytorch/gpu_bench.py --device cpu --tiny --out "$out/bench-pytorch.md"
  else
    step bench-pytorch 90 python3 bench/pytorch/gpu_bench.py --device cuda --quick --out "$out/bench-pytorch.md"
  fi

  # 8. compute-sanitizer memcheck over the real-GPU tests, in the time left
  local sanitizer
  sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
  if [[ -n $only ]]; then
    skip memcheck "--only: named test classes alone"
  elif ((emu)); then
    skip memcheck "needs a GPU"
  elif [[ -z $sanitizer ]]; then
    skip memcheck "compute-sanitizer not found (nvcc's toolkit here lacks it)"
  elif ((!device_ok)); then
    skip memcheck "the probe did not pass"
  elif (($(left) < 60)); then
    skip memcheck "under 60 s of the budget left"
  else
    step memcheck 600 "$sanitizer" --tool memcheck --error-exitcode 9 --target-processes all \
      "$java" "${jopts[@]}" -Djdnn.require.gpu=true -jar "$kit"/console/junit-platform-console-standalone-*.jar \
      execute --disable-banner --details=summary --class-path "$cp" --select-class=org.jdnn.device.RealGpuTest
  fi

  summary
  tar -C "$work" -czf "$out/logs.tar.gz" --exclude=javacpp-cache --exclude='*.o' . 2>/dev/null
  rm -rf "$work"
  sed -n '/^| step/,/^$/p' "$out/summary.md"
  echo "== results in $out: $(ls "$out" | tr '\n' ' ')"
  exec 1>&- 2>&-
  wait "$tee_pid" 2>/dev/null  # run.log complete before the files are collected
  ((device_ok)) || exit 3
  exit $failed
}

summary() {
  local s="$out/summary.md"
  {
    echo "# GPU kit run on $device ($(date -u +%Y-%m-%dT%H:%M:%SZ), $((SECONDS - start)) s of ${budget} s)"
    echo
    sed 's/^/- /' "$kit/KIT.txt"
    echo "- host: $(uname -srm); LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    echo
    echo "| step | outcome | seconds | note |"
    echo "|---|---|---|---|"
    printf '%s' "$steps_md"
    if [[ -f $work/probe.log ]]; then
      echo; echo "## Device"; echo; sed 's/^/    /' "$work/probe.log"
    fi
    if [[ -f $work/nvidia-smi.log ]]; then
      echo; echo "## nvidia-smi"; echo; sed 's/^/    /' "$work/nvidia-smi.log"
    fi
    if [[ -f $work/tests.log ]]; then
      echo; echo "## Tests (JUnit XML: junit.xml)"; echo
      grep -E '^\[ *[0-9]+ (tests|containers) ' "$work/tests.log" | sed 's/^/    /'
      grep -E 'MethodSource|JUnitException|=> ' "$work/tests.log" | head -40 | sed 's/^/    /'
    fi
    if [[ -f $work/vendor_check.log && -s $work/vendor_check.log ]]; then
      echo; echo "## vendor_check"; echo; head -40 "$work/vendor_check.log" | sed 's/^/    /'
    fi
    if [[ -f $work/step-counters.log ]]; then
      echo; echo "## Step counters"; echo
      grep '^STEP ' "$work/step-counters.log" | sed 's/^/    /' || echo "none printed"
    fi
    for f in bench-jdnn.md bench-pytorch.md; do
      if [[ -f $out/$f ]]; then
        echo; echo "## $f"; echo; sed 's/^#/###/' "$out/$f"
      fi
    done
    if [[ -f $work/memcheck.log ]]; then
      echo; echo "## compute-sanitizer memcheck"; echo; grep -E 'ERROR SUMMARY|=========' "$work/memcheck.log" | head -40 | sed 's/^/    /'
    fi
  } >"$s"
}

case "${1:-}" in
  prepare) shift; prepare "$@" ;;
  run) shift; run "$@" ;;
  *) usage ;;
esac
