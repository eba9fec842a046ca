// --load-library: shared libraries that register TorchScript operators, loaded before the archive.
#include <dlfcn.h>

#include <filesystem>
#include <fstream>

#include "core/diagnostics.h"
#include "frontend/frontend.h"

namespace pt2onnx {

void loadLibraries(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  for (const auto& path : paths) {
    const std::string flag = "--load-library '" + path + "': ";
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(ExitCode::kLibrary, flag + "no such file");
    if (!fs::is_regular_file(path, ec)) throw Error(ExitCode::kLibrary, flag + "not a file");
    if (!std::ifstream(path, std::ios::binary).good())
      throw Error(ExitCode::kLibrary, flag + "cannot be read (check its permissions)");
    // RTLD_GLOBAL as torch.ops.load_library: the operators' kernels may need each other's symbols.
    // Its static initializers register the operators with LibTorch.
    void* handle = nullptr;
    try {
      handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    } catch (const std::exception& e) {
      throw Error(ExitCode::kLibrary, flag + "registering its operators failed: " + firstLine(e.what()));
    }
    if (!handle) {
      const char* why = dlerror();
      throw Error(ExitCode::kLibrary, flag + "not a loadable shared library for this LibTorch (" +
                                          firstLine(why ? why : "dlopen failed") + ")");
    }
  }
}

}  // namespace pt2onnx
