// libFuzzer target: the command-line spec parsers. Bad text must end in pt2onnx::Error (a usage
// error naming the flag); any other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pt2onnx/pt2onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto run = [](auto parse) {
    try {
      parse();
    } catch (const pt2onnx::Error& e) {
      if (e.code() != pt2onnx::ExitCode::kUsage) __builtin_trap();
    }
  };
  run([&] { pt2onnx::parseInputSpec(text); });
  run([&] { pt2onnx::parseDynamicAxesSpec(text); });
  run([&] { pt2onnx::parseNameList(text); });
  run([&] { pt2onnx::parseInputData(text); });
  run([&] { pt2onnx::parseConstArg(text); });
  return 0;
}
