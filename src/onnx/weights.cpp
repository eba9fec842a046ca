// Initializers whose data stays in LibTorch tensors until the model is written.
#include "onnx/weights.h"

#include <ATen/ATen.h>

#include <sstream>
#include <unordered_set>

#include "onnx/dtype.h"
#include "onnx/tensor.h"

namespace pt2onnx {
namespace {

uint64_t tensorBytes(const at::Tensor& t) { return static_cast<uint64_t>(t.numel()) * t.element_size(); }

std::string storageKey(const at::Tensor& t) {
  std::ostringstream key;
  key << t.data_ptr() << ":" << c10::toString(t.scalar_type()) << t.sizes();
  return key.str();
}

}  // namespace

std::string Weights::add(const at::Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  if (tensorBytes(t) < kMinBytes || fromTorch(t.scalar_type()) == DType::kUndefined) {  // the latter throws
    toTensorProto(t, name, proto);
    return name;
  }
  auto [it, fresh] = by_storage_.emplace(storageKey(t), name);
  if (!fresh) return it->second;
  toTensorProto(t.new_empty({0}), name, proto);  // name and dtype
  proto->clear_dims();
  for (auto d : t.sizes()) proto->add_dims(d);
  proto->set_raw_data(std::string(1, '\0'));
  tensors_.emplace(name, std::move(t));
  return name;
}

void Weights::set(const at::Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  auto old = tensors_.find(name);
  if (old != tensors_.end()) {
    // Its storage may be freed and reused: a later add() must not take the new tensor for it.
    auto key = by_storage_.find(storageKey(old->second));
    if (key != by_storage_.end() && key->second == name) by_storage_.erase(key);
    tensors_.erase(old);
  }
  proto->Clear();
  at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  if (tensorBytes(t) < kMinBytes) {
    toTensorProto(t, name, proto);
    return;
  }
  toTensorProto(t.new_empty({0}), name, proto);
  proto->clear_dims();
  for (auto d : t.sizes()) proto->add_dims(d);
  proto->set_raw_data(std::string(1, '\0'));
  tensors_.emplace(name, std::move(t));
}

const at::Tensor* Weights::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void Weights::retainOnly(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> kept;
  for (const auto& init : graph.initializer()) kept.insert(init.name());
  for (auto it = tensors_.begin(); it != tensors_.end();)
    it = kept.count(it->first) ? std::next(it) : tensors_.erase(it);
}

uint64_t Weights::bytes(const onnx::TensorProto& init) const {
  const at::Tensor* t = find(init.name());
  return t ? tensorBytes(*t) : init.raw_data().size();
}

void Weights::embed(onnx::GraphProto& graph) {
  for (auto& init : *graph.mutable_initializer()) {
    auto it = tensors_.find(init.name());
    if (it == tensors_.end()) continue;
    init.set_raw_data(it->second.data_ptr(), tensorBytes(it->second));
    tensors_.erase(it);
  }
  tensors_.clear();
  by_storage_.clear();
}

}  // namespace pt2onnx
