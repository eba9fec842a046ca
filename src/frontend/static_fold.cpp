// Static folding: values that depend only on fixed sizes become constants from the example run.
//
// A traced model computes sizes, masks and index tables from tensor shapes at run time. Where
// those shapes are fixed (not on a dynamic axis), the result is the same for every input, so the
// value the example run produced is exact. Folding them removes shape arithmetic and in-place
// mask building from the graph while every size on a dynamic axis stays computed in the graph.
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/alias_analysis.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/script.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "frontend/frontend.h"

namespace pt2onnx {
namespace {

bool isShapeQuery(const torch::jit::Node* node) {
  static const std::unordered_set<std::string> kinds = {"aten::size",  "aten::dim",    "aten::numel",
                                                        "prim::dtype", "prim::device", "aten::len"};
  return kinds.count(node->kind().toQualString()) && node->inputs().size() >= 1 &&
         node->input(0)->type()->kind() == c10::TypeKind::TensorType;
}

// The aten::size(x) list that `node` unpacks or indexes by a constant, if it does.
const torch::jit::Node* sizeListOf(const torch::jit::Node* node) {
  const bool unpack = node->kind() == c10::prim::ListUnpack;
  const bool index = node->kind() == c10::aten::__getitem__ && node->inputs().size() == 2;
  if (!unpack && !index) return nullptr;
  const torch::jit::Node* p = node->input(0)->node();
  if (p->kind() != c10::aten::size || p->inputs().size() != 1 ||
      p->input(0)->type()->kind() != c10::TypeKind::TensorType)
    return nullptr;
  return p;
}

bool shapeQueryIsStatic(const torch::jit::Node* node, const DimStatic& dim_static) {
  const std::string kind = node->kind().toQualString();
  if (kind == "aten::dim" || kind == "prim::dtype" || kind == "prim::device") return true;
  if (kind == "aten::size" && node->inputs().size() == 2) {
    auto dim = torch::jit::constant_as<int64_t>(node->input(1));
    return dim && dim_static(node->input(0), *dim);
  }
  return dim_static(node->input(0), kAllDims);  // size(), numel(), len(): every dimension
}

// Ops that read only the dtype/device (new_*) or the shape (*_like) of their first input. (The
// empty ones are never static: staticValues leaves uninitialized tensors out.)
enum class MetaRead { kNone, kDTypeOnly, kShape };
MetaRead firstInputRead(const torch::jit::Node* node) {
  static const std::unordered_set<std::string> dtype_only = {"aten::new_zeros", "aten::new_ones", "aten::new_full",
                                                             "aten::new_tensor"};
  static const std::unordered_set<std::string> shape_only = {"aten::zeros_like", "aten::ones_like", "aten::full_like"};
  const std::string kind = node->kind().toQualString();
  if (dtype_only.count(kind)) return MetaRead::kDTypeOnly;
  if (shape_only.count(kind)) return MetaRead::kShape;
  return MetaRead::kNone;
}

bool sameValue(const c10::IValue& a, const c10::IValue& b) {
  if (a.isTensor() && b.isTensor()) {
    const auto& x = a.toTensor();
    const auto& y = b.toTensor();
    if (x.sizes() != y.sizes() || x.scalar_type() != y.scalar_type()) return false;
    return x.is_meta() || y.is_meta() || x.equal(y);  // a run on meta tensors saw sizes only
  }
  if (a.isTensor() || b.isTensor()) return false;
  return a == b;
}

bool foldable(const c10::IValue& v) {
  return v.isTensor() || v.isInt() || v.isDouble() || v.isBool() || v.isIntList() || v.isDoubleList() || v.isBoolList();
}

// Replaces each value with a constant inserted at the top of the graph, then propagates constants
// and removes dead code. Returns how many values were replaced.
size_t replaceWithConstants(const std::shared_ptr<torch::jit::Graph>& graph,
                            std::vector<std::pair<torch::jit::Value*, c10::IValue>>& replacements,
                            bool destroy_producers) {
  if (replacements.empty()) return 0;
  size_t replaced = 0;
  {
    torch::jit::WithInsertPoint guard(graph->block()->nodes().front());
    for (auto& [v, value] : replacements) {
      auto constant = torch::jit::tryInsertConstant(*graph, value);
      if (!constant) continue;
      v->replaceAllUsesWith(*constant);
      if (destroy_producers) v->node()->destroy();
      ++replaced;
    }
  }
  auto g = graph;
  torch::jit::ConstantPropagation(g);
  torch::jit::EliminateDeadCode(g);
  return replaced;
}

// `a is b` on tensors, where the graph decides it: through ops that return their input object
// (unchecked casts, in-place ops) both lead to one value, or to two values that are distinct objects
// (distinct graph inputs, or results of ops that always make a new tensor). Ops that sometimes
// return their input (contiguous, to) and values chosen by control flow leave it open.
std::optional<bool> sameTensorObject(const torch::jit::Value* a, const torch::jit::Value* b) {
  auto root = [](const torch::jit::Value* v) -> std::pair<const torch::jit::Value*, bool> {
    while (true) {
      const torch::jit::Node* p = v->node();
      const std::string kind = p->kind().toQualString();
      const bool in_place =
          kind.size() > 7 && kind.back() == '_' && kind.rfind("aten::", 0) == 0 && kind.substr(kind.size() - 2) != "__";
      if (kind == "prim::unchecked_cast" || in_place) {
        v = p->input(0);
        continue;
      }
      // a, b = [x, y]: the unpacked element is the constructed one.
      if (kind == "prim::ListUnpack" || kind == "prim::TupleUnpack") {
        const torch::jit::Node* c = p->input(0)->node();
        if ((c->kind() == c10::prim::ListConstruct || c->kind() == c10::prim::TupleConstruct) &&
            c->inputs().size() == p->outputs().size()) {
          v = c->input(v->offset());
          continue;
        }
      }
      static const std::unordered_set<std::string> open = {
          "aten::contiguous",  "aten::to",         "aten::type_as",     "prim::If",         "prim::Loop",
          "aten::__getitem__", "prim::TupleIndex", "prim::TupleUnpack", "prim::ListUnpack", "prim::DictIndex",
          "aten::expand_as",   "aten::reshape",    "aten::flatten",     "aten::alias",      "prim::Param"};
      return {v, !open.count(kind) && v->type()->kind() == c10::TypeKind::TensorType};
    }
  };
  auto [ra, fresh_a] = root(a);
  auto [rb, fresh_b] = root(b);
  if (ra == rb) return true;
  const bool input_a = ra->node()->kind() == c10::prim::Param, input_b = rb->node()->kind() == c10::prim::Param;
  const bool distinct_a = fresh_a || (input_a && ra->node()->owningBlock() == ra->owningGraph()->block());
  const bool distinct_b = fresh_b || (input_b && rb->node()->owningBlock() == rb->owningGraph()->block());
  if (distinct_a && distinct_b) return false;
  return std::nullopt;
}

// A returned tuple or list that folded into one constant (`return x.zero_(), x` with fixed sizes)
// is built again from a constant per element, so each becomes an ONNX output.
void splitConstantOutputs(torch::jit::Graph& graph) {
  std::function<torch::jit::Value*(const c10::IValue&, const c10::TypePtr&)> build =
      [&](const c10::IValue& v, const c10::TypePtr& type) -> torch::jit::Value* {
    if (v.isTuple()) {
      std::vector<torch::jit::Value*> items;
      for (const auto& e : v.toTupleRef().elements()) items.push_back(build(e, e.type()));
      if (std::count(items.begin(), items.end(), nullptr)) return nullptr;
      return graph.insertNode(graph.createTuple(items))->output();
    }
    if (v.isTensorList()) {
      std::vector<torch::jit::Value*> items;
      for (const auto& t : v.toTensorVector()) items.push_back(build(c10::IValue(t), c10::TensorType::get()));
      if (std::count(items.begin(), items.end(), nullptr)) return nullptr;
      return graph.insertNode(graph.createList(c10::TensorType::get(), items))->output();
    }
    auto c = torch::jit::tryInsertConstant(graph, v);
    return c ? *c : nullptr;
  };
  torch::jit::WithInsertPoint guard(graph.return_node());
  for (size_t i = 0; i < graph.outputs().size(); ++i) {
    torch::jit::Value* out = graph.outputs()[i];
    if (out->node()->kind() != c10::prim::Constant) continue;
    auto value = torch::jit::toIValue(out);
    if (!value || !(value->isTuple() || value->isTensorList())) continue;
    if (torch::jit::Value* rebuilt = build(*value, out->type())) graph.return_node()->replaceInput(i, rebuilt);
  }
}

}  // namespace

std::unordered_set<const torch::jit::Value*> staticValues(const torch::jit::Graph& graph, const DimStatic& dim_static) {
  std::unordered_set<const torch::jit::Value*> result;
  for (const auto* node : graph.block()->nodes()) {
    if (node->kind() == c10::prim::Constant) continue;
    bool is_static;
    // Uninitialized memory (torch.empty_like) holds whatever the run left there: never a constant,
    // or the model would depend on the run (and differ from one conversion to the next).
    static const std::unordered_set<std::string> uninitialized = {"aten::empty", "aten::empty_like", "aten::new_empty",
                                                                  "aten::empty_strided", "aten::new_empty_strided"};
    if (!node->blocks().empty() || node->isNondeterministic() || node->hasSideEffects() ||
        uninitialized.count(node->kind().toQualString())) {
      is_static = false;
    } else if (isShapeQuery(node)) {
      is_static = shapeQueryIsStatic(node, dim_static);
    } else if (const torch::jit::Node* sizes = sizeListOf(node)) {
      // `b, t, c = x.size()` and `x.size()[k]`: each element as static as its dimension.
      const torch::jit::Value* tensor = sizes->input(0);
      if (node->kind() == c10::prim::ListUnpack) {
        for (const auto* out : node->outputs())
          if (dim_static(tensor, static_cast<int64_t>(out->offset()))) result.insert(out);
        continue;
      }
      auto k = torch::jit::constant_as<int64_t>(node->input(1));
      const int64_t rank = tensor->type()->expect<c10::TensorType>()->dim().value_or(-1);
      is_static = k && rank >= 0 && *k >= -rank && *k < rank && dim_static(tensor, *k < 0 ? *k + rank : *k);
    } else {
      is_static = true;
      MetaRead meta_read = firstInputRead(node);
      for (size_t i = 0; i < node->inputs().size(); ++i) {
        const auto* in = node->inputs()[i];
        if (i == 0 && meta_read == MetaRead::kDTypeOnly) continue;
        if (i == 0 && meta_read == MetaRead::kShape) {
          is_static = is_static && dim_static(in, kAllDims);
          continue;
        }
        if (in->node()->kind() != c10::prim::Constant && !result.count(in)) is_static = false;
      }
      // A factory with no inputs at all (rare in traces) is left to constant propagation.
      if (node->inputs().empty()) is_static = false;
    }
    if (!is_static) continue;
    for (const auto* out : node->outputs()) result.insert(out);
  }
  return result;
}

size_t foldEnvironmentQueries(const std::shared_ptr<torch::jit::Graph>& graph, const ObservationMap& run) {
  // Scripted modules ask where and how they run (nn.MultiheadAttention picks a fast path that
  // way). An exported model runs on CPU for inference, without autograd or autocast.
  static const std::unordered_set<std::string> false_queries = {"aten::is_grad_enabled",
                                                                "aten::is_autocast_enabled",
                                                                "aten::is_autocast_cpu_enabled",
                                                                "prim::is_cuda",
                                                                "prim::requires_grad",
                                                                "prim::is_sparse",
                                                                "prim::is_mkldnn",
                                                                "prim::is_quantized",
                                                                "prim::is_meta",
                                                                "prim::is_xpu",
                                                                "prim::is_vulkan",
                                                                "prim::is_ipu",
                                                                "prim::is_nested",
                                                                "aten::is_inference_mode_enabled"};
  std::vector<std::pair<torch::jit::Value*, c10::IValue>> replacements;
  // The example run's record of a tensor value, when it has one.
  auto recordedTensor = [&](const torch::jit::Value* v) -> const Observation* {
    auto it = run.find(v->unique());
    if (it == run.end() || !it->second->seen || it->second->dtype == c10::ScalarType::Undefined) return nullptr;
    return it->second;
  };
  std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      for (auto* sub : node->blocks()) walk(sub);
      const std::string kind = node->kind().toQualString();
      if (false_queries.count(kind) && node->outputs().size() == 1) {
        replacements.emplace_back(node->output(), c10::IValue(false));
      } else if ((kind == "aten::__is__" || kind == "aten::__isnot__") && node->inputs().size() == 2) {
        // `x is None` is known when x's type cannot hold None (or is None itself).
        auto isNoneType = [](const torch::jit::Value* v) { return v->type()->kind() == c10::TypeKind::NoneType; };
        auto canBeNone = [](const torch::jit::Value* v) {
          auto k = v->type()->kind();
          return k == c10::TypeKind::OptionalType || k == c10::TypeKind::NoneType || k == c10::TypeKind::AnyType;
        };
        const auto* a = node->input(0);
        const auto* b = node->input(1);
        std::optional<bool> same;
        if (a == b || (isNoneType(a) && isNoneType(b)))
          same = true;
        else if ((isNoneType(a) && !canBeNone(b)) || (isNoneType(b) && !canBeNone(a)))
          same = false;
        else
          same = sameTensorObject(a, b);
        if (same) replacements.emplace_back(node->output(), c10::IValue(kind == "aten::__is__" ? *same : !*same));
      } else if (kind == "prim::isinstance" && node->inputs().size() == 1) {
        // isinstance(x, T) where x's static type decides it (a tensor, or a type that cannot be one).
        const auto& type = node->input(0)->type();
        const auto k = type->kind();
        bool is = false;
        for (const auto& t : node->tys(c10::attr::types)) is = is || type->isSubtypeOf(*t);
        const bool open =
            k == c10::TypeKind::OptionalType || k == c10::TypeKind::UnionType || k == c10::TypeKind::AnyType;
        if (is || !open) replacements.emplace_back(node->output(), c10::IValue(is));
      } else if (kind == "prim::device" && node->inputs().size() == 1) {
        replacements.emplace_back(node->output(), c10::IValue(c10::Device(c10::kCPU)));
      } else if (kind == "aten::is_floating_point" && node->inputs().size() == 1) {
        if (const Observation* o = recordedTensor(node->input(0)))
          replacements.emplace_back(node->output(), c10::IValue(c10::isFloatingType(o->dtype)));
      } else if (kind == "aten::dim" && node->inputs().size() == 1 && node->owningBlock() != graph->block()) {
        // In branches and loop bodies too (the top level folds it with the fixed sizes): a rank
        // does not change from one iteration to the next.
        if (const Observation* o = recordedTensor(node->input(0)))
          replacements.emplace_back(node->output(), c10::IValue(static_cast<int64_t>(o->sizes.size())));
      } else if (kind == "prim::dtype" && node->inputs().size() == 1) {
        if (const Observation* o = recordedTensor(node->input(0)))
          replacements.emplace_back(node->output(), c10::IValue(static_cast<int64_t>(o->dtype)));
      }
    }
  };
  walk(graph->block());
  // Dead code elimination keeps these queries (they count as side effects): destroy them here.
  return replaceWithConstants(graph, replacements, /*destroy_producers=*/true);
}

size_t foldStaticValues(const std::shared_ptr<torch::jit::Graph>& graph,
                        const std::unordered_set<const torch::jit::Value*>& static_values, const ObservationMap& run1,
                        const std::vector<ObservationMap>& resized) {
  auto g = graph;
  torch::jit::AliasDb alias_db(g);
  std::vector<std::pair<torch::jit::Value*, c10::IValue>> replacements;
  for (auto* node : graph->block()->nodes()) {
    for (auto* v : node->outputs()) {
      if (!static_values.count(v) || v->uses().empty()) continue;
      auto it = run1.find(v->unique());
      if (it == run1.end() || !it->second->seen || !foldable(it->second->value)) continue;
      // A tensor written in place later would not hold its recorded contents everywhere.
      if (alias_db.hasWriters(v)) continue;
      // A value the resized runs computed differently is not static after all.
      bool same = true;
      for (const auto& run : resized) {
        auto it2 = run.find(v->unique());
        if (it2 != run.end() && it2->second->seen && !sameValue(it->second->value, it2->second->value)) same = false;
      }
      if (!same) continue;
      c10::IValue value = it->second->value;
      if (value.isTensor()) value = value.toTensor().detach().clone();
      replacements.emplace_back(v, value);
    }
  }
  return replaceWithConstants(graph, replacements, /*destroy_producers=*/false);
}

void foldGraph(const std::shared_ptr<torch::jit::Graph>& graph, const ExampleRuns& runs) {
  const ValueMetaMap& meta = runs.meta;
  auto dim_static = [&](const torch::jit::Value* v, int64_t dim) {
    auto it = meta.find(v->unique());
    if (it == meta.end()) return false;
    const auto& shape = it->second.shape;
    const auto rank = static_cast<int64_t>(shape.size());
    if (dim == kAllDims) return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
    if (dim < 0) dim += rank;
    return dim >= 0 && dim < rank && shape[dim] >= 0;
  };
  size_t folded = 0, raises = 0;
  auto g = graph;
  // Each round can make more `is` checks decidable (branches fold, values merge); taking out the
  // raise paths of input checks and folding fixed sizes decides more branches, so queries run again.
  auto queries = [&] {
    for (size_t round = 0, n = 1; round < 8 && n; ++round) folded += n = foldEnvironmentQueries(graph, runs.example);
  };
  // Folding can inline a branch, whose nodes then join the top level and may be static in turn.
  for (size_t round = 0, n = 1; round < 6 && n; ++round) {
    raises += removeExceptionPaths(g);
    queries();
    folded += n = foldStaticValues(graph, staticValues(*graph, dim_static), runs.example, runs.resized);
  }
  splitConstantOutputs(*graph);
  if (raises) spdlog::debug("removed {} raise statements: the converted model assumes its input checks pass", raises);
  spdlog::debug("folded {} values that depend only on fixed sizes", folded);
}

}  // namespace pt2onnx
