// Initializers whose data stays in LibTorch tensors until the model is written.
#pragma once

#include <ATen/core/Tensor.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace pt2onnx {

// The weights of a model in conversion, kept once: an initializer of kMinBytes or more holds its
// name, dtype and dims in the ModelProto and a one-byte placeholder in raw_data (the checker wants
// a value field; shape inference reads the data of shape inputs only, which are far smaller), and
// the tensor stays here. writeModel() streams each tensor's bytes in place of its placeholder, so
// no copy of the weights is ever made in protobuf strings.
class Weights {
 public:
  static constexpr size_t kMinBytes = 4096;

  // Fills `proto` (name, dtype, dims) from `tensor` (CPU, contiguous) and keeps the tensor when it
  // has kMinBytes or more; smaller ones get their raw_data. Returns the name of an earlier
  // initializer with the same storage, dtype and dims instead (shared weights are written once);
  // `proto` is then left empty for the caller to drop.
  std::string add(const at::Tensor& tensor, const std::string& name, onnx::TensorProto* proto);
  // Sets the initializer `name` to `tensor` (CPU, contiguous), never shared with another one: a
  // tensor already held under that name is released. For values computed from weights (folds).
  void set(const at::Tensor& tensor, const std::string& name, onnx::TensorProto* proto);
  // Sets the initializer `name` to `base` (CPU, contiguous, float32 or float64) with each slice
  // along `dim` multiplied by that entry of `scale` (1-D, base's dtype, base.size(dim) entries).
  // The products are computed as the bytes are written, so a fold into a weight (batch norm into a
  // convolution) costs neither memory nor a pass of its own; find() computes them when asked.
  void setScaled(const at::Tensor& base, const at::Tensor& scale, int64_t dim, const std::string& name,
                 onnx::TensorProto* proto);
  // Whether the initializer's data is held here (its proto has a placeholder).
  bool holds(const std::string& name) const { return tensors_.count(name) || scaled_.count(name); }
  // The tensor behind a placeholder (a scaled one is computed now and kept), or null when the
  // initializer holds its own data.
  const at::Tensor* find(const std::string& name);
  // Hands the bytes behind a placeholder to `write` in order, in one or more pieces; false when
  // `write` returns false or `name` is not held.
  bool stream(const std::string& name, const std::function<bool(const void*, uint64_t)>& write) const;
  // Forgets tensors whose initializers are no longer in the graph.
  void retainOnly(const onnx::GraphProto& graph);
  // Bytes of the initializer's data, wherever it is held.
  uint64_t bytes(const onnx::TensorProto& init) const;
  // Replaces every placeholder by the tensor's bytes and empties the store (for callers that keep
  // the ModelProto in memory instead of writing it).
  void embed(onnx::GraphProto& graph);
  bool empty() const { return tensors_.empty() && scaled_.empty(); }

 private:
  struct Scaled {
    at::Tensor base, scale;
    int64_t dim;
  };
  void forget(const std::string& name);

  std::unordered_map<std::string, at::Tensor> tensors_;
  std::unordered_map<std::string, Scaled> scaled_;
  std::unordered_map<std::string, std::string> by_storage_;  // storage, dtype and dims -> name
};

}  // namespace pt2onnx
