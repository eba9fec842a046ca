// Weights of a model saved in float16 or bfloat16 are widened to float32 for conversion (LibTorch's
// CPU kernels compute in float32; src/frontend/half_models.cpp). Written as float32 they would
// double the file. This stage stores each large float32 initializer whose every value is a float16
// (or bfloat16) value back in that type, behind a Cast to FLOAT at the top of the graph: the file
// keeps the size the archive had, the numbers are exactly the same, and runtimes fold the Cast
// when they load the model. A weight computed in float32 (a batch norm folded into a convolution)
// is not exact in 16 bits and stays float32.
#include <ATen/ATen.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "onnx/weights.h"
#include "optimize/optimize.h"

namespace pt2onnx {
namespace {

// Every name the graph gives a value, so new initializer names cannot clash.
std::unordered_set<std::string> graphNames(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> names;
  for (const auto& v : graph.input()) names.insert(v.name());
  for (const auto& v : graph.output()) names.insert(v.name());
  for (const auto& init : graph.initializer()) names.insert(init.name());
  for (const auto& node : graph.node())
    for (const auto& out : node.output()) names.insert(out);
  return names;
}

std::string freshName(const std::string& base, std::unordered_set<std::string>& names) {
  std::string name = base;
  for (int k = 1; names.count(name); ++k) name = base + "_" + std::to_string(k);
  names.insert(name);
  return name;
}

// Whether `narrow` (t in 16 bits) widens back to t exactly. NaNs compare unequal to themselves,
// so they are compared by position.
bool exact(const at::Tensor& t, const at::Tensor& narrow) {
  at::Tensor back = narrow.to(at::kFloat);
  at::Tensor nan = t.isnan();
  if (!nan.equal(back.isnan())) return false;
  return at::where(nan, at::zeros_like(t), t).equal(at::where(nan, at::zeros_like(back), back));
}

}  // namespace

HalfWeightsReport storeHalfWeights(onnx::ModelProto& model, Weights& weights) {
  HalfWeightsReport report;
  onnx::GraphProto& graph = *model.mutable_graph();
  int64_t opset = 0;
  for (const auto& entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx") opset = entry.version();
  std::unordered_set<std::string> names = graphNames(graph);
  std::vector<onnx::NodeProto> casts;
  for (auto& init : *graph.mutable_initializer()) {
    const at::Tensor* held = weights.find(init.name());
    if (!held || init.data_type() != onnx::TensorProto::FLOAT) continue;  // small ones: not worth a node
    at::Tensor t = *held;
    at::Tensor narrow = t.to(at::kHalf);
    bool fits = exact(t, narrow);
    if (!fits && opset >= 13) {  // Cast from BFLOAT16 arrived in opset 13
      narrow = t.to(at::kBFloat16);
      fits = exact(t, narrow);
    }
    if (!fits) {
      ++report.kept_float32;
      continue;
    }
    (narrow.scalar_type() == at::kHalf ? report.float16 : report.bfloat16) += 1;
    report.bytes_saved += static_cast<uint64_t>(t.numel()) * 2;
    const std::string wide = init.name();
    const std::string stored = freshName(wide + (narrow.scalar_type() == at::kHalf ? "_float16" : "_bfloat16"), names);
    weights.set(narrow, stored, &init);
    onnx::NodeProto cast;
    cast.set_op_type("Cast");
    cast.set_name(freshName(stored + "_to_float", names));
    cast.add_input(stored);
    cast.add_output(wide);
    auto* to = cast.add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(onnx::TensorProto::FLOAT);
    casts.push_back(std::move(cast));
  }
  if (casts.empty()) return report;
  weights.retainOnly(graph);  // the float32 tensors: released
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (auto& cast : casts) nodes.Add()->Swap(&cast);
  for (auto& node : *graph.mutable_node()) nodes.Add()->Swap(&node);
  graph.mutable_node()->Swap(&nodes);
  return report;
}

}  // namespace pt2onnx
