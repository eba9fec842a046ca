// Norms shared by converter families: vector norms (reductions, linear algebra) and the
// mean/variance normalization (norm layers, the fused transformer layer).
#pragma once

#include <string>
#include <vector>

#include "ops/common.h"

namespace pt2onnx {

// The p-norm of x over axes: ReduceL1/ReduceL2 for p = 1, 2; max/min |x| for +-inf; the count
// of nonzeros for 0; (sum |x|^p)^(1/p) otherwise (src/ops/reduce.cpp).
std::string pNorm(Context& ctx, const std::string& x, double p, const std::vector<int64_t>& axes, bool keepdim,
                  DType dt);

struct Moments {
  std::string y;       // (x - mean) / stddev
  std::string mean;    // keepdims over the normalized axes
  std::string stddev;  // sqrt(var + eps)
};

// Normalizes x over `axes` with the biased variance PyTorch uses:
// y = (x - E[x]) / sqrt(E[(x - E[x])^2] + eps) (src/ops/norm.cpp).
Moments normalize(Context& ctx, const std::string& x, const std::vector<int64_t>& axes, double eps, DType dt);

}  // namespace pt2onnx
