// Graph preparation with LibTorch's own JIT passes: freeze, inline, lower tuples, remove mutation.
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_conv_folding.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/loop_unrolling.h>
#include <torch/csrc/jit/passes/lower_tuples.h>
#include <torch/csrc/jit/passes/peephole_list_idioms.h>
#include <torch/csrc/jit/passes/remove_exceptions.h>
#include <torch/csrc/jit/passes/remove_mutation.h>
#include <torch/script.h>

#include <algorithm>

#include "frontend/frontend.h"

namespace pt2onnx {

std::shared_ptr<torch::jit::Graph> prepareGraph(torch::jit::Module& module, const std::string& method) {
  bool training = module.is_training();
  for (const auto& sub : module.modules()) training = training || sub.is_training();
  if (training)
    spdlog::warn(
        "the model was saved in training mode; it is converted as in eval mode (model.eval()): code that tests "
        "self.training takes the eval path, and a traced model keeps what the trace recorded: call model.eval() "
        "before tracing or scripting and saving");
  module.eval();
  moveDevicesToCpu(module);
  torch::jit::Module frozen;
  try {
    // Parameters and buffers become constants and eval-mode dropout goes. Batch norms stay: the
    // optimize stage folds them into their convolutions as the weights are written, where folding
    // here would compute a second copy of every such weight. A convolution followed by an add or a
    // multiply by a constant still folds here.
    std::vector<std::string> preserved;
    if (method != "forward") preserved.push_back(method);
    frozen = torch::jit::freeze(module, preserved, /*optimize_numerics=*/false);
    auto forward = frozen.get_method("forward").graph();
    torch::jit::FoldFrozenConvAddOrSub(forward);
    torch::jit::FoldFrozenConvMulOrDiv(forward);
  } catch (const c10::Error& e) {
    throw Error(ExitCode::kModelInput,
                std::string("the model cannot be frozen for export: ") + e.what_without_backtrace());
  }
  module = frozen;
  auto graph = frozen.get_method(method).graph()->copy();
  repairCallStacks(*graph);
  cleanupGraph(graph);
  bool changed = forwardAttributeWrites(graph) > 0;
  // A read resolved to a saved object can decide a branch (`if self.cache is None`), whose folding
  // brings reads of that object's attributes to the top level.
  for (int round = 0; round < 6; ++round) {
    changed = resolveAttributes(graph, frozen._ivalue()) > 0 || changed;
    if (!changed) break;
    cleanupGraph(graph);
    changed = false;
  }
  return graph;
}

size_t resolveAttributes(std::shared_ptr<torch::jit::Graph>& graph,
                         const c10::intrusive_ptr<c10::ivalue::Object>& self) {
  // Freezing leaves some attribute reads (torch 2.x's nn.MultiheadAttention weights read in a
  // scripted fast path); reads through module objects that nothing writes resolve to constants.
  if (graph->inputs().empty() || graph->inputs()[0]->type()->kind() != c10::TypeKind::ClassType) return 0;
  std::unordered_map<const torch::jit::Value*, c10::IValue> objects{{graph->inputs()[0], c10::IValue(self)}};
  std::vector<std::pair<torch::jit::Value*, c10::IValue>> constants;
  std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      for (auto* sub : node->blocks()) walk(sub);
      // Written: leave every read (writes to objects made in the graph change no saved state).
      if (node->kind() == c10::prim::SetAttr && node->input(0)->node()->kind() != c10::prim::CreateObject)
        return constants.clear();
      if (node->kind() == c10::prim::unchecked_cast && objects.count(node->input(0)))
        objects[node->output()] = objects.at(node->input(0));
      // `self.mapper is None` on an attribute that holds an object.
      const bool is = node->kind() == c10::aten::__is__, is_not = node->kind() == c10::aten::__isnot__;
      if ((is || is_not) && node->inputs().size() == 2 && node->input(1)->type()->kind() == c10::TypeKind::NoneType) {
        auto it = objects.find(node->input(0));
        if (it != objects.end() && it->second.isObject()) constants.emplace_back(node->output(), c10::IValue(is_not));
      }
      if (node->kind() != c10::prim::GetAttr) continue;
      auto it = objects.find(node->input(0));
      if (it == objects.end() || !it->second.isObject()) continue;
      const auto& object = it->second.toObjectRef();
      const std::string& name = node->s(c10::attr::name);
      if (!object.type()->hasAttribute(name)) continue;
      c10::IValue value = object.getAttr(name);
      objects[node->output()] = value;
      // An Optional attribute that holds an object reads as that object's class (`is None` folds).
      if (value.isObject() && node->output()->type()->kind() == c10::TypeKind::OptionalType)
        node->output()->setType(value.type());
      // (a parameter that requires grad cannot be a graph constant; its values can)
      if (value.isTensor()) value = value.toTensor().detach();
      if (!value.isObject()) constants.emplace_back(node->output(), value);
    }
  };
  walk(graph->block());
  size_t replaced = 0;
  torch::jit::WithInsertPoint guard(graph->block()->nodes().front());
  for (auto& [v, value] : constants) {
    auto constant = torch::jit::tryInsertConstant(*graph, value);
    if (!constant) continue;
    v->replaceAllUsesWith(*constant);
    ++replaced;
  }
  return replaced;
}

namespace {

// print() and warnings.warn() cannot change an output; an ONNX model has nowhere to print. The
// strings they format go with them.
void removePrints(torch::jit::Block* block) {
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    torch::jit::Node* node = *it++;
    for (auto* sub : node->blocks()) removePrints(sub);
    if ((node->kind() == c10::prim::Print || node->kind() == c10::aten::warn) && node->outputs().empty())
      node->destroy();
  }
}

// Whether a dict taken from a list is written (`results[i]["boxes"] = b`): list idioms would read
// the element as the dict itself, and LibTorch's dead code elimination then drops the write.
bool writesListElements(const torch::jit::Block* block) {
  for (const auto* node : block->nodes()) {
    for (const auto* sub : node->blocks())
      if (writesListElements(sub)) return true;
    if (node->kind() == c10::aten::_set_item && node->input(0)->type()->kind() == c10::TypeKind::DictType &&
        node->input(0)->node()->kind() == c10::aten::__getitem__)
      return true;
  }
  return false;
}

// Whether values of `type` cannot change once made: tensors (mutation removal has run), numbers,
// strings, and tuples and optionals of these. Lists, dicts and objects can be written through any
// reference to them.
bool immutableItem(const c10::TypePtr& type) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
    case c10::TypeKind::IntType:
    case c10::TypeKind::FloatType:
    case c10::TypeKind::BoolType:
    case c10::TypeKind::StringType:
    case c10::TypeKind::NoneType:
    case c10::TypeKind::DeviceObjType:
      return true;
    case c10::TypeKind::OptionalType:
    case c10::TypeKind::TupleType:
      for (const auto& t : type->containedTypes())
        if (!immutableItem(t)) return false;
      return true;
    default:
      return false;
  }
}

// xs[i] with a constant i of a list built in the graph, holding immutable items and only read:
// that item; len(xs): the number of items. (List idioms do this for every list, but are held back while a list's dict
// elements are written; `for k, v in d.items(): if k in names` in an unrolled loop needs it.)
size_t foldItemReads(torch::jit::Block* block) {
  static const std::unordered_set<std::string> reads = {"aten::__getitem__", "aten::len",   "aten::__contains__",
                                                        "prim::ListUnpack",  "aten::cat",   "aten::stack",
                                                        "aten::add",         "prim::Return"};
  size_t folded = 0;
  for (auto* node : block->nodes()) {
    for (auto* sub : node->blocks()) folded += foldItemReads(sub);
    if (node->kind() != c10::prim::ListConstruct) continue;
    if (!immutableItem(node->output()->type()->expectRef<c10::ListType>().getElementType())) continue;
    std::vector<torch::jit::Node*> items, lengths;
    bool only_read = true;
    for (const auto& use : node->output()->uses()) {
      only_read &= reads.count(use.user->kind().toQualString()) > 0;
      // Returned from a branch or loop body, the list gets another name that could be written.
      only_read &= use.user->kind() != c10::prim::Return || use.user == use.user->owningGraph()->return_node();
      if (use.user->kind() == c10::aten::len) lengths.push_back(use.user);
      if (use.user->kind() == c10::aten::__getitem__ && use.offset == 0 &&
          torch::jit::constant_as<int64_t>(use.user->input(1)))
        items.push_back(use.user);
    }
    if (!only_read) continue;
    for (auto* read : items) folded += replaceItemRead(node, read).has_value();
    for (auto* len : lengths) {
      torch::jit::WithInsertPoint guard(len);
      len->output()->replaceAllUsesWith(
          len->owningGraph()->insertConstant(static_cast<int64_t>(node->inputs().size())));
      len->destroy();
      ++folded;
    }
  }
  return folded;
}

// list(xs) of a constant list or of one built in the graph and never written: a new list of the same
// items, which list idioms (len, [i]) and list write lowering (`names.extend(...)`) see through.
void copyBuiltLists(torch::jit::Graph& graph) {
  static const std::unordered_set<std::string> writes = {"aten::append",  "aten::insert",    "aten::extend",
                                                         "aten::pop",     "aten::_set_item", "aten::clear",
                                                         "aten::reverse", "aten::add_",      "aten::Delete"};
  std::vector<torch::jit::Node*> copies;
  std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      for (auto* sub : node->blocks()) walk(sub);
      if (node->kind() == c10::aten::list && node->inputs().size() == 1) copies.push_back(node);
      // xs.extend(constant list): the items as a list built here, which list write lowering follows.
      if (node->kind().toQualString() == std::string("aten::extend") && node->inputs().size() == 2)
        if (auto more = torch::jit::toIValue(node->input(1)); more && more->isList()) {
          torch::jit::WithInsertPoint guard(node);
          std::vector<torch::jit::Value*> items;
          for (const auto& v : more->toListRef())
            if (auto c = torch::jit::tryInsertConstant(graph, v)) items.push_back(*c);
          if (items.size() != more->toListRef().size()) continue;
          auto* built = graph.insertNode(
              graph.createList(node->input(1)->type()->expectRef<c10::ListType>().getElementType(), items));
          node->replaceInput(1, built->output());
        }
    }
  };
  walk(graph.block());
  for (auto* node : copies) {
    torch::jit::Value* source = node->input(0);
    bool written = false;
    for (const auto& use : source->uses()) written |= writes.count(use.user->kind().toQualString()) > 0;
    std::vector<torch::jit::Value*> items;
    torch::jit::WithInsertPoint guard(node);
    if (source->node()->kind() == c10::prim::ListConstruct && !written) {
      for (auto* v : source->node()->inputs()) items.push_back(v);
    } else if (auto value = torch::jit::toIValue(source); value && value->isList()) {
      bool fits = true;
      for (const auto& v : value->toListRef()) {
        auto c = torch::jit::tryInsertConstant(graph, v);
        fits = fits && c;
        if (c) items.push_back(*c);
      }
      if (!fits) continue;
    } else {
      continue;
    }
    auto* copy =
        graph.insertNode(graph.createList(node->output()->type()->expectRef<c10::ListType>().getElementType(), items));
    node->output()->replaceAllUsesWith(copy->output());
    node->destroy();
  }
}

// len() of a list built in the graph whose only writes are item assignments, which keep its length
// (`images[i] = resize(images[i])` in a loop over the images): the number of items it was built with.
void foldFixedLengths(torch::jit::Graph& graph) {
  std::vector<torch::jit::Node*> lists;
  std::function<void(torch::jit::Block*)> walk = [&](torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      for (auto* sub : node->blocks()) walk(sub);
      if (node->kind() == c10::prim::ListConstruct) lists.push_back(node);
    }
  };
  walk(graph.block());
  // len(x.split([a, b, ...])): one piece per size, whatever the sizes are.
  std::vector<std::pair<torch::jit::Node*, int64_t>> pieces;
  std::function<void(torch::jit::Block*)> splits = [&](torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      for (auto* sub : node->blocks()) splits(sub);
      if (node->kind() != c10::aten::len || node->inputs().size() != 1) continue;
      const torch::jit::Node* split = node->input(0)->node();
      const bool by_sizes = (split->kind() == c10::aten::split || split->kind() == c10::aten::split_with_sizes) &&
                            split->inputs().size() >= 2 && split->input(1)->type()->kind() == c10::TypeKind::ListType;
      if (!by_sizes) continue;
      bool read_only = true;  // the sizes list, when built here, is not appended to later
      for (const auto& use : split->input(1)->uses()) {
        const auto k = use.user->kind();
        read_only &= k == c10::aten::split || k == c10::aten::split_with_sizes || k == c10::aten::len ||
                     k == c10::aten::__getitem__;
      }
      if (split->input(1)->node()->kind() == c10::prim::ListConstruct && read_only) {
        pieces.emplace_back(node, static_cast<int64_t>(split->input(1)->node()->inputs().size()));
      } else if (auto sizes = torch::jit::toIValue(split->input(1)); sizes && sizes->isIntList()) {
        pieces.emplace_back(node, static_cast<int64_t>(sizes->toIntList().size()));
      }
    }
  };
  splits(graph.block());
  for (auto& [len, n] : pieces) {
    torch::jit::WithInsertPoint guard(len);
    len->output()->replaceAllUsesWith(graph.insertConstant(n));
    len->destroy();
  }
  for (auto* list : lists) {
    std::vector<torch::jit::Node*> lengths;
    bool fixed = true;
    for (const auto& use : list->output()->uses()) {
      const auto kind = use.user->kind();
      if (kind == c10::aten::len) lengths.push_back(use.user);
      fixed &= kind == c10::prim::Return ||
               (use.offset == 0 && (kind == c10::aten::len || kind == c10::aten::__getitem__ ||
                                    (kind == c10::aten::_set_item && use.user->inputs().size() == 3)));
    }
    if (!fixed) continue;
    for (auto* len : lengths) {
      torch::jit::WithInsertPoint guard(len);
      len->output()->replaceAllUsesWith(graph.insertConstant(static_cast<int64_t>(list->inputs().size())));
      len->destroy();
    }
  }
}

}  // namespace

void cleanupGraph(std::shared_ptr<torch::jit::Graph>& graph) {
  torch::jit::Inline(*graph);
  removePrints(graph->block());
  replaceObjectAttributes(graph);
  padNestedTensors(graph);
  dropCausalMaskTests(graph);
  torch::jit::LowerSimpleTuples(graph);
  torch::jit::RemoveListMutation(graph);
  keepInPlaceDtypes(graph);
  cloneWrittenInputs(graph);
  carryBlockWrites(graph);
  torch::jit::RemoveTensorMutation(graph);
  functionalizeViewWrites(graph);
  lowerCopies(graph);
  torch::jit::ConstantPropagation(graph);
  if (lowerDictWrites(graph)) {
    if (!writesListElements(graph->block())) torch::jit::PeepholeOptimizeListIdioms(graph);  // len(d.items())
    torch::jit::ConstantPropagation(graph);
  }
  // Only simple tuple lowering: LowerAllTuples can leave graphs (scripted vit_b_16) that crash
  // LibTorch's interpreter. Tuple outputs are flattened by the converter instead.
  torch::jit::EliminateDeadCode(graph);
}

size_t removeExceptionPaths(std::shared_ptr<torch::jit::Graph>& graph) {
  size_t raises = 0;
  std::function<void(torch::jit::Block*)> count = [&](torch::jit::Block* block) {
    for (auto* node : block->nodes()) {
      raises += node->kind() == c10::prim::RaiseException;
      for (auto* sub : node->blocks()) count(sub);
    }
  };
  count(graph->block());
  if (raises == 0) return 0;
  torch::jit::EliminateExceptions(graph);
  torch::jit::ConstantPropagation(graph);
  torch::jit::EliminateDeadCode(graph);
  return raises;
}

bool unrollListLoops(std::shared_ptr<torch::jit::Graph>& graph) {
  static const std::unordered_set<std::string> mutations = {
      "aten::append", "aten::insert", "aten::extend", "aten::pop", "aten::_set_item", "aten::clear", "aten::Delete"};
  std::function<size_t(const torch::jit::Block*)> count = [&](const torch::jit::Block* block) {
    size_t n = 0;
    for (const auto* node : block->nodes()) {
      n += mutations.count(node->kind().toQualString());
      // `xs += [t]` and a loop that hands a list to the next iteration (`xs = xs + [t]`).
      n += node->kind() == c10::aten::add_ && node->output()->type()->kind() == c10::TypeKind::ListType;
      if (node->kind() == c10::prim::Loop)
        for (const auto* v : node->outputs()) n += v->type()->kind() == c10::TypeKind::ListType;
      for (const auto* sub : node->blocks()) n += count(sub);
    }
    return n;
  };
  // Only loops with a fixed trip count that mutate a list, where unrolling lets mutation removal
  // turn the list into a plain construction.
  // LibTorch unrolls every loop of constant trip count, so not when that would make the graph
  // huge (nodes the unrolled bodies would hold, nested loops counted once per level).
  std::function<int64_t(const torch::jit::Block*)> size = [&](const torch::jit::Block* block) {
    int64_t n = 0;
    for (const auto* node : block->nodes()) {
      ++n;
      for (const auto* sub : node->blocks()) n += size(sub);
    }
    return n;
  };
  auto wanted = [&] {
    bool found = false;
    int64_t unrolled_nodes = 0;
    std::function<void(const torch::jit::Block*)> find = [&](const torch::jit::Block* block) {
      for (const auto* node : block->nodes()) {
        const auto trips =
            node->kind() == c10::prim::Loop ? torch::jit::constant_as<int64_t>(node->input(0)) : c10::nullopt;
        if (trips) {
          found = found || count(node->blocks()[0]);
          unrolled_nodes += *trips * size(node->blocks()[0]);
        }
        for (const auto* sub : node->blocks()) find(sub);
      }
    };
    find(graph->block());
    constexpr int64_t kMaxUnrolledNodes = 20000;
    return found && unrolled_nodes <= kMaxUnrolledNodes;
  };
  const size_t before = count(graph->block());
  if (!before) return false;
  // Folding may have taken away what stopped mutation removal before (a loop reading the list,
  // a fast-path branch): try it again first.
  auto lower = [&] {
    torch::jit::RemoveListMutation(graph);
    copyBuiltLists(*graph);
    lowerListWrites(*graph);  // what unrolled bodies wrote, now in straight-line code
    torch::jit::ConstantPropagation(graph);
    // Dicts built from the new lists (dict(pairs) with keys now constant, values()) give lists of
    // known length in turn; len, [i] and + of the lists fold.
    lowerDictWrites(graph);
    copyBuiltLists(*graph);  // list(d.values())
    foldFixedLengths(*graph);
    if (!writesListElements(graph->block())) torch::jit::PeepholeOptimizeListIdioms(graph);
    foldItemReads(graph->block());
    torch::jit::LowerSimpleTuples(graph);  // (key, value) pairs unpacked
    torch::jit::ConstantPropagation(graph);
    torch::jit::EliminateDeadCode(graph);
  };
  lower();
  // Each unrolled loop can fix the trip count of the next (a loop over the list the last one built);
  // loops whose trip counts fold only from a recorded run wait for the caller's next round.
  bool unrolled = false;
  for (size_t round = 0; round < 8 && wanted(); ++round) {
    unrolled = torch::jit::UnrollConstantLoops(graph) || unrolled;
    lower();
  }
  lower();  // list idioms held back while list elements were written
  return unrolled || count(graph->block()) < before;
}

std::vector<torch::jit::Value*> forwardInputs(torch::jit::Graph& graph) {
  std::vector<torch::jit::Value*> inputs;
  for (auto* v : graph.inputs()) {
    if (v->type()->kind() == c10::TypeKind::ClassType) continue;  // self
    inputs.push_back(v);
  }
  return inputs;
}

}  // namespace pt2onnx
