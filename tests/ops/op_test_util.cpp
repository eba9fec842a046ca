// Op test helpers: IR text -> prepared graph -> convertGraph.
#include "op_test_util.h"

#include <torch/csrc/jit/ir/irparser.h>
#include <torch/script.h>

#include "core/convert.h"
#include "frontend/frontend.h"

namespace pt2onnx::test {

onnx::ModelProto convertIR(const std::string& ir, const std::vector<std::string>& inputs, int opset,
                           const std::vector<std::string>& dynamic_axes) {
  auto graph = std::make_shared<torch::jit::Graph>();
  torch::jit::parseIR(ir, graph.get());
  cleanupGraph(graph);
  Options options;
  for (const auto& spec : inputs) options.inputs.push_back(parseInputSpec(spec));
  for (const auto& spec : dynamic_axes) options.dynamic_axes.push_back(parseDynamicAxesSpec(spec));
  options.opset = opset;
  return convertGraph(graph, c10::IValue(), options);
}

std::vector<std::string> opTypes(const onnx::ModelProto& model) {
  std::vector<std::string> ops;
  for (const auto& node : model.graph().node()) ops.push_back(node.op_type());
  return ops;
}

int countOps(const onnx::ModelProto& model, const std::string& op_type) {
  int n = 0;
  for (const auto& node : model.graph().node()) n += node.op_type() == op_type;
  return n;
}

const onnx::NodeProto& firstNode(const onnx::ModelProto& model, const std::string& op_type) {
  for (const auto& node : model.graph().node())
    if (node.op_type() == op_type) return node;
  throw std::runtime_error("no " + op_type + " node");
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::string conversionError(const std::string& ir, const std::vector<std::string>& inputs, int opset,
                            const std::vector<std::string>& dynamic_axes) {
  try {
    convertIR(ir, inputs, opset, dynamic_axes);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

int32_t outputType(const onnx::ModelProto& model, int i) {
  return model.graph().output(i).type().tensor_type().elem_type();
}

std::vector<int64_t> outputDims(const onnx::ModelProto& model, int i) {
  std::vector<int64_t> dims;
  for (const auto& d : model.graph().output(i).type().tensor_type().shape().dim())
    dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return dims;
}

}  // namespace pt2onnx::test
