// What the optimize passes share: value types, uses, node removal and renaming of the main graph.
#include "optimize/graph_state.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "onnx/weights.h"
#include "onnx/writer.h"

namespace pt2onnx {
namespace {

void subgraphReads(const onnx::GraphProto& graph, std::vector<std::string>& reads) {
  for (const auto& node : graph.node()) nodeReads(node, reads);
  for (const auto& out : graph.output()) reads.push_back(out.name());
}

}  // namespace

void inferValueTypes(onnx::ModelProto& model) {
  if (model.graph().value_info_size() > 0) return;
  try {
    onnx::ShapeInferenceOptions options{/*check_type=*/false, /*error_mode=*/0, /*enable_data_propagation=*/false};
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    spdlog::debug("optimize: shape inference failed ({}); passes that need shapes do less", e.what());
  }
}

bool ValueShape::isStatic() const {
  return known && std::all_of(dims.begin(), dims.end(), [](int64_t d) { return d >= 0; });
}

void nodeReads(const onnx::NodeProto& node, std::vector<std::string>& reads) {
  for (const auto& in : node.input())
    if (!in.empty()) reads.push_back(in);
  for (const auto& attr : node.attribute()) {
    if (attr.has_g()) subgraphReads(attr.g(), reads);
    for (const auto& g : attr.graphs()) subgraphReads(g, reads);
  }
}

GraphState::GraphState(onnx::ModelProto& model, Weights& weights)
    : graph_(*model.mutable_graph()), weights_(weights), dead_(graph_.node_size(), false) {
  for (const auto& op : model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = static_cast<int>(op.version());
  for (const auto& vi : graph_.value_info()) indexTypes(vi);
  for (const auto& vi : graph_.output()) {
    indexTypes(vi);
    outputs_.insert(vi.name());
  }
  for (const auto& vi : graph_.input()) {
    indexTypes(vi);
    inputs_.insert(vi.name());
  }
  for (int i = 0; i < graph_.initializer_size(); ++i) initializers_.emplace(graph_.initializer(i).name(), i);
}

void GraphState::indexTypes(const onnx::ValueInfoProto& vi) {
  if (vi.has_type() && vi.type().has_tensor_type()) types_[vi.name()] = &vi.type();
}

int32_t GraphState::elemType(const std::string& name) const {
  auto init = initializers_.find(name);
  if (init != initializers_.end()) return graph_.initializer(init->second).data_type();
  auto it = types_.find(name);
  return it == types_.end() ? 0 : it->second->tensor_type().elem_type();
}

ValueShape GraphState::shape(const std::string& name) const {
  ValueShape s;
  auto init = initializers_.find(name);
  if (init != initializers_.end()) {
    s.known = true;
    for (auto d : graph_.initializer(init->second).dims()) s.dims.push_back(d);
    return s;
  }
  auto it = types_.find(name);
  if (it == types_.end() || !it->second->tensor_type().has_shape()) return s;
  s.known = true;
  for (const auto& d : it->second->tensor_type().shape().dim())
    s.dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
  return s;
}

const onnx::TensorProto* GraphState::smallInitializer(const std::string& name) const {
  auto it = initializers_.find(name);
  if (it == initializers_.end() || inputs_.count(name) || weights_.holds(name)) return nullptr;
  const auto& init = graph_.initializer(it->second);
  if (init.data_location() == onnx::TensorProto::EXTERNAL) return nullptr;
  return &init;
}

onnx::TensorProto* GraphState::initializer(const std::string& name) {
  auto it = initializers_.find(name);
  return it == initializers_.end() ? nullptr : graph_.mutable_initializer(it->second);
}

void GraphState::addInitializer(onnx::TensorProto&& init) {
  initializers_.emplace(init.name(), graph_.initializer_size());
  *graph_.add_initializer() = std::move(init);
}

bool GraphState::replace(const std::string& from, const std::string& to) {
  if (outputs_.count(from)) return false;
  renames_[from] = resolve(to);
  return true;
}

const std::string& GraphState::resolve(const std::string& name) const {
  const std::string* at = &name;
  for (auto it = renames_.find(*at); it != renames_.end(); it = renames_.find(*at)) at = &it->second;
  return *at;
}

size_t GraphState::commit() {
  size_t removed = 0;
  auto* nodes = graph_.mutable_node();
  int kept = 0;
  for (int i = 0; i < nodes->size(); ++i) {
    if (dead_[i]) {
      ++removed;
      continue;
    }
    if (kept != i) nodes->SwapElements(kept, i);
    ++kept;
  }
  while (nodes->size() > kept) nodes->RemoveLast();
  if (!renames_.empty()) {
    std::unordered_map<std::string, std::string> flat;
    for (const auto& [from, to] : renames_) flat.emplace(from, resolve(from));
    renameValues(graph_, flat);
  }
  renames_.clear();
  dead_.assign(graph_.node_size(), false);
  return removed;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const char* name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

}  // namespace pt2onnx
