// Helpers shared by the recurrent converters (rnn.cpp, quantized_rnn.cpp).
#pragma once

#include <string>
#include <utility>

#include "core/context.h"

namespace pt2onnx {

// One LSTM step from its pre-activation gates (PyTorch's order i, f, g, o, each `hidden` wide along
// `axis`) and the cell state c: {o * tanh(c'), c'} with c' = sigmoid(f) c + sigmoid(i) tanh(g).
std::pair<std::string, std::string> lstmStep(Context& ctx, const std::string& gates, const std::string& c,
                                             int64_t hidden, int64_t axis);

}  // namespace pt2onnx
