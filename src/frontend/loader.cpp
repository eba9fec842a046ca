// Loading a TorchScript archive: file checks, torch::jit::load, stored example inputs, freezing.
#include <caffe2/serialize/inline_container.h>
#include <spdlog/spdlog.h>
#include <torch/script.h>
#include <torch/version.h>

#include "core/diagnostics.h"
#include "frontend/compat_schemas.h"
#include "frontend/frontend.h"
#include "frontend/torchvision_schemas.h"

namespace pt2onnx {
namespace {

std::string describeDims(const std::vector<int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "x" : "") + std::to_string(dims[i]);
  return out;
}

// An archive that calls an operator LibTorch lacks: from a library to load, or from a newer torch.
std::string missingOperatorMessage(const std::string& path, const std::string& op) {
  const std::string name = op.substr(op.rfind(' ') + 1);  // "an overload of aten::foo"
  if (auto library = operatorLibrary(name))
    return "'" + path + "' calls " + op + ", which needs " + *library +
           "'s operators: pass --load-library with the shared library that registers them";
  return "'" + path + "' calls " + op + ", which LibTorch " + libtorchVersion() +
         " (this build) does not have; it was saved by a newer torch: convert it with a pt2onnx built on LibTorch 2.x";
}

// LibTorch's own warnings (TORCH_WARN: prototype APIs, deprecations in the model's code) are about
// running the model in PyTorch, not about the conversion: they go to the debug log (-v), instead of
// glog lines on stderr.
class DebugLogWarnings : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning& warning) override { spdlog::debug("LibTorch warning: {}", warning.msg()); }
#else
  void process(const c10::SourceLocation&, const std::string& msg, const bool) override {
    spdlog::debug("LibTorch warning: {}", msg);
  }
#endif
};

}  // namespace

torch::jit::Module loadModule(const std::string& path, const std::string& method) {
  checkModelFile(path);
  return loadCheckedModule(path, method);
}

torch::jit::Module loadCheckedModule(const std::string& path, const std::string& method) {
  static DebugLogWarnings warnings;
#if TORCH_VERSION_MAJOR >= 2
  c10::WarningUtils::set_warning_handler(&warnings);
#else
  c10::Warning::set_warning_handler(&warnings);
#endif
  registerCompatSchemas();
  registerTorchvisionSchemas();
  torch::jit::Module module;
  try {
    module = loadMapped(path);
  } catch (const c10::Error& e) {
    throw Error(ExitCode::kModelInput,
                "'" + path +
                    "' is not a TorchScript archive; save the model with torch.jit.trace(...).save() "
                    "or torch.jit.script(...).save() (" +
                    firstLine(e.what_without_backtrace()) + ")");
  } catch (const std::exception& e) {
    // The TorchScript compiler's ErrorReport: an operator (or overload) this LibTorch lacks.
    if (auto op = missingOperator(e.what())) throw Error(ExitCode::kMissingOps, missingOperatorMessage(path, *op));
    throw Error(ExitCode::kModelInput, "'" + path + "' is not a TorchScript archive (" + firstLine(e.what()) + ")");
  }
  markWrappedNumbers(module);
  if (!module.find_method(method)) {
    std::string methods;
    for (const auto& m : module.get_methods()) methods += (methods.empty() ? "" : ", ") + m.name();
    throw Error(ExitCode::kModelInput, "'" + path + "' has no " + method + "() method to convert (it has: " +
                                           (methods.empty() ? std::string("none") : methods) + ")");
  }
  return module;
}

std::vector<InputSpec> storedInputSpecs(torch::jit::Module& module, const std::string& path) {
  std::vector<InputSpec> specs;
  // 1. An extra file written with torch.jit.save(..., _extra_files={"pt2onnx_inputs": "x:1x3x8x8 ..."}),
  // read from the archive's directory (not by loading the module, and its weights, a second time).
  std::string extra;
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    if (reader.hasRecord("extra/pt2onnx_inputs")) {
      auto [data, size] = reader.getRecord("extra/pt2onnx_inputs");
      extra.assign(static_cast<const char*>(data.get()), size);
    }
  } catch (const std::exception&) {
    extra.clear();
  }
  if (!extra.empty()) {
    std::istringstream in(extra);
    std::string item;
    while (in >> item) specs.push_back(parseInputSpec(item));
    return specs;
  }
  // 2. Bundled inputs (torch.utils.bundled_inputs): the first bundle's tensors.
  if (!module.find_method("get_all_bundled_inputs")) return specs;
  try {
    auto bundles = module.run_method("get_all_bundled_inputs").toList();
    if (bundles.size() == 0) return specs;
    auto first = bundles.get(0).toTupleRef().elements();
    for (size_t i = 0; i < first.size(); ++i) {
      if (!first[i].isTensor()) return {};
      const auto& t = first[i].toTensor();
      std::string text = "input_" + std::to_string(i) + ":" + describeDims(t.sizes().vec());
      InputSpec spec = parseInputSpec(text);
      static const std::map<c10::ScalarType, InputDType> kTypes = {
          {c10::ScalarType::Float, InputDType::kFloat32},  {c10::ScalarType::Half, InputDType::kFloat16},
          {c10::ScalarType::Double, InputDType::kFloat64}, {c10::ScalarType::Long, InputDType::kInt64},
          {c10::ScalarType::Int, InputDType::kInt32},      {c10::ScalarType::Char, InputDType::kInt8},
          {c10::ScalarType::Byte, InputDType::kUInt8},     {c10::ScalarType::Bool, InputDType::kBool}};
      auto it = kTypes.find(t.scalar_type());
      if (it == kTypes.end()) return {};
      spec.dtype = it->second;
      specs.push_back(spec);
    }
  } catch (const std::exception&) {
    return {};
  }
  return specs;
}

}  // namespace pt2onnx
