// Example runs: run the model on the --input examples and with resized dynamic axes, and learn
// every value's dtype and shape (-1 on dims that follow a dynamic axis).
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/shape_analysis.h>

#include <functional>
#include <numeric>
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

}  // namespace

ExampleRuns runExamples(const std::shared_ptr<torch::jit::Graph>& graph, const c10::IValue& self,
                        const std::vector<ExampleInput>& inputs, const std::vector<DynamicInputAxis>& input_axes) {
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
      std::vector<c10::IValue> copies, results;
      for (const auto& v : values) copies.push_back(v.isTensor() ? c10::IValue(v.toTensor().clone()) : v);
      auto observations = recorder.run(self, values, &results);
      out.inputs.push_back(std::move(copies));
      out.outputs.push_back(std::move(results));
      return observations;
    };
    try {
      out.example_run = run(examples({}).first);
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
    std::vector<std::vector<size_t>> plans;
    std::vector<size_t> all(input_axes.size());
    std::iota(all.begin(), all.end(), 0);
    if (!all.empty()) plans.push_back(all);
    for (size_t p = 0; p < plans.size(); ++p) {
      auto [values, dims] = examples(plans[p]);
      try {
        out.resized_runs.push_back(run(values));
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
    out.example[recorded[i]] = &run1[i];
    for (size_t r = 0; r < out.resized_runs.size(); ++r) out.resized[r][recorded[i]] = &out.resized_runs[r][i];
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

namespace {

// Rank and dtype of a tensor value: recorded, else its TorchScript type.
std::pair<int64_t, c10::optional<c10::ScalarType>> rankAndDtype(const torch::jit::Value* v, const ValueMetaMap& meta) {
  auto it = meta.find(v->unique());
  if (it != meta.end() && it->second.dtype != DType::kUndefined)
    return {static_cast<int64_t>(it->second.shape.size()), toTorch(it->second.dtype)};
  if (auto tt = v->type()->cast<c10::TensorType>())
    return {tt->dim() ? static_cast<int64_t>(*tt->dim()) : -1, tt->scalarType()};
  return {-1, c10::nullopt};
}

// The number of items of an int list argument: a constant or a prim::ListConstruct. -1 otherwise.
int64_t listLength(const torch::jit::Value* sizes) {
  if (auto constant = torch::jit::toIValue(const_cast<torch::jit::Value*>(sizes)); constant && constant->isIntList())
    return static_cast<int64_t>(constant->toIntVector().size());
  if (sizes->node()->kind() == c10::prim::ListConstruct) return static_cast<int64_t>(sizes->node()->inputs().size());
  return -1;
}

// Factories taking (size, dtype, layout, device, pin_memory): dtype None is the default float type.
const std::unordered_set<std::string> factories = {"aten::zeros", "aten::ones", "aten::empty", "aten::rand",
                                                   "aten::randn"};

std::pair<int64_t, c10::optional<c10::ScalarType>> factoryRankAndDtype(const torch::jit::Node* node) {
  if (node->inputs().size() != 5) return {-1, c10::nullopt};
  auto dtype = torch::jit::toIValue(node->input(1));
  if (!dtype) return {-1, c10::nullopt};
  c10::ScalarType type = dtype->isNone() ? c10::typeMetaToScalarType(at::get_default_dtype())
                                         : static_cast<c10::ScalarType>(dtype->toInt());
  return {listLength(node->input(0)), type};
}

void setRankAndDtype(torch::jit::Value* v, int64_t rank, c10::optional<c10::ScalarType> dtype) {
  v->setType(c10::TensorType::create(dtype, c10::kCPU,
                                     c10::SymbolicShape(c10::optional<size_t>(static_cast<size_t>(rank))),
                                     c10::VaryingShape<c10::Stride>(static_cast<size_t>(rank)), false));
}

// An If result no run recorded takes the rank and dtype its branches agree on.
void completeBranchOutputs(torch::jit::Node* node, const ValueMetaMap& meta) {
  for (size_t i = 0; i < node->outputs().size(); ++i) {
    auto* out = node->output(i);
    auto type = out->type()->cast<c10::TensorType>();
    if (!type || meta.count(out->unique()) || (type->dim() && type->scalarType())) continue;
    int64_t rank = -1;
    c10::optional<c10::ScalarType> dtype;
    bool agree = true;
    for (auto* block : node->blocks()) {
      auto [r, d] = rankAndDtype(block->outputs()[i], meta);
      if (r < 0 || !d) continue;  // a branch that says nothing
      if (rank >= 0 && (r != rank || d != dtype)) agree = false;
      rank = r;
      dtype = d;
    }
    if (!agree || rank < 0) continue;
    setRankAndDtype(out, rank, dtype);
  }
}

// The rank and dtype of the tensor an `Optional[Tensor]` holds when it is not None: what the
// paths that give it a tensor agree on (the branches of an if/else, a loop's entry and body).
std::pair<int64_t, c10::optional<c10::ScalarType>> optionalElement(const torch::jit::Value* v,
                                                                   const ValueMetaMap& meta) {
  const torch::jit::Node* p = v->node();
  std::vector<const torch::jit::Value*> sources;
  if (p->kind() == c10::prim::If) {
    for (auto* b : p->blocks()) sources.push_back(b->outputs()[v->offset()]);
  } else if (p->kind() == c10::prim::Loop) {
    sources = {p->input(2 + v->offset()), p->blocks()[0]->outputs()[1 + v->offset()]};
  }
  int64_t rank = -1;
  c10::optional<c10::ScalarType> dtype;
  for (const auto* s : sources) {
    if (s->type()->kind() == c10::TypeKind::NoneType) continue;
    auto [r, d] = rankAndDtype(s, meta);
    if (r < 0 || !d || (rank >= 0 && (r != rank || d != dtype))) return {-1, c10::nullopt};
    rank = r;
    dtype = d;
  }
  return {rank, dtype};
}

// What type propagation leaves open in branches no run took, for the operators that in-place
// writes turn into (copies, views and scatters of a value made before the branch): the rank and
// dtype follow from the input's.
void completeFromInputs(torch::jit::Block* block, const ValueMetaMap& meta) {
  static const std::unordered_set<std::string> same = {
      "aten::clone",          "aten::contiguous",  "aten::detach",      "aten::alias",
      "aten::zeros_like",     "aten::ones_like",   "aten::full_like",   "aten::select_scatter",
      "aten::slice_scatter",  "aten::slice",       "aten::neg",         "aten::transpose",
      "aten::permute",        "aten::masked_fill", "aten::index_put",   "aten::flip",
      "aten::roll",           "aten::t",           "aten::index_add",   "aten::index_copy",
      "aten::index_fill",     "aten::scatter",     "aten::scatter_add", "aten::scatter_reduce",
      "aten::masked_scatter", "aten::fill",        "aten::relu",        "aten::abs",
      "aten::floor",          "aten::ceil",        "aten::clamp_min",   "aten::clamp_max",
      "aten::narrow",         "aten::copy"};
  // Ops whose result has as many dims as their size list has items.
  static const std::unordered_set<std::string> sized = {"aten::view",      "aten::reshape",  "aten::expand",
                                                        "aten::new_zeros", "aten::new_ones", "aten::new_full"};
  static const std::unordered_set<std::string> arithmetic = {"aten::add",  "aten::sub",   "aten::mul", "aten::div",
                                                             "aten::rsub", "aten::clamp", "aten::pow"};
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) completeFromInputs(sub, meta);
    if (node->kind() == c10::prim::If) {
      completeBranchOutputs(node, meta);
      continue;
    }
    if (node->outputs().size() != 1 || node->inputs().empty() || meta.count(node->output()->unique())) continue;
    auto out = node->output()->type()->cast<c10::TensorType>();
    if (!out || (out->dim() && out->scalarType())) continue;
    const std::string kind = node->kind().toQualString();
    if (kind == "prim::unchecked_cast" && node->input()->type()->kind() == c10::TypeKind::OptionalType) {
      auto [rank, dtype] = optionalElement(node->input(), meta);
      if (rank >= 0) setRankAndDtype(node->output(), rank, dtype);
      continue;
    }
    if (factories.count(kind)) {  // rank and dtype from the size and dtype arguments
      auto [rank, dtype] = factoryRankAndDtype(node);
      if (rank >= 0) setRankAndDtype(node->output(), rank, dtype);
      continue;
    }
    auto [rank, dtype] = rankAndDtype(node->input(0), meta);
    if (rank < 0) continue;
    if (kind == "aten::select")
      rank -= 1;
    else if (kind == "aten::unsqueeze")
      rank += 1;
    else if (kind == "aten::type_as")
      dtype = rankAndDtype(node->input(1), meta).second;
    else if (kind == "aten::expand_as")
      rank = rankAndDtype(node->input(1), meta).first;
    else if (sized.count(kind) && node->inputs().size() > 1) {
      rank = listLength(node->input(1));
    } else if (arithmetic.count(kind)) {
      // A Python number keeps a floating tensor's dtype; a tensor of the same dtype keeps it too.
      for (size_t i = 1; i < node->inputs().size(); ++i) {
        const auto* in = node->input(i);
        if (in->type()->kind() == c10::TypeKind::TensorType) {
          auto [r, d] = rankAndDtype(in, meta);
          if (r < 0 || d != dtype) rank = -1;
          rank = std::max(rank, r);
        } else if (!dtype || !c10::isFloatingType(*dtype)) {
          rank = -1;
        }
        if (rank < 0) break;
      }
    } else if (!same.count(kind))
      continue;
    if (rank < 0) continue;
    setRankAndDtype(node->output(), rank, dtype);
  }
}

}  // namespace

void inferUnrecordedTypes(const std::shared_ptr<torch::jit::Graph>& graph, const std::vector<ExampleInput>& inputs,
                          const ValueMetaMap& meta) {
  bool has_blocks = false;
  for (const auto* node : graph->nodes()) has_blocks = has_blocks || !node->blocks().empty();
  if (!has_blocks) return;
  auto values = forwardInputs(*graph);
  for (size_t i = 0; i < values.size() && i < inputs.size(); ++i) {
    if (inputs[i].kind != c10::TypeKind::TensorType) continue;
    values[i]->setType(c10::TensorType::create(toTorch(fromInput(inputs[i].dtype)), c10::kCPU,
                                               c10::SymbolicShape(inputs[i].dims), c10::VaryingShape<c10::Stride>(),
                                               false));
  }
  try {
    torch::jit::PropagateInputShapes(graph);
  } catch (const std::exception& e) {
    spdlog::debug("type propagation stopped: {}", firstLine(e.what()));
  }
  completeFromInputs(graph->block(), meta);
}

}  // namespace pt2onnx
