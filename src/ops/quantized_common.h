// Helpers shared by the quantized converters (quantized.cpp, quantized_rnn.cpp).
#pragma once

#include <string>

#include "core/context.h"

namespace pt2onnx {

// DynamicQuantizeLinear's computation with 7 bits (quint8 0..127, what LibTorch's x86 engines use
// when reduce_range is set): scale = (max(x, 0) - min(x, 0)) / 127, zero point round(-min / scale);
// x quantized and dequantized again.
std::string reducedRangeQdq(Context& ctx, const std::string& x);

}  // namespace pt2onnx
