// libFuzzer target: recognizing a model file (zip directory, pickles, ONNX, mobile formats) from
// mutated archives. Every verdict is pt2onnx::Error with a model-file exit code, or none at all
// (the file may be TorchScript); anything else is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "frontend/frontend.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/pt2onnx_fuzz_model_" + std::to_string(getpid()) + ".pt";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    pt2onnx::checkModelFile(path);
  } catch (const pt2onnx::Error& e) {
    if (e.code() != pt2onnx::ExitCode::kModelInput && e.code() != pt2onnx::ExitCode::kModelFormat) __builtin_trap();
  }
  return 0;
}
