// Helpers shared by the quantized converters (quantized.cpp, quantized_rnn.cpp).
#pragma once

#include <string>

#include "core/context.h"

namespace pt2onnx {

// x quantized per call over its own range and dequantized again, as LibTorch's dynamic linear layers
// take their input: DynamicQuantizeLinear (8 bits), or its computation with 7 bits when reduce_range
// is set (quint8 0..127, what LibTorch's x86 engines use): scale = (max(x, 0) - min(x, 0)) / 127,
// zero point round(-min / scale).
std::string dynamicQdq(Context& ctx, const std::string& x, bool reduce_range);

}  // namespace pt2onnx
