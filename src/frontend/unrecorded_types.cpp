// Types where no example run reached (a branch not taken, a loop that ran no time): the rank and
// dtype of each tensor value, from LibTorch's type propagation and, where that stops, from the
// operator and the types of its inputs.
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/shape_analysis.h>

#include <functional>
#include <unordered_set>

#include "core/diagnostics.h"
#include "frontend/frontend.h"
#include "frontend/inputs.h"
#include "onnx/dtype.h"

namespace pt2onnx {
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

using RankDtype = std::pair<int64_t, c10::optional<c10::ScalarType>>;

// Whether `v` is a tensor no run recorded whose type lacks its rank or dtype.
bool open(const torch::jit::Value* v, const ValueMetaMap& meta) {
  auto type = v->type()->cast<c10::TensorType>();
  return type && !meta.count(v->unique()) && !(type->dim() && type->scalarType());
}

void setIfOpen(torch::jit::Value* v, RankDtype known, const ValueMetaMap& meta) {
  if (open(v, meta) && known.first >= 0 && known.second) setRankAndDtype(v, known.first, known.second);
}

// The rank and dtype every source agrees on (unknown sources are skipped; none known: unknown).
RankDtype agreed(const std::vector<const torch::jit::Value*>& sources, const ValueMetaMap& meta) {
  RankDtype out{-1, c10::nullopt};
  for (const auto* s : sources) {
    auto [r, d] = rankAndDtype(s, meta);
    if (r < 0 || !d) continue;
    if (out.first >= 0 && (r != out.first || d != out.second)) return {-1, c10::nullopt};
    out = {r, d};
  }
  return out;
}

// An If result no run recorded takes the rank and dtype its branches agree on.
void completeBranchOutputs(torch::jit::Node* node, const ValueMetaMap& meta) {
  for (size_t i = 0; i < node->outputs().size(); ++i) {
    std::vector<const torch::jit::Value*> branches;
    for (auto* block : node->blocks()) branches.push_back(block->outputs()[i]);
    setIfOpen(node->output(i), agreed(branches, meta), meta);
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

// A loop's carried values keep their rank and dtype from one iteration to the next.
void completeLoopParams(torch::jit::Node* loop, const ValueMetaMap& meta) {
  auto* body = loop->blocks()[0];
  for (size_t k = 0; k + 2 < loop->inputs().size() && k + 1 < body->inputs().size(); ++k)
    setIfOpen(body->inputs()[k + 1], rankAndDtype(loop->input(k + 2), meta), meta);
}

void completeLoopOutputs(torch::jit::Node* loop, const ValueMetaMap& meta) {
  auto* body = loop->blocks()[0];
  for (size_t k = 0; k < loop->outputs().size() && k + 2 < loop->inputs().size(); ++k)
    setIfOpen(loop->output(k), agreed({loop->input(k + 2), body->outputs()[k + 1]}, meta), meta);
}

// The tensors of a list: their rank and dtype, from what made the list.
RankDtype listItem(const torch::jit::Value* list, const ValueMetaMap& meta) {
  const torch::jit::Node* made = list->node();
  const std::string kind = made->kind().toQualString();
  if (kind == "prim::ListConstruct") return agreed({made->inputs().begin(), made->inputs().end()}, meta);
  if (made->inputs().empty()) return {-1, c10::nullopt};
  if (kind == "aten::where" && made->inputs().size() == 1) {  // the positions of true elements, per dim
    return {1, c10::ScalarType::Long};
  }
  static const std::unordered_set<std::string> pieces = {"aten::split",        "aten::split_with_sizes",
                                                         "aten::chunk",        "aten::tensor_split",
                                                         "aten::unsafe_split", "aten::unsafe_chunk"};
  auto [r, d] = rankAndDtype(made->input(0), meta);
  if (pieces.count(kind)) return {r, d};
  if (kind == "aten::unbind" && r > 0) return {r - 1, d};
  return {-1, c10::nullopt};
}

// x[indices] (aten::index): the dims no index reads, and the broadcast shape of the indices in the
// place of the dims they read (a bool mask reads as many dims as it has and gives one).
RankDtype indexResult(const torch::jit::Node* node, const ValueMetaMap& meta) {
  auto [rank, dtype] = rankAndDtype(node->input(0), meta);
  const torch::jit::Node* list = node->input(1)->node();
  if (rank < 0 || list->kind() != c10::prim::ListConstruct) return {-1, c10::nullopt};
  int64_t read = 0, broadcast = 0;
  for (const auto* index : list->inputs()) {
    if (index->type()->kind() == c10::TypeKind::NoneType) continue;
    auto [r, d] = rankAndDtype(index, meta);
    if (r < 0 || !d) return {-1, c10::nullopt};
    const bool mask = *d == c10::ScalarType::Bool || *d == c10::ScalarType::Byte;
    read += mask ? r : 1;
    broadcast = std::max(broadcast, mask ? int64_t{1} : r);
  }
  return {rank - read + broadcast, dtype};
}

// A dtype argument: a constant, or `x.dtype` of a tensor whose dtype is known. nullopt for None
// and for what cannot be told; `none` says which.
c10::optional<c10::ScalarType> dtypeArgument(const torch::jit::Value* v, const ValueMetaMap& meta,
                                             bool* none = nullptr) {
  if (none) *none = v->type()->kind() == c10::TypeKind::NoneType;
  if (auto code = torch::jit::constant_as<int64_t>(const_cast<torch::jit::Value*>(v)))
    return static_cast<c10::ScalarType>(*code);
  if (v->node()->kind() == c10::prim::dtype) return rankAndDtype(v->node()->input(0), meta).second;
  return c10::nullopt;
}

// The dtype argument of a conversion (`x.to(torch.int64)`, `x.to(device, dtype)`): the first
// constant int after the tensor; another tensor's dtype for `x.to(other)`.
c10::optional<c10::ScalarType> targetDtype(const torch::jit::Node* node, const ValueMetaMap& meta) {
  for (size_t i = 1; i < node->inputs().size(); ++i) {
    const auto* in = node->input(i);
    if (in->type()->kind() == c10::TypeKind::TensorType) return rankAndDtype(in, meta).second;
    if (in->type()->kind() == c10::TypeKind::IntType)
      if (auto dtype = dtypeArgument(in, meta)) return dtype;
  }
  return c10::nullopt;
}

// Operators with several results: unique, sort, topk, max/min along a dim.
bool completeResults(torch::jit::Node* node, const ValueMetaMap& meta) {
  const std::string kind = node->kind().toQualString();
  if (node->outputs().size() < 2 || node->inputs().empty()) return false;
  auto [rank, dtype] = rankAndDtype(node->input(0), meta);
  if (rank < 0 || !dtype) return true;
  const auto index = c10::ScalarType::Long;
  if (kind == "aten::_unique2" || kind == "aten::unique_consecutive") {
    if (kind == "aten::unique_consecutive" && node->inputs().size() > 3 &&
        node->input(3)->type()->kind() != c10::TypeKind::NoneType)
      return true;
    setIfOpen(node->output(0), {1, dtype}, meta);  // without a dim, the input flattened
    setIfOpen(node->output(1), {rank, index}, meta);
    if (node->outputs().size() > 2) setIfOpen(node->output(2), {1, index}, meta);
  } else if (kind == "aten::sort" || kind == "aten::topk" || kind == "aten::kthvalue" || kind == "aten::mode" ||
             ((kind == "aten::max" || kind == "aten::min" || kind == "aten::median") && node->inputs().size() == 3)) {
    int64_t r = rank;
    if (kind != "aten::sort" && kind != "aten::topk") {  // one dim reduced unless keepdim
      auto keep = torch::jit::constant_as<bool>(node->inputs().back());
      if (!keep) return true;
      r = *keep ? rank : std::max<int64_t>(rank - 1, 0);
    }
    setIfOpen(node->output(0), {r, dtype}, meta);
    setIfOpen(node->output(1), {r, index}, meta);
  }
  return true;
}

// What type propagation leaves open where no run went, for common operators: copies, views and
// scatters (what in-place writes turn into), comparisons, indexing, unique and sort (batched NMS's
// loop over classes), conversions and factories.
void completeFromInputs(torch::jit::Block* block, const ValueMetaMap& meta) {
  static const std::unordered_set<std::string> same = {"aten::clone",
                                                       "aten::contiguous",
                                                       "aten::detach",
                                                       "aten::alias",
                                                       "aten::select_scatter",
                                                       "aten::slice",
                                                       "aten::neg",
                                                       "aten::transpose",
                                                       "aten::slice_scatter",
                                                       "aten::permute",
                                                       "aten::masked_fill",
                                                       "aten::index_put",
                                                       "aten::flip",
                                                       "aten::roll",
                                                       "aten::t",
                                                       "aten::index_add",
                                                       "aten::index_copy",
                                                       "aten::index_fill",
                                                       "aten::scatter",
                                                       "aten::scatter_add",
                                                       "aten::scatter_reduce",
                                                       "aten::masked_scatter",
                                                       "aten::fill",
                                                       "aten::relu",
                                                       "aten::abs",
                                                       "aten::floor",
                                                       "aten::ceil",
                                                       "aten::clamp_min",
                                                       "aten::clamp_max",
                                                       "aten::narrow",
                                                       "aten::copy",
                                                       "aten::index_select",
                                                       "aten::gather",
                                                       "aten::sigmoid",
                                                       "aten::tanh",
                                                       "aten::round",
                                                       "aten::sign",
                                                       "aten::trunc"};
  // Ops whose result has as many dims as their size list has items.
  static const std::unordered_set<std::string> sized = {"aten::view",      "aten::reshape",  "aten::expand",
                                                        "aten::new_zeros", "aten::new_ones", "aten::new_full"};
  static const std::unordered_set<std::string> arithmetic = {
      "aten::add", "aten::sub",     "aten::mul",     "aten::div",       "aten::rsub",        "aten::clamp",
      "aten::pow", "aten::minimum", "aten::maximum", "aten::remainder", "aten::floor_divide"};
  static const std::unordered_set<std::string> comparisons = {
      "aten::eq",    "aten::ne",          "aten::lt",         "aten::le",          "aten::gt",
      "aten::ge",    "aten::logical_and", "aten::logical_or", "aten::logical_xor", "aten::logical_not",
      "aten::isnan", "aten::isinf",       "aten::isfinite"};  // (& and | keep an integer dtype: not here)
  // x_like(x, dtype, ...) and full_like(x, value, dtype, ...): x's rank, the dtype given or x's.
  static const std::unordered_map<std::string, size_t> likes = {{"aten::zeros_like", 1}, {"aten::ones_like", 1},
                                                                {"aten::empty_like", 1}, {"aten::rand_like", 1},
                                                                {"aten::randn_like", 1}, {"aten::full_like", 2}};
  for (auto* node : block->nodes()) {
    if (node->kind() == c10::prim::Loop) completeLoopParams(node, meta);
    for (auto* sub : node->blocks()) completeFromInputs(sub, meta);
    if (node->kind() == c10::prim::If) {
      completeBranchOutputs(node, meta);
      continue;
    }
    if (node->kind() == c10::prim::Loop) {
      completeLoopOutputs(node, meta);
      continue;
    }
    if (completeResults(node, meta)) continue;
    if (node->outputs().size() != 1 || node->inputs().empty() || !open(node->output(), meta)) continue;
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
    if (kind == "aten::__getitem__" && node->input(0)->type()->kind() == c10::TypeKind::ListType) {
      setIfOpen(node->output(), listItem(node->input(0), meta), meta);
      continue;
    }
    if (kind == "torchvision::nms" || kind == "aten::nonzero") {
      setIfOpen(node->output(), {kind == "aten::nonzero" ? 2 : 1, c10::ScalarType::Long}, meta);
      continue;
    }
    if ((kind == "aten::cat" || kind == "aten::stack") && node->input(0)->type()->kind() == c10::TypeKind::ListType) {
      auto [r, d] = listItem(node->input(0), meta);
      if (r >= 0) setIfOpen(node->output(), {kind == "aten::stack" ? r + 1 : r, d}, meta);
      continue;
    }
    // torch.tensor(number, dtype=x.dtype) (`mask[i] = True` in scripted code): a 0-d tensor.
    if (kind == "aten::tensor" && node->inputs().size() == 4 &&
        node->input(0)->type()->kind() != c10::TypeKind::ListType) {
      if (auto dtype = dtypeArgument(node->input(1), meta)) setIfOpen(node->output(), {0, dtype}, meta);
      continue;
    }
    auto [rank, dtype] = rankAndDtype(node->input(0), meta);
    if (rank < 0) continue;
    if (kind == "aten::index") {
      setIfOpen(node->output(), indexResult(node, meta), meta);
      continue;
    }
    // Reductions of the whole tensor: a 0-d tensor (sum and prod of integers widen to int64).
    static const std::unordered_set<std::string> whole = {"aten::max",  "aten::min", "aten::amax", "aten::amin",
                                                          "aten::mean", "aten::sum", "aten::prod"};
    if (whole.count(kind) && node->inputs().size() <= 2 &&
        (node->inputs().size() == 1 || node->input(1)->type()->kind() == c10::TypeKind::NoneType)) {
      const bool widens = (kind == "aten::sum" || kind == "aten::prod") && dtype && !c10::isFloatingType(*dtype);
      setIfOpen(node->output(), {0, widens ? c10::ScalarType::Long : dtype}, meta);
      continue;
    }
    if (kind == "aten::masked_select") {
      setIfOpen(node->output(), {1, dtype}, meta);
      continue;
    }
    if (comparisons.count(kind)) {
      int64_t r = rank;
      for (size_t i = 1; i < node->inputs().size(); ++i)
        if (node->input(i)->type()->kind() == c10::TypeKind::TensorType) {
          int64_t other = rankAndDtype(node->input(i), meta).first;
          r = other < 0 ? -1 : std::max(r, other);
          if (r < 0) break;
        }
      if (r >= 0) setRankAndDtype(node->output(), r, c10::ScalarType::Bool);
      continue;
    }
    if (auto like = likes.find(kind); like != likes.end()) {
      if (node->inputs().size() <= like->second) continue;
      bool none = false;
      auto given = dtypeArgument(node->input(like->second), meta, &none);
      if (given || none) setIfOpen(node->output(), {rank, given ? given : dtype}, meta);
      continue;
    }
    if (kind == "aten::to") {
      auto target = targetDtype(node, meta);
      setIfOpen(node->output(), {rank, target ? target : dtype}, meta);
      continue;
    }
    if (kind == "aten::select")
      rank -= 1;
    else if (kind == "aten::unsqueeze")
      rank += 1;
    else if (kind == "aten::type_as")
      dtype = rankAndDtype(node->input(1), meta).second;
    else if (kind == "aten::expand_as" || kind == "aten::view_as" || kind == "aten::reshape_as")
      rank = rankAndDtype(node->input(1), meta).first;
    else if (sized.count(kind) && node->inputs().size() > 1) {
      rank = listLength(node->input(1));
    } else if (arithmetic.count(kind)) {
      // A Python number keeps a floating tensor's dtype, a Python int an integer tensor's (except in
      // true division); a tensor of the same dtype keeps it too.
      for (size_t i = 1; i < node->inputs().size(); ++i) {
        const auto* in = node->input(i);
        if (in->type()->kind() == c10::TypeKind::TensorType) {
          auto [r, d] = rankAndDtype(in, meta);
          if (r < 0 || d != dtype) rank = -1;
          rank = std::max(rank, r);
        } else if (!dtype || !(c10::isFloatingType(*dtype) ||
                               (in->type()->kind() == c10::TypeKind::IntType && kind != "aten::div" &&
                                c10::isIntegralType(*dtype, /*includeBool=*/false)))) {
          rank = -1;  // a float with an integer tensor, true division: a float result
        }
        if (rank < 0) break;
      }
    } else if (!same.count(kind))
      continue;
    if (rank < 0) continue;
    // Floating functions of an integer tensor give floats: left to what the converter can tell.
    if ((kind == "aten::sigmoid" || kind == "aten::tanh") && (!dtype || !c10::isFloatingType(*dtype))) continue;
    setRankAndDtype(node->output(), rank, dtype);
  }
}

}  // namespace

void inferUnrecordedTypes(const std::shared_ptr<torch::jit::Graph>& graph, const std::vector<ExampleInput>& inputs,
                          const ExampleRuns& runs) {
  const ValueMetaMap& meta = runs.meta;
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
  // A value only a resized run reached (a branch taken at other sizes): the rank and dtype it had.
  // (By id: folding since the runs may have destroyed values and reused their memory.)
  std::function<void(torch::jit::Block*)> fromResized = [&](torch::jit::Block* block) {
    auto visit = [&](torch::jit::Value* v) {
      for (const auto& resized : runs.resized) {
        auto it = resized.find(v->unique());
        if (it == resized.end()) continue;
        const Observation& seen = *it->second;
        if (seen.seen && seen.dtype != c10::ScalarType::Undefined && !seen.quant)
          setIfOpen(v, {static_cast<int64_t>(seen.sizes.size()), seen.dtype}, meta);
      }
    };
    for (auto* v : block->inputs()) visit(v);
    for (auto* node : block->nodes()) {
      for (auto* v : node->outputs()) visit(v);
      for (auto* sub : node->blocks()) fromResized(sub);
    }
  };
  fromResized(graph->block());
  completeFromInputs(graph->block(), meta);
}

}  // namespace pt2onnx
