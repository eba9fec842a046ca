// --int32: index and shape values become INT32 wherever every operator that writes or reads them
// allows it by the ONNX spec at the model's opset. The spec's own typing decides: the inputs and
// outputs of a node bound to one type variable that admits tensor(int32) must change together, so
// they are joined into classes; a parameter typed tensor(int64) alone (Shape's output, Reshape's
// shape, NonZero's output, ...) keeps INT64, with one Cast to INT32 after an INT64-only producer
// whose readers change, and one Cast to INT64 before INT64-only readers of a changed value. The
// model's inputs and outputs keep their declared types (Casts at the boundary).
#include <ATen/ATen.h>
#include <onnx/defs/schema.h>

#include <limits>
#include <map>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "io/tensor_file.h"
#include "onnx/dtype.h"
#include "onnx/tensor.h"
#include "onnx/weights.h"
#include "onnx/writer.h"
#include "optimize/graph_state.h"
#include "optimize/optimize.h"

namespace pt2onnx {
namespace {

constexpr int32_t kInt64 = onnx::TensorProto::INT64;
constexpr int32_t kInt32 = onnx::TensorProto::INT32;

bool admits(const onnx::OpSchema::FormalParameter& p, const char* type) {
  for (const auto* t : p.GetTypes())
    if (*t == type) return true;
  return false;
}

// The formal parameter an actual input or output at `index` binds (the last one is variadic).
const onnx::OpSchema::FormalParameter* formal(const std::vector<onnx::OpSchema::FormalParameter>& params, int index) {
  if (params.empty()) return nullptr;
  if (index < static_cast<int>(params.size())) return &params[index];
  return params.back().GetOption() == onnx::OpSchema::Variadic ? &params.back() : nullptr;
}

bool hasSubgraph(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute())
    if (a.has_g() || a.graphs_size() > 0) return true;
  return false;
}

onnx::AttributeProto* attribute(onnx::NodeProto& node, const char* name) {
  for (auto& a : *node.mutable_attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

bool fitsInt32(const at::Tensor& t) {
  if (t.numel() == 0) return true;
  return t.min().item<int64_t>() >= std::numeric_limits<int32_t>::min() &&
         t.max().item<int64_t>() <= std::numeric_limits<int32_t>::max();
}

// Union-find over value keys: a value's name, or `name#int32` for the Cast of an INT64-only value.
class Classes {
 public:
  int id(const std::string& key) {
    auto [it, fresh] = ids_.emplace(key, static_cast<int>(parent_.size()));
    if (fresh) {
      parent_.push_back(it->second);
      blocked_.emplace_back();
      keys_.push_back(key);
    }
    return it->second;
  }
  int find(int i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  void join(int a, int b) {
    a = find(a), b = find(b);
    if (a == b) return;
    parent_[b] = a;
    if (blocked_[a].empty()) blocked_[a] = blocked_[b];
  }
  void block(int i, const std::string& why) {
    i = find(i);
    if (blocked_[i].empty()) blocked_[i] = why;
  }
  // Empty when the class may change to INT32, else why it may not.
  const std::string& blocked(int i) { return blocked_[find(i)]; }
  bool has(const std::string& key) const { return ids_.count(key) > 0; }
  // Keys in the order they were first seen (the graph's order), for a deterministic rewrite.
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  std::unordered_map<std::string, int> ids_;
  std::vector<std::string> keys_;
  std::vector<int> parent_;
  std::vector<std::string> blocked_;
};

class Retyper {
 public:
  Retyper(onnx::ModelProto& model, Weights& weights) : state_(model, weights), graph_(state_.graph()) {}

  Int32Report run() {
    collectNames(graph_);
    for (const auto& in : graph_.input())
      if (state_.elemType(in.name()) == kInt64) pin(in.name(), "graph input", -1);
    for (const auto& init : graph_.initializer()) {
      if (init.data_type() != kInt64) continue;
      if (state_.isGraphInput(init.name()) || state_.isGraphOutput(init.name()))
        pin(init.name(), "graph input or output", -1);
      else if (!state_.smallInitializer(init.name()))
        pin(init.name(), "large initializer", -1);
    }
    for (int i = 0; i < graph_.node_size(); ++i) link(i);
    for (const auto& out : graph_.output())
      if (state_.elemType(out.name()) == kInt64) fixedRead(out.name(), -1, -1, "graph output");
    checkConstants();
    return apply();
  }

 private:
  struct Read {
    int node, input;  // node -1: a graph output
    std::string why;
  };

  bool isInt64(const std::string& name) const { return !name.empty() && state_.elemType(name) == kInt64; }
  bool pinned(const std::string& name) const { return pinned_.count(name) > 0; }
  // The key a changeable reader of `name` joins: the value itself, or the Cast of a pinned one.
  std::string readKey(const std::string& name) const { return pinned(name) ? name + "#int32" : name; }

  void pin(const std::string& name, const std::string& why, int producer) {
    if (pinned_.emplace(name, why).second) pinned_order_.push_back(name);
    producer_[name] = producer;
  }
  void fixedRead(const std::string& name, int node, int input, const std::string& why) {
    if (!pinned(name)) fixed_[name].push_back({node, input, why});
  }

  void link(int index) {
    const auto& node = graph_.node(index);
    for (const auto& out : node.output())
      if (!out.empty()) producer_[out] = index;
    const onnx::OpSchema* schema = node.domain().empty() || node.domain() == "ai.onnx"
                                       ? onnx::OpSchemaRegistry::Schema(node.op_type(), state_.opset(), "")
                                       : nullptr;
    for (int k = 0; k < node.input_size(); ++k)
      if (!node.input(k).empty()) readers_[node.input(k)].emplace_back(index, k);
    // Values of unknown or non-tensor type (sequences, optionals): the node keeps its INT64 operands.
    bool unknown = false;
    for (const auto& name : node.input()) unknown = unknown || (!name.empty() && state_.elemType(name) == 0);
    for (const auto& name : node.output()) unknown = unknown || (!name.empty() && state_.elemType(name) == 0);
    if (!schema || hasSubgraph(node) || unknown) {
      const std::string why = node.op_type() + (!schema             ? " (no ONNX schema)"
                                                : hasSubgraph(node) ? " (subgraph)"
                                                                    : " (operand of unknown type)");
      for (int k = 0; k < node.input_size(); ++k)
        if (isInt64(node.input(k))) fixedRead(node.input(k), index, k, why);
      for (const auto& out : node.output())
        if (isInt64(out)) pin(out, why, index);
      if (hasSubgraph(node)) blockSubgraphReads(node);
      return;
    }
    // Slots per type variable, and which variables an input binds.
    std::map<std::string, std::vector<std::string>> groups;  // type variable -> keys
    std::unordered_set<std::string> input_vars;
    for (int k = 0; k < node.input_size(); ++k) {
      const std::string& name = node.input(k);
      const auto* p = formal(schema->inputs(), k);
      if (name.empty() || !p) continue;
      input_vars.insert(p->GetTypeStr());
      if (!isInt64(name)) continue;
      if (!admits(*p, "tensor(int32)")) {
        fixedRead(name, index, k, node.op_type() + "." + p->GetName());
        continue;
      }
      groups[p->GetTypeStr()].push_back(readKey(name));
    }
    // Output types set by an attribute that this pass rewrites.
    const bool typed_by_attribute =
        node.op_type() == "Cast" || node.op_type() == "ConstantOfShape" ||
        (node.op_type() == "Constant" && node.attribute_size() == 1 && node.attribute(0).name() == "value");
    for (int k = 0; k < node.output_size(); ++k) {
      const std::string& name = node.output(k);
      const auto* p = formal(schema->outputs(), k);
      if (!isInt64(name)) continue;
      if (!p || !admits(*p, "tensor(int32)") || (!input_vars.count(p->GetTypeStr()) && !typed_by_attribute)) {
        pin(name, node.op_type() + (p ? "." + p->GetName() : ""), index);
        continue;
      }
      groups[p->GetTypeStr()].push_back(name);
    }
    for (const auto& [var, keys] : groups) {
      const int first = classes_.id(keys.front());
      for (const auto& key : keys) classes_.join(first, classes_.id(key));
    }
  }

  // A value read inside a subgraph keeps its type: the subgraph's nodes are not retyped.
  void blockSubgraphReads(const onnx::NodeProto& node) {
    std::vector<std::string> reads;
    for (const auto& a : node.attribute()) {
      if (a.has_g())
        for (const auto& n : a.g().node()) nodeReads(n, reads);
      for (const auto& g : a.graphs())
        for (const auto& n : g.node()) nodeReads(n, reads);
    }
    for (const auto& name : reads)
      if (isInt64(name) && !pinned(name)) classes_.block(classes_.id(name), "read in a subgraph");
  }

  // Constant values (initializers, Constant and ConstantOfShape attributes) must fit in INT32.
  void checkConstants() {
    for (const auto& key : classes_.keys()) {
      if (pinned(key) || key.find('#') != std::string::npos) continue;
      at::Tensor t = constantValue(key);
      if (!t.defined() || fitsInt32(t)) continue;
      if (onlySliceBounds(key)) {
        clamped_.insert(key);  // Slice clamps its starts and ends to the dims: INT32 bounds mean the same
        continue;
      }
      classes_.block(classes_.id(key), "values outside the INT32 range");
    }
  }

  bool onlySliceBounds(const std::string& name) {
    auto it = readers_.find(name);
    if (it == readers_.end() || state_.isGraphOutput(name)) return false;
    for (const auto& [node, input] : it->second)
      if (graph_.node(node).op_type() != "Slice" || (input != 1 && input != 2)) return false;
    return true;
  }

  // The INT64 data behind a value, when it is a constant (undefined otherwise).
  at::Tensor constantValue(const std::string& name) {
    if (const auto* init = state_.smallInitializer(name)) return readTensorProto(init->SerializeAsString());
    auto p = producer_.find(name);
    if (p == producer_.end() || p->second < 0) return {};
    auto& node = *graph_.mutable_node(p->second);
    if (node.op_type() != "Constant" && node.op_type() != "ConstantOfShape") return {};
    const auto* value = attribute(node, "value");
    return value && value->has_t() ? readTensorProto(value->t().SerializeAsString()) : at::Tensor();
  }

  void collectNames(const onnx::GraphProto& graph) {
    for (const auto& vi : graph.input()) names_.insert(vi.name());
    for (const auto& init : graph.initializer()) names_.insert(init.name());
    for (const auto& node : graph.node()) {
      for (const auto& n : node.output()) names_.insert(n);
      for (const auto& a : node.attribute()) {
        if (a.has_g()) collectNames(a.g());
        for (const auto& g : a.graphs()) collectNames(g);
      }
    }
  }
  std::string freshName(const std::string& base) {
    std::string name = base;
    for (int n = 1; names_.count(name); ++n) name = base + "_" + std::to_string(n);
    names_.insert(name);
    return name;
  }

  // A class changes when nothing blocks it and it holds a value of its own: one made only of the
  // Casts of INT64-only values (a Shape read by a Cast to float) would gain nothing but Casts.
  bool retyped(const std::string& key) {
    if (!classes_.has(key) || !classes_.blocked(classes_.id(key)).empty()) return false;
    if (!roots_found_) {
      roots_found_ = true;
      for (const auto& k : classes_.keys())
        if (k.find('#') == std::string::npos && !pinned(k)) real_roots_.insert(classes_.find(classes_.id(k)));
    }
    return real_roots_.count(classes_.find(classes_.id(key))) > 0;
  }

  onnx::NodeProto castNode(const std::string& from, const std::string& to, int32_t type) {
    onnx::NodeProto cast;
    cast.set_op_type("Cast");
    cast.set_name(to + "_cast");
    cast.add_input(from);
    cast.add_output(to);
    auto* a = cast.add_attribute();
    a->set_name("to");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(type);
    return cast;
  }

  void retypeTensor(onnx::TensorProto& proto, bool clamp = false) {
    at::Tensor t = readTensorProto(proto.SerializeAsString());
    if (clamp) t = t.clamp(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    t = t.to(at::kInt);
    const std::string name = proto.name();
    proto.Clear();
    toTensorProto(t, name, &proto);
  }

  Int32Report apply() {
    Int32Report report;
    // Casts placed after the node that writes their input (-1: before every node).
    std::unordered_map<int, std::vector<onnx::NodeProto>> after;
    std::vector<onnx::TensorProto> new_inits;
    auto producerOf = [&](const std::string& name) {
      auto it = producer_.find(name);
      return it == producer_.end() ? -1 : it->second;
    };
    // Changed values: rewrite the attribute or initializer that types them, Cast for fixed readers.
    for (const auto& key : classes_.keys()) {
      if (key.find('#') != std::string::npos || pinned(key) || !retyped(key)) continue;
      ++report.values_retyped;
      const int producer = producerOf(key);
      auto fixed = fixed_.find(key);
      const bool has_fixed = fixed != fixed_.end();
      std::string int64_name;
      if (producer < 0) {  // a small initializer: an INT32 copy for the changed readers
        const auto* init = state_.smallInitializer(key);
        onnx::TensorProto copy = *init;
        copy.set_name(freshName(key + "_int32"));
        retypeTensor(copy, clamped_.count(key) > 0);
        renamed_[key] = copy.name();
        new_inits.push_back(std::move(copy));
        ++report.initializers_converted;
        if (has_fixed) report.stay_int64[fixed->second.front().why]++;
        continue;
      }
      auto& node = *graph_.mutable_node(producer);
      if (node.op_type() == "Cast") attribute(node, "to")->set_i(kInt32);
      if (node.op_type() == "Constant" || node.op_type() == "ConstantOfShape")
        retypeTensor(*attribute(node, "value")->mutable_t(), clamped_.count(key) > 0);
      if (!has_fixed) continue;
      const bool to_output = state_.isGraphOutput(key);
      const std::string other = freshName(key + (to_output ? "_int32" : "_int64"));
      if (to_output) {
        // The output keeps its name and type: the producer and changed readers use the new name.
        for (auto& out : *node.mutable_output())
          if (out == key) out = other;
        renamed_[key] = other;
        after[producer].push_back(castNode(other, key, kInt64));
      } else {
        for (const auto& read : fixed->second) graph_.mutable_node(read.node)->set_input(read.input, other);
        after[producer].push_back(castNode(key, other, kInt64));
      }
      ++report.casts_to_int64;
      report.stay_int64[fixed->second.front().why]++;
    }
    // INT64-only values: a Cast to INT32 when their changeable readers change.
    for (const auto& name : pinned_order_) {
      report.stay_int64[pinned_.at(name)]++;
      if (!retyped(name + "#int32")) continue;
      const std::string cast = freshName(name + "_int32");
      cast_of_pinned_[name] = cast;
      after[producerOf(name)].push_back(castNode(name, cast, kInt32));
      ++report.casts_to_int32;
    }
    for (const auto& key : classes_.keys()) {
      const std::string& why = classes_.blocked(classes_.id(key));
      if (!why.empty() && key.find('#') == std::string::npos && !pinned(key)) report.stay_int64[why]++;
    }
    // INT64 values read only where the spec wants INT64 (a Reshape's constant shape, ...).
    for (const auto& [name, reads] : fixed_)
      if (!classes_.has(name)) report.stay_int64[reads.front().why]++;
    rewriteReads();
    for (auto& init : new_inits) state_.addInitializer(std::move(init));
    insertCasts(after);
    pruneUnusedInitializers(graph_);
    return report;
  }

  // Changed readers of a pinned value read its Cast; readers of a converted initializer its copy.
  void rewriteReads() {
    for (int i = 0; i < graph_.node_size(); ++i) {
      auto& node = *graph_.mutable_node(i);
      for (int k = 0; k < node.input_size(); ++k) {
        const std::string& name = node.input(k);
        if (name.empty() || isFixedRead(name, i, k)) continue;
        auto c = cast_of_pinned_.find(name);
        if (c != cast_of_pinned_.end() && changeableRead(i, k)) {
          node.set_input(k, c->second);
          continue;
        }
        auto r = renamed_.find(name);
        if (r != renamed_.end()) node.set_input(k, r->second);
      }
    }
  }

  bool isFixedRead(const std::string& name, int node, int input) const {
    auto it = fixed_.find(name);
    if (it == fixed_.end()) return false;
    for (const auto& r : it->second)
      if (r.node == node && r.input == input) return true;
    return false;
  }

  // Whether input k of node i is a slot that joined a class (not an INT64-only parameter).
  bool changeableRead(int i, int k) {
    const auto& node = graph_.node(i);
    if (hasSubgraph(node)) return false;
    const onnx::OpSchema* schema = node.domain().empty() || node.domain() == "ai.onnx"
                                       ? onnx::OpSchemaRegistry::Schema(node.op_type(), state_.opset(), "")
                                       : nullptr;
    const auto* p = schema ? formal(schema->inputs(), k) : nullptr;
    return p && admits(*p, "tensor(int32)");
  }

  void insertCasts(std::unordered_map<int, std::vector<onnx::NodeProto>>& after) {
    if (after.empty()) return;
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    nodes.Swap(graph_.mutable_node());
    auto* out = graph_.mutable_node();
    for (auto& cast : after[-1]) *out->Add() = std::move(cast);
    for (int i = 0; i < nodes.size(); ++i) {
      *out->Add() = std::move(*nodes.Mutable(i));
      auto it = after.find(i);
      if (it == after.end()) continue;
      for (auto& cast : it->second) *out->Add() = std::move(cast);
    }
  }

  GraphState state_;
  onnx::GraphProto& graph_;
  Classes classes_;
  std::unordered_map<std::string, std::string> pinned_;  // INT64-only values -> why
  std::vector<std::string> pinned_order_;
  std::unordered_map<std::string, std::vector<std::pair<int, int>>> readers_;  // value -> (node, input)
  std::unordered_set<std::string> clamped_;  // Slice bounds clamped to the INT32 range
  bool roots_found_ = false;
  std::unordered_set<int> real_roots_;                        // classes holding a value that is not a pinned one's Cast
  std::unordered_map<std::string, int> producer_;             // value -> node index (-1: none)
  std::unordered_map<std::string, std::vector<Read>> fixed_;  // INT64-only reads of changeable values
  std::unordered_map<std::string, std::string> cast_of_pinned_;  // pinned value -> its INT32 Cast
  std::unordered_map<std::string, std::string> renamed_;         // initializer -> INT32 copy; output -> new name
  std::unordered_set<std::string> names_;
};

}  // namespace

Int32Report retypeToInt32(onnx::ModelProto& model, Weights& weights) {
  inferValueTypes(model);
  Int32Report report = Retyper(model, weights).run();
  // Casts the model had that now cast INT32 to INT32.
  model.mutable_graph()->clear_value_info();
  inferValueTypes(model);
  GraphState state(model, weights);
  for (int i = 0; i < state.graph().node_size(); ++i) {
    const auto& node = state.graph().node(i);
    if (node.op_type() != "Cast" || !node.domain().empty() || node.attribute_size() != 1) continue;
    if (state.elemType(node.input(0)) == node.attribute(0).i() && state.replace(node.output(0), node.input(0)))
      state.removeNode(i);
  }
  state.commit();
  weights.retainOnly(model.graph());
  model.mutable_graph()->clear_value_info();
  return report;
}

}  // namespace pt2onnx
