// The one table between pt2onnx's DType, ONNX's TensorProto_DataType and LibTorch's ScalarType.
#pragma once

#include <c10/core/ScalarType.h>
#include <onnx/onnx_pb.h>

#include "core/dtype.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {

onnx::TensorProto_DataType toOnnx(DType dtype);
c10::ScalarType toTorch(DType dtype);
DType fromTorch(c10::ScalarType type);
DType fromOnnx(
    int32_t type);  // kUndefined for ONNX types pt2onnx does not handle  // kUndefined for types ONNX cannot hold
DType fromInput(InputDType dtype);

}  // namespace pt2onnx
