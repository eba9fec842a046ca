// Example runs: run the model on the --input examples and with resized dynamic axes, and learn
// every value's dtype and shape (-1 on dims that follow a dynamic axis).
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <numeric>
#include <sstream>

#include "core/diagnostics.h"
#include "frontend/frontend.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

// The line of a LibTorch error that says what went wrong: the interpreter wraps it in a
// TorchScript traceback and ends with "RuntimeError: ...".
std::string torchErrorSummary(const std::exception& e) {
  std::string text = e.what();
  if (auto* ce = dynamic_cast<const c10::Error*>(&e)) text = ce->what_without_backtrace();
  std::istringstream in(text);
  std::string line, last_error;
  while (std::getline(in, line))
    if (line.find("Error: ") != std::string::npos) last_error = line;
  return last_error.empty() ? firstLine(text) : last_error;
}

at::Tensor exampleTensor(const InputSpec& spec, const std::vector<int64_t>& dims) {
  auto dtype = toTorch(fromInput(spec.dtype));
  switch (spec.dtype) {
    case InputDType::kFloat32:
    case InputDType::kFloat16:
    case InputDType::kFloat64:
      return at::randn(dims, at::kFloat).to(dtype);
    case InputDType::kUInt8:
      return at::randint(0, 256, dims, at::kLong).to(dtype);
    case InputDType::kBool:
      return at::randint(0, 2, dims, at::kLong).to(dtype);
    default:
      return at::randint(0, 10, dims, at::kLong).to(dtype);
  }
}

}  // namespace

ExampleRuns runExamples(const std::shared_ptr<torch::jit::Graph>& graph, const c10::IValue& self,
                        const std::vector<InputSpec>& specs, const std::vector<DynamicInputAxis>& input_axes) {
  ExampleRuns out;
  // The example run, then one with every dynamic axis doubled (doubling keeps any divisibility
  // the model needs). When that fails, each axis is resized on its own.
  at::manual_seed(0);
  auto examples = [&](const std::vector<size_t>& resized_axes) {
    std::vector<std::vector<int64_t>> dims;
    for (const auto& s : specs) dims.push_back(s.dims);
    for (size_t a : resized_axes) dims[input_axes[a].input][input_axes[a].axis] *= 2;
    std::vector<at::Tensor> tensors;
    for (size_t i = 0; i < specs.size(); ++i) tensors.push_back(exampleTensor(specs[i], dims[i]));
    return std::make_pair(tensors, dims);
  };
  auto everything_static = [](const torch::jit::Value*, int64_t) { return true; };
  std::vector<torch::jit::Value*> recorded;
  {
    Recorder recorder(graph, staticValues(*graph, everything_static));
    try {
      out.example_run = recorder.run(self, examples({}).first);
    } catch (const std::exception& e) {
      throw Error(ExitCode::kUsage,
                  "the model failed on the example inputs from --input (check their shapes and dtypes): " +
                      torchErrorSummary(e));
    }
    std::vector<std::vector<size_t>> plans;
    std::vector<size_t> all(input_axes.size());
    std::iota(all.begin(), all.end(), 0);
    if (!all.empty()) plans.push_back(all);
    for (size_t p = 0; p < plans.size(); ++p) {
      auto [tensors, dims] = examples(plans[p]);
      try {
        out.resized_runs.push_back(recorder.run(self, tensors));
        out.resized_dims.push_back(dims);
      } catch (const std::exception& e) {
        if (plans[p].size() > 1) {
          for (size_t a : plans[p]) plans.push_back({a});
          continue;
        }
        const auto& axis = input_axes[plans[p][0]];
        spdlog::warn(
            "the model does not run when input '{}' axis {} changes size ({}); sizes derived from it may be "
            "fixed in the ONNX graph",
            specs[axis.input].name, axis.axis, torchErrorSummary(e));
      }
    }
    recorded = recorder.values();
  }
  const auto& run1 = out.example_run;
  out.resized.resize(out.resized_runs.size());
  for (size_t i = 0; i < recorded.size(); ++i) {
    out.example[recorded[i]] = &run1[i];
    for (size_t r = 0; r < out.resized_runs.size(); ++r) out.resized[r][recorded[i]] = &out.resized_runs[r][i];
    if (!run1[i].seen || run1[i].dtype == c10::ScalarType::Undefined) continue;
    ValueMeta m;
    m.dtype = fromTorch(run1[i].dtype);
    m.sizes = run1[i].sizes;
    m.shape = m.sizes;
    for (const auto& run : out.resized_runs) {
      m.resized_sizes.push_back(run[i].seen ? run[i].sizes : std::vector<int64_t>{});
      for (size_t k = 0; k < m.shape.size(); ++k)
        if (m.resized_sizes.back().size() != m.shape.size() || m.resized_sizes.back()[k] != m.sizes[k]) m.shape[k] = -1;
    }
    out.meta[recorded[i]->unique()] = m;
  }
  return out;
}

}  // namespace pt2onnx
