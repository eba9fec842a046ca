// pt2onnx_reference's operator shims, registered before main(): src/frontend/compat_schemas.cpp, so the
// reference loads torch 2.x archives (tests/fixtures/torch26) on LibTorch 1.13 too, and torchvision's
// operators.
//
// A static initializer is safe here: this file is compiled into the executable itself, not a static
// library the linker could drop it from. The shims' kernels are checked against torch 2.6's own
// outputs by tests/unit/torch26_test.cpp, so the reference stays independent of the converters.
// For torchvision's operators the reference prefers torchvision's own library (python3-torchvision's
// _C extension needs no Python to load; PT2ONNX_TORCHVISION_LIB names another), so that models
// calling them are compared with torchvision's kernels rather than pt2onnx's.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "frontend/compat_schemas.h"
#include "frontend/torchvision_schemas.h"

namespace {

std::string torchvisionLibrary() {
  if (const char* env = std::getenv("PT2ONNX_TORCHVISION_LIB")) return env;
  std::error_code ec;
  for (const char* dir :
       {"/usr/lib/python3/dist-packages/torchvision", "/usr/local/lib/python3/dist-packages/torchvision"})
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("_C.", 0) == 0 && entry.path().extension() == ".so") return entry.path().string();
    }
  return "";
}

bool registerShims() {
  const std::string lib = torchvisionLibrary();
  if (!lib.empty() && !dlopen(lib.c_str(), RTLD_NOW | RTLD_GLOBAL))
    std::fprintf(stderr, "pt2onnx_reference: cannot load %s (%s); torchvision operators use pt2onnx's kernels\n",
                 lib.c_str(), dlerror());
  pt2onnx::registerCompatSchemas();
  pt2onnx::registerTorchvisionSchemas();
  return true;
}

const bool kShimsRegistered = registerShims();

}  // namespace
