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
  std::vector<int64_t> shape;                       // -1 for a dimension that changes with a dynamic input axis
  std::vector<int64_t> sizes;                       // sizes seen with the example inputs
  std::vector<std::vector<int64_t>> resized_sizes;  // per run with resized dynamic axes (empty: unseen)
  bool dense = false;  // in every run: contiguous from the start of a storage holding exactly its elements
};

// Keyed by Value::unique(), which a graph never reuses (addresses can be).
using ValueMetaMap = std::unordered_map<size_t, ValueMeta>;

}  // namespace pt2onnx
