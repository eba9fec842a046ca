// Runtime defaults of the ASan/UBSan build (-DPT2ONNX_SANITIZE, build-asan), linked into each of
// its executables so that every run (ctest, gtest discovery at build time, by hand) uses them;
// ASAN_OPTIONS/UBSAN_OPTIONS/LSAN_OPTIONS in the environment still override them.
//
// Why each option:
// - detect_leaks=0: LibTorch, ONNX and protobuf are Debian's uninstrumented builds; they keep
//   operator registries and descriptor pools alive until exit and are built without frame
//   pointers, so LeakSanitizer cannot tell their start-up allocations from ours. Memory errors
//   (overflows, use after free, double free) are still found everywhere in our code.
// - abort_on_error=1 / halt_on_error=1: the first report ends the run with a failing status.
// - check_initialization_order=1: static initializers of ours that read another file's globals.
// - print_stacktrace=1: UBSan prints where it happened (ASan always does).
// - UBSan suppressions (tests/sanitizers/ubsan.supp) name third-party code only.

extern "C" {

__attribute__((visibility("default"), used)) const char* __asan_default_options() {
  return "detect_leaks=0:abort_on_error=1:check_initialization_order=1";
}

__attribute__((visibility("default"), used)) const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" PT2ONNX_UBSAN_SUPPRESSIONS;
}

}  // extern "C"
