#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang with ASan and UBSan) and runs each one.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default 600 (a long run); the fuzz.short ctest passes 15
#   TARGET              specs, tensor_file, model_file, loader (default: all four)
# Environment: PT2ONNX_FUZZ_SEED (libFuzzer's -seed; the fuzz.short ctest fixes it at 1 so a CI run
# repeats the same inputs, as far as its time goes; unset: a new seed each run),
# PT2ONNX_FUZZ_BUILD_DIR (default build-fuzz), PT2ONNX_FIXTURES (model-file and loader seeds,
# default build/fixtures-cli, made by the cli tests). The corpus grows in BUILD_DIR/corpus/TARGET
# across runs; an input that crashes is saved in BUILD_DIR/artifacts/ and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(specs tensor_file model_file loader)
build=${PT2ONNX_FUZZ_BUILD_DIR:-build-fuzz}
fixtures=${PT2ONNX_FIXTURES:-build/fixtures-cli}

command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing; run scripts/setup.sh" >&2; exit 1; }
cmake -S tests/fuzz -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

mkdir -p "$build/artifacts"
# LibTorch and protobuf allocate at start-up and never free; leaks are not what these targets look for.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
status=0
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  seeds=$build/seeds/$target
  mkdir -p "$corpus" "$seeds"
  case $target in
    specs) cp tests/fuzz/seeds/specs/* "$seeds"/ ;;
    tensor_file)
      cp tests/fuzz/seeds/tensor_file/* "$seeds"/
      cp "$fixtures"/*.npy "$seeds"/ 2>/dev/null || true
      ;;
    model_file)
      # Every small model file the cli tests make: TorchScript and each other kind.
      find "$fixtures" -maxdepth 1 -type f \( -name '*.pt' -o -name '*.ptl' -o -name '*.onnx' \) -size -64k \
        -exec cp {} "$seeds"/ \; 2>/dev/null || true
      ;;
    loader)
      # Small TorchScript archives (traced and scripted, with stored inputs, a custom-op call, a
      # truncated one) to mutate; the committed sample too.
      cp models/sample.pt "$seeds"/
      find "$fixtures" -maxdepth 1 -type f -name '*.pt' -size -64k -exec cp {} "$seeds"/ \; 2>/dev/null || true
      ;;
  esac
  echo "fuzz: $target for $seconds s"
  if ! "$build/fuzz_$target" ${PT2ONNX_FUZZ_SEED:+-seed="$PT2ONNX_FUZZ_SEED"} -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 -timeout=30 \
    -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1 "$corpus" "$seeds" 2>"$build/$target.log"; then
    echo "fuzz: $target FAILED; the input is in $build/artifacts/, the report in $build/$target.log:" >&2
    grep -E "ERROR|runtime error|SUMMARY|Test unit written" "$build/$target.log" | head -n 20 >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units|^Done" "$build/$target.log" | tr '\n' ' '
    echo
  fi
done
exit $status
