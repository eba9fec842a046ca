// Element type and shape of each TorchScript value, as learned by running the model.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/dtype.h"

namespace torch::jit {
struct Value;
}

namespace pt2onnx {

// The quantization of a value that was a quantized tensor in the example runs. ONNX holds such a
// value as floats on its quantization grid (dequantized), so its dtype is kFloat.
struct Quantization {
  DType storage = DType::kUndefined;  // kUInt8 (quint8) or kInt8 (qint8); kUndefined: no 8-bit ONNX form
  std::vector<double> scales;         // one per tensor, or one per channel along `axis`
  std::vector<int64_t> zero_points;
  int64_t axis = -1;    // -1: per tensor
  bool varies = false;  // the parameters changed between example runs (computed from the data)
  bool operator==(const Quantization& o) const {
    return storage == o.storage && scales == o.scales && zero_points == o.zero_points && axis == o.axis;
  }
};

struct ValueMeta {
  DType dtype = DType::kUndefined;
  std::optional<Quantization> quant;                // set for quantized tensors (dtype is then kFloat)
  std::vector<int64_t> shape;                       // -1 for a dimension that changes with a dynamic input axis
  std::vector<int64_t> sizes;                       // sizes seen with the example inputs
  std::vector<std::vector<int64_t>> resized_sizes;  // per run with resized dynamic axes (empty: unseen)
  bool dense = false;  // in every run: contiguous from the start of a storage holding exactly its elements
};

// Keyed by Value::unique(), which a graph never reuses (addresses can be).
using ValueMetaMap = std::unordered_map<size_t, ValueMeta>;

}  // namespace pt2onnx
