// Evaluates one ONNX node on constant inputs with LibTorch (the shape-arithmetic operators and a
// few elementwise ones that converters leave on constants).
#pragma once

#include <ATen/core/Tensor.h>
#include <onnx/onnx_pb.h>

#include <optional>
#include <vector>

namespace pt2onnx {

// The node's outputs, or nullopt when the operator (or this use of it) is not handled. Missing
// optional inputs are undefined tensors.
std::optional<std::vector<at::Tensor>> evaluateNode(const onnx::NodeProto& node, const std::vector<at::Tensor>& inputs);

}  // namespace pt2onnx
