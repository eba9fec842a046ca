// DType table: every conversion between element-type vocabularies goes through kTable.
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

struct Row {
  DType dtype;
  onnx::TensorProto_DataType onnx;
  c10::ScalarType torch;
  const char* name;
  size_t bytes;
};

constexpr Row kTable[] = {
    {DType::kFloat, onnx::TensorProto_DataType_FLOAT, c10::ScalarType::Float, "float32", 4},
    {DType::kDouble, onnx::TensorProto_DataType_DOUBLE, c10::ScalarType::Double, "float64", 8},
    {DType::kHalf, onnx::TensorProto_DataType_FLOAT16, c10::ScalarType::Half, "float16", 2},
    {DType::kBFloat16, onnx::TensorProto_DataType_BFLOAT16, c10::ScalarType::BFloat16, "bfloat16", 2},
    {DType::kInt8, onnx::TensorProto_DataType_INT8, c10::ScalarType::Char, "int8", 1},
    {DType::kInt16, onnx::TensorProto_DataType_INT16, c10::ScalarType::Short, "int16", 2},
    {DType::kInt32, onnx::TensorProto_DataType_INT32, c10::ScalarType::Int, "int32", 4},
    {DType::kInt64, onnx::TensorProto_DataType_INT64, c10::ScalarType::Long, "int64", 8},
    {DType::kUInt8, onnx::TensorProto_DataType_UINT8, c10::ScalarType::Byte, "uint8", 1},
    {DType::kBool, onnx::TensorProto_DataType_BOOL, c10::ScalarType::Bool, "bool", 1},
};

const Row* row(DType dtype) {
  for (const auto& r : kTable)
    if (r.dtype == dtype) return &r;
  return nullptr;
}

}  // namespace

bool isFloating(DType dtype) {
  return dtype == DType::kFloat || dtype == DType::kDouble || dtype == DType::kHalf || dtype == DType::kBFloat16;
}

bool isIntegral(DType dtype) {
  return dtype == DType::kInt8 || dtype == DType::kInt16 || dtype == DType::kInt32 || dtype == DType::kInt64 ||
         dtype == DType::kUInt8;
}

const char* dtypeName(DType dtype) {
  const Row* r = row(dtype);
  return r ? r->name : "undefined";
}

size_t dtypeBytes(DType dtype) {
  const Row* r = row(dtype);
  return r ? r->bytes : 0;
}

onnx::TensorProto_DataType toOnnx(DType dtype) {
  const Row* r = row(dtype);
  return r ? r->onnx : onnx::TensorProto_DataType_UNDEFINED;
}

c10::ScalarType toTorch(DType dtype) {
  const Row* r = row(dtype);
  return r ? r->torch : c10::ScalarType::Undefined;
}

DType fromOnnx(int32_t type) {
  for (const auto& r : kTable)
    if (r.onnx == type) return r.dtype;
  return DType::kUndefined;
}

DType fromTorch(c10::ScalarType type) {
  for (const auto& r : kTable)
    if (r.torch == type) return r.dtype;
  return DType::kUndefined;
}

DType fromInput(InputDType dtype) {
  switch (dtype) {
    case InputDType::kFloat32:
      return DType::kFloat;
    case InputDType::kFloat16:
      return DType::kHalf;
    case InputDType::kFloat64:
      return DType::kDouble;
    case InputDType::kInt64:
      return DType::kInt64;
    case InputDType::kInt32:
      return DType::kInt32;
    case InputDType::kInt8:
      return DType::kInt8;
    case InputDType::kUInt8:
      return DType::kUInt8;
    case InputDType::kBool:
      return DType::kBool;
  }
  return DType::kUndefined;
}

}  // namespace pt2onnx
