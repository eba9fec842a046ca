// Element type and shape of each TorchScript value, as learned by running the model.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/dtype.h"

namespace torch::jit {
struct Value;
}

namespace pt2onnx {

struct ValueMeta {
  DType dtype = DType::kUndefined;
  std::vector<int64_t> shape;  // -1 for a dimension that changes with a dynamic input axis
  std::vector<int64_t> sizes;  // sizes seen with the example inputs
  std::vector<int64_t> sizes2; // sizes seen with the resized inputs (empty: no second run)
};

// Keyed by Value::unique(), which a graph never reuses (addresses can be).
using ValueMetaMap = std::unordered_map<size_t, ValueMeta>;

}  // namespace pt2onnx
