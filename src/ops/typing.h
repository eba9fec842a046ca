// Element types ONNX accepts per operator and opset, and emitting around the gaps by casting.
#pragma once

#include <string>
#include <vector>

#include "core/context.h"

namespace pt2onnx {

// True when ONNX's schema of op_type at `opset` accepts element type `dtype` on input `index`.
bool onnxAccepts(const std::string& op_type, int opset, size_t index, DType dtype);

// The element type to compute op_type in for operands of `dtype`: `dtype` itself when the schema
// accepts it, else the narrowest accepted type that holds every value (int8/uint8/int16 ->
// int32 -> int64, float16/bfloat16 -> float); kUndefined when there is none.
DType computeDType(const std::string& op_type, int opset, DType dtype, size_t index = 0);

// Emits op_type on inputs that all have element type `dtype`, computing in computeDType() and
// casting the result back to `dtype`. Throws ConvertError naming the op when no type fits.
std::string emitTyped(Context& ctx, const std::string& op_type, const std::vector<std::string>& inputs, DType dtype,
                      const std::vector<Attr>& attrs = {});

// elu(x) with the given alpha. ONNX Runtime has no float64 Elu kernel (the schema allows it), so
// float64 is computed exactly as Where(x > 0, x, alpha * (exp(min(x, 0)) - 1)).
std::string emitElu(Context& ctx, const std::string& x, double alpha, DType dtype);

// a % b of integers without Mod (before opset 10): a - b * (a / b) with truncating division, the
// sign of a (fmod); with sign_of_b, b added where the signs differ (remainder). Exact.
std::string integerRemainder(Context& ctx, const std::string& a, const std::string& b, DType dtype, bool sign_of_b);

// Python floor division of a by b, both of element type `dtype`.
std::string floorDivide(Context& ctx, const std::string& a, const std::string& b, DType dtype);

}  // namespace pt2onnx
