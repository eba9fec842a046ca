// --test-data: the example runs' inputs and outputs, named after the ONNX graph's inputs and outputs.
#include <ATen/ATen.h>

#include <functional>

#include "core/diagnostics.h"
#include "core/stages.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

// Flattens a returned value the way declareOutputs flattens the graph's outputs: tuples, lists and
// dict values depth-first; Python numbers become 0-d tensors (int64, float32, bool).
void flatten(const c10::IValue& v, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) flatten(e, out);
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) flatten(e, out);
  } else if (v.isGenericDict()) {
    for (const auto& entry : v.toGenericDict()) flatten(entry.value(), out);
  } else if (v.isInt()) {
    out.push_back(at::scalar_tensor(v.toInt(), at::kLong));
  } else if (v.isDouble()) {
    out.push_back(at::scalar_tensor(v.toDouble(), at::kFloat));
  } else if (v.isBool()) {
    out.push_back(at::scalar_tensor(v.toBool(), at::kBool));
  } else if (v.isNone()) {
    // Not a graph output either (declareOutputs leaves None results out).
  } else {
    throw Error(ExitCode::kUsage,
                std::string("--test-data: the model returns a ") + v.tagKind() + ", which has no ONNX tensor form");
  }
}

}  // namespace

std::vector<TestDataSet> testDataSets(const ExampleRuns& runs, const std::vector<ExampleInput>& inputs,
                                      const onnx::GraphProto& graph) {
  std::vector<TestDataSet> sets;
  for (size_t r = 0; r < runs.inputs.size(); ++r) {
    TestDataSet set;
    if (runs.inputs[r].size() != static_cast<size_t>(graph.input_size()) || inputs.size() != runs.inputs[r].size())
      throw InternalError("test data: the example run has a different number of inputs than the ONNX graph");
    for (size_t i = 0; i < inputs.size(); ++i) {
      const c10::IValue& v = runs.inputs[r][i];
      const auto dtype = toTorch(fromInput(inputs[i].dtype));
      // In the ONNX input's dtype (a widened float16 model ran on float32 copies of float16 values).
      at::Tensor t = v.isTensor() ? v.toTensor().to(dtype) : at::scalar_tensor(v.toScalar(), dtype);
      set.inputs.push_back({graph.input(i).name(), t});
    }
    std::vector<at::Tensor> values;
    for (const auto& v : runs.outputs[r]) flatten(v, values);
    if (values.size() != static_cast<size_t>(graph.output_size()))
      throw InternalError("test data: the model returned " + std::to_string(values.size()) +
                          " tensors but the ONNX graph has " + std::to_string(graph.output_size()) + " outputs");
    for (size_t k = 0; k < values.size(); ++k) {
      at::Tensor t = values[k];
      if (t.is_quantized()) t = t.dequantize();  // ONNX holds quantized values dequantized
      const auto& type = graph.output(k).type().tensor_type();
      // Python numbers are 0-d tensors of the ONNX output's type (a float may be float32 or float64).
      const DType want = type.has_elem_type() ? fromOnnx(type.elem_type()) : DType::kUndefined;
      if (t.dim() == 0 && want != DType::kUndefined && fromTorch(t.scalar_type()) != want) t = t.to(toTorch(want));
      set.outputs.push_back({graph.output(k).name(), t});
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace pt2onnx
