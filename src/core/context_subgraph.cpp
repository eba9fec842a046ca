// Context: converting blocks, and the subgraphs of If/Loop bodies.
#include <ATen/ATen.h>
#include <torch/csrc/jit/ir/constants.h>

#include <cstring>
#include <sstream>

#include "core/context.h"
#include "core/context_impl.h"
#include "core/fallback.h"
#include "core/registry.h"
#include "onnx/dtype.h"
#include "onnx/tensor.h"

namespace pt2onnx {

void Context::convertBlock(const torch::jit::Block* block) {
  for (const auto* node : block->nodes()) {
    if (node->kind() == c10::prim::Constant) continue;
    const std::string kind = node->kind().toQualString();
    const ConvertFn* fn = registry().find(kind, opset());
    static const ConvertFn fallback = emitFallback;
    if (!fn && fallbackApplies(*node, impl_->fallback)) fn = &fallback;
    if (!fn) throw InternalError("no converter for " + kind + " after the support check");
    const Node* saved = impl_->current;
    impl_->current = node;
    size_t before = impl_->diagnostics.size();
    const size_t depth = impl_->graphs.size();
    Status status;
    try {
      status = (*fn)(*this, *node);
      if (status.ok) impl_->requantize(*this, *node);
    } catch (const PoisonedValue&) {
      status = Status::Fail("");
      before = impl_->diagnostics.size();  // a cascade of an earlier failure: not reported again
    } catch (const ConvertError& e) {
      status = fail(*node, e.what());
    } catch (const c10::Error& e) {
      status = fail(*node, firstLine(e.what_without_backtrace()));
    }
    impl_->current = saved;
    // A converter that failed inside a subgraph it opened leaves it open: close it.
    while (impl_->graphs.size() > depth) endSubgraph();
    if (status.ok) continue;
    if (impl_->diagnostics.size() == before && !status.message.empty()) fail(*node, status.message);
    for (const auto* out : node->outputs()) impl_->poisoned.insert(out);
  }
}

// ---- subgraphs -----------------------------------------------------------------------------

void Context::beginSubgraph(const std::string& name) {
  auto g = std::make_shared<onnx::GraphProto>();
  g->set_name(impl_->freshName(name));
  impl_->open_subgraphs.push_back(g);
  impl_->graphs.push_back(g.get());
}

GraphAttr Context::endSubgraph() {
  if (impl_->open_subgraphs.empty()) throw InternalError("endSubgraph without beginSubgraph");
  GraphAttr g = impl_->open_subgraphs.back();
  impl_->open_subgraphs.pop_back();
  impl_->graphs.pop_back();
  return g;
}

void Context::addSubgraphInput(const std::string& name, DType dtype, const std::optional<std::vector<int64_t>>& shape) {
  auto* vi = impl_->target()->add_input();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(toOnnx(dtype));
  if (!shape) return;
  auto* sh = tt->mutable_shape();
  for (auto d : *shape) {
    auto* dim = sh->add_dim();
    if (d >= 0) dim->set_dim_value(d);
  }
}

void Context::addSubgraphSequenceInput(const std::string& name, DType element) {
  auto* vi = impl_->target()->add_input();
  vi->set_name(name);
  vi->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      toOnnx(element));
}

void Context::addSubgraphSequenceOutput(const std::string& name, DType element) {
  auto* vi = impl_->target()->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      toOnnx(element));
}

void Context::addSubgraphOptionalInput(const std::string& name, DType element) {
  auto* vi = impl_->target()->add_input();
  vi->set_name(name);
  vi->mutable_type()->mutable_optional_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      toOnnx(element));
}

void Context::addSubgraphOptionalOutput(const std::string& name, DType element) {
  auto* vi = impl_->target()->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_optional_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      toOnnx(element));
}

void Context::addSubgraphOutput(const std::string& name, DType dtype) {
  auto* vi = impl_->target()->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(toOnnx(dtype));
}

std::vector<const torch::jit::Block*> Context::blocks(const Node& node) const {
  return {node.blocks().begin(), node.blocks().end()};
}

std::vector<const Value*> Context::blockInputs(const torch::jit::Block* block) const {
  return {block->inputs().begin(), block->inputs().end()};
}

std::vector<const Value*> Context::blockOutputs(const torch::jit::Block* block) const {
  return {block->outputs().begin(), block->outputs().end()};
}

std::string Context::freshName(const std::string& hint) { return impl_->freshName(hint); }

}  // namespace pt2onnx
