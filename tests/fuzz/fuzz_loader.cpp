// libFuzzer target: loading mutated TorchScript archives the way a conversion does (the model-file
// checks, torch::jit::load with pt2onnx's schema shims, the forward() check and the stored example
// inputs). Every verdict is pt2onnx::Error with a load exit code, or a loaded module; anything else
// (another exception, a crash) is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "frontend/frontend.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/pt2onnx_fuzz_loader_" + std::to_string(getpid()) + ".pt";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    torch::jit::Module module = pt2onnx::loadModule(path);
    pt2onnx::storedInputSpecs(module, path);
  } catch (const pt2onnx::Error& e) {
    switch (e.code()) {
      case pt2onnx::ExitCode::kModelInput:
      case pt2onnx::ExitCode::kModelFormat:
      case pt2onnx::ExitCode::kMissingOps:
      case pt2onnx::ExitCode::kUsage:  // a stored --input spec that does not parse
        break;
      default:
        __builtin_trap();
    }
  }
  return 0;
}
