// Element types as converters see them; src/onnx/dtype.cpp maps them to ONNX and LibTorch.
#pragma once

#include <cstddef>

namespace pt2onnx {

enum class DType { kUndefined, kFloat, kDouble, kHalf, kBFloat16, kInt8, kInt16, kInt32, kInt64, kUInt8, kBool };

bool isFloating(DType dtype);
bool isIntegral(DType dtype);  // bool excluded
const char* dtypeName(DType dtype);
size_t dtypeBytes(DType dtype);

}  // namespace pt2onnx
