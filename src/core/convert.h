// Internal entry point: convert a prepared TorchScript graph (used by convert() and by op tests).
#pragma once

#include <ATen/core/function_schema.h>
#include <onnx/onnx_pb.h>
#include <torch/csrc/jit/ir/ir.h>

#include <memory>
#include <vector>

#include "io/test_data.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {

class Weights;

// Runs the graph on example inputs from options.inputs, folds static values, converts every node
// and checks the result. `self` is passed as the graph's first input when it is a module.
// Uses options.inputs, output_names, dynamic_axes, opset and check; throws Error.
// `schema` names the arguments and their defaults (null: every graph input is a tensor).
// `test_data`, when given, receives the example runs' inputs and outputs under the ONNX names.
// `weights`, when given, keeps the large initializers' tensors, which the model then holds as
// placeholders for writeModel() to fill (onnx/weights.h); without it the model holds every byte.
onnx::ModelProto convertGraph(std::shared_ptr<torch::jit::Graph> graph, const c10::IValue& self, const Options& options,
                              const c10::FunctionSchema* schema = nullptr,
                              std::vector<TestDataSet>* test_data = nullptr, Weights* weights = nullptr);

}  // namespace pt2onnx
