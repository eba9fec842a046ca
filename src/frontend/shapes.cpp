// Example runs: run the model on the --input examples and with resized dynamic axes, and learn
// every value's dtype and shape (-1 on dims that follow a dynamic axis).
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/shape_analysis.h>

#include <functional>
#include <numeric>
#include <optional>
#include <sstream>
#include <unordered_set>

#include "core/diagnostics.h"
#include "frontend/frontend.h"
#include "frontend/inputs.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

std::string describeDims(const std::vector<int64_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "x" : "") + std::to_string(dims[i]);
  return out;
}

// The line of a LibTorch error that says what went wrong: the interpreter wraps it in a
// TorchScript traceback and ends with "RuntimeError: ...".
std::string torchErrorSummary(const std::exception& e) {
  std::string text = e.what();
  if (auto* ce = dynamic_cast<const c10::Error*>(&e)) text = ce->what_without_backtrace();
  std::istringstream in(text);
  std::string line, last_error;
  while (std::getline(in, line))
    if (line.find("Error: ") != std::string::npos) last_error = line;
  std::string summary = last_error.empty() ? firstLine(text) : last_error;
  // The dispatcher's "Could not run 'op' with arguments from the 'CPU' backend. This could be
  // because ..." goes on to list every backend: its first sentence says what is wrong.
  const std::string backend = " backend.";
  if (auto cut = summary.find(backend + " This could be because"); cut != std::string::npos)
    summary.resize(cut + backend.size());
  return summary;
}

// Tensors cloned, other values as they are: a model may write into its arguments.
std::vector<c10::IValue> cloneTensors(const std::vector<c10::IValue>& values) {
  std::vector<c10::IValue> copies;
  for (const auto& v : values) copies.push_back(v.isTensor() ? c10::IValue(v.toTensor().clone()) : v);
  return copies;
}

}  // namespace

ExampleRuns runExamples(const std::shared_ptr<torch::jit::Graph>& graph, const c10::IValue& self,
                        const std::vector<ExampleInput>& inputs, const std::vector<DynamicInputAxis>& input_axes,
                        bool on_meta) {
  ExampleRuns out;
  // The example run, then one with every dynamic axis doubled (doubling keeps any divisibility
  // the model needs, and the user's data repeats to fill it). When that fails, each axis is
  // resized on its own.
  at::manual_seed(0);
  auto examples = [&](const std::vector<size_t>& resized_axes) {
    std::vector<std::vector<int64_t>> dims;
    for (const auto& in : inputs) dims.push_back(in.dims);
    for (size_t a : resized_axes) {
      int64_t& d = dims[input_axes[a].input][input_axes[a].axis];
      d = d == 0 ? 2 : 2 * d;
    }
    std::vector<c10::IValue> values;
    for (size_t i = 0; i < inputs.size(); ++i) values.push_back(exampleValue(inputs[i], dims[i]));
    return std::make_pair(values, dims);
  };
  auto everything_static = [](const torch::jit::Value*, int64_t) { return true; };
  std::vector<torch::jit::Value*> recorded;
  {
    Recorder recorder(graph, staticValues(*graph, everything_static));
    // Inputs are copied before the run: a model may write into its arguments.
    auto run = [&](const std::vector<c10::IValue>& values) {
      std::vector<c10::IValue> copies = cloneTensors(values), results;
      auto observations = recorder.run(self, values, &results);
      out.inputs.push_back(std::move(copies));
      out.outputs.push_back(std::move(results));
      return observations;
    };
    // A run on meta tensors, while the model takes them: what stops one (an operator, a read of
    // data, a device query) stops the next, so the runs after it go on real values at once.
    auto meta_run = [&](const std::vector<c10::IValue>& values, const char* which) {
      std::optional<std::vector<Observation>> observations;
      if (!on_meta) return observations;
      std::string why;
      observations = recorder.runShapesOnly(self, values, &why);
      if (!observations) {
        on_meta = false;
        spdlog::debug("{} run on meta tensors stopped ({}): running on real values", which,
                      torchErrorSummary(std::runtime_error(why)));
      }
      return observations;
    };
    // The example run: sizes from meta tensors and the values folding needs from a run of just
    // what they are made from, when the model allows; otherwise (and for test data) in full.
    auto shapes_and_kept = [&](const std::vector<c10::IValue>& values) -> std::optional<std::vector<Observation>> {
      auto observations = meta_run(values, "example");
      if (!observations) return std::nullopt;
      std::vector<Observation> kept;
      try {
        kept = recorder.runKept(self, cloneTensors(values), *observations);
      } catch (const std::exception& e) {
        spdlog::debug("the values to fold did not compute on their own ({}): running in full", torchErrorSummary(e));
        return std::nullopt;
      }
      for (size_t i = 0; i < observations->size(); ++i) {
        Observation& o = (*observations)[i];
        if (!o.value.isTensor()) continue;
        if (!kept[i].seen || !kept[i].value.isTensor()) {  // a kept value only the full run makes
          spdlog::debug("a value to fold was not computed on its own: running the example in full");
          return std::nullopt;
        }
        o.value = std::move(kept[i].value);
      }
      return observations;
    };
    try {
      // One draw of example values: the full run, when the meta one stops, takes the same values.
      const std::vector<c10::IValue> example = examples({}).first;
      std::optional<std::vector<Observation>> shapes = shapes_and_kept(example);
      out.example_run = shapes ? std::move(*shapes) : run(example);
    } catch (const std::exception& e) {
      // One line: every input with the dims and dtype it was run with, then LibTorch's own words.
      std::string described;
      bool made_up = false;
      for (const auto& in : inputs) {
        described += (described.empty() ? "" : ", ") + in.name + " (" + describeDims(in.dims) + " " +
                     inputDTypeName(in.dtype) + (in.data ? ", from --input-data" : ", made-up values") + ")";
        made_up = made_up || !in.data;
      }
      throw Error(ExitCode::kModelRun,
                  "the model failed when LibTorch ran it on the example input" +
                      std::string(inputs.size() == 1 ? " " : "s ") + described + ": " + torchErrorSummary(e) +
                      (made_up ? "; check the --input dims and dtypes, or pass real values with --input-data "
                                 "NAME=FILE.npy"
                               : "; check the --input-data files"));
    }
    // The resized runs need only sizes, which meta tensors give without the arithmetic; a model that
    // needs real values somewhere runs on them.
    auto resized_run = [&](const std::vector<c10::IValue>& values) {
      if (auto observations = meta_run(values, "resized")) return std::move(*observations);
      return run(values);
    };
    std::vector<std::vector<size_t>> plans;
    std::vector<size_t> all(input_axes.size());
    std::iota(all.begin(), all.end(), 0);
    if (!all.empty()) plans.push_back(all);
    for (size_t p = 0; p < plans.size(); ++p) {
      auto [values, dims] = examples(plans[p]);
      try {
        out.resized_runs.push_back(resized_run(values));
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
            inputs[axis.input].name, axis.axis, torchErrorSummary(e));
      }
    }
    recorded = recorder.values();
  }
  const auto& run1 = out.example_run;
  out.resized.resize(out.resized_runs.size());
  for (size_t i = 0; i < recorded.size(); ++i) {
    out.example[recorded[i]->unique()] = &run1[i];
    for (size_t r = 0; r < out.resized_runs.size(); ++r)
      out.resized[r][recorded[i]->unique()] = &out.resized_runs[r][i];
    if (!run1[i].seen) continue;
    if (run1[i].dtype == c10::ScalarType::Undefined) {
      // A Python number (a Scalar from .item(), say): a 0-d tensor in the number convention.
      const c10::IValue& v = run1[i].value;
      ValueMeta m;
      m.dtype = v.isInt()      ? DType::kInt64
                : v.isDouble() ? DType::kFloat
                : v.isBool()   ? DType::kBool
                               : DType::kUndefined;
      if (m.dtype != DType::kUndefined && recorded[i]->type()->kind() == c10::TypeKind::NumberType)
        out.meta[recorded[i]->unique()] = m;
      continue;
    }
    ValueMeta m;
    m.dtype = fromTorch(run1[i].dtype);
    if (run1[i].quant) {  // held dequantized in ONNX
      m.dtype = DType::kFloat;
      m.quant = run1[i].quant;
      for (const auto& run : out.resized_runs)
        if (run[i].quant && !(*run[i].quant == *m.quant)) m.quant->varies = true;
    }
    m.sizes = run1[i].sizes;
    m.shape = m.sizes;
    m.dense = run1[i].dense;
    for (const auto& run : out.resized_runs) {
      m.resized_sizes.push_back(run[i].seen ? run[i].sizes : std::vector<int64_t>{});
      m.dense = m.dense && (!run[i].seen || run[i].dense);
      for (size_t k = 0; k < m.shape.size(); ++k)
        if (m.resized_sizes.back().size() != m.shape.size() || m.resized_sizes.back()[k] != m.sizes[k]) m.shape[k] = -1;
    }
    out.meta[recorded[i]->unique()] = m;
  }
  if (size_t n = markValueDependentSizes(*graph, out.meta))
    spdlog::debug("{} values have sizes that follow input values", n);
  return out;
}

}  // namespace pt2onnx
