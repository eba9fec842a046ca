// Vector norms shared by the reduction and linear-algebra converter families.
#pragma once

#include <string>
#include <vector>

#include "ops/common.h"

namespace pt2onnx {

// The p-norm of x over axes: ReduceL1/ReduceL2 for p = 1, 2; max/min |x| for +-inf; the count
// of nonzeros for 0; (sum |x|^p)^(1/p) otherwise (src/ops/reduce.cpp).
std::string pNorm(Context& ctx, const std::string& x, double p, const std::vector<int64_t>& axes, bool keepdim,
                  DType dt);

}  // namespace pt2onnx
