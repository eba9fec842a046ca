// LibTorch tensors to ONNX TensorProto.
#pragma once

#include <ATen/core/Tensor.h>
#include <onnx/onnx_pb.h>

#include <string>

namespace pt2onnx {

// Fills proto (name, dtype, dims, raw_data) from a CPU copy of the tensor. Throws ConvertError for
// element types ONNX cannot hold.
void toTensorProto(const at::Tensor& tensor, const std::string& name, onnx::TensorProto* proto);

}  // namespace pt2onnx
