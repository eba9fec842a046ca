// Initializers whose data stays in LibTorch tensors until the model is written.
#include "onnx/weights.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <sstream>
#include <unordered_set>
#include <vector>

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

// An initializer's name, dtype and dims from `t`, with a one-byte placeholder for its data.
void fillPlaceholder(const at::Tensor& t, const std::string& name, onnx::TensorProto* proto) {
  toTensorProto(t.new_empty({0}), name, proto);  // name and dtype
  proto->clear_dims();
  for (auto d : t.sizes()) proto->add_dims(d);
  proto->set_raw_data(std::string(1, '\0'));
}

// `base` with each slice along `dim` multiplied by that entry of `scale`.
at::Tensor scaledProduct(const at::Tensor& base, const at::Tensor& scale, int64_t dim) {
  std::vector<int64_t> shape(base.dim(), 1);
  shape[dim] = scale.numel();
  return base * scale.reshape(shape);
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
  fillPlaceholder(t, name, proto);
  tensors_.emplace(name, std::move(t));
  return name;
}

void Weights::forget(const std::string& name) {
  scaled_.erase(name);
  auto old = tensors_.find(name);
  if (old != tensors_.end()) {
    // Its storage may be freed and reused: a later add() must not take the new tensor for it.
    auto key = by_storage_.find(storageKey(old->second));
    if (key != by_storage_.end() && key->second == name) by_storage_.erase(key);
    tensors_.erase(old);
  }
}

void Weights::set(const at::Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  forget(name);
  proto->Clear();
  at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  if (tensorBytes(t) < kMinBytes) {
    toTensorProto(t, name, proto);
    return;
  }
  fillPlaceholder(t, name, proto);
  tensors_.emplace(name, std::move(t));
}

void Weights::setScaled(const at::Tensor& base, const at::Tensor& scale, int64_t dim, const std::string& name,
                        onnx::TensorProto* proto) {
  TORCH_CHECK(base.is_contiguous() && (base.scalar_type() == at::kFloat || base.scalar_type() == at::kDouble) &&
                  dim >= 0 && dim < base.dim() && scale.dim() == 1 && scale.numel() == base.size(dim) &&
                  scale.scalar_type() == base.scalar_type(),
              "Weights::setScaled: a contiguous float32 or float64 base and one scale per slice along dim");
  const at::Tensor kept_base = base;  // `base` may be the tensor held under `name`
  forget(name);
  proto->Clear();
  if (tensorBytes(kept_base) < kMinBytes) {
    toTensorProto(scaledProduct(kept_base, scale, dim), name, proto);
    return;
  }
  fillPlaceholder(kept_base, name, proto);
  scaled_.emplace(name, Scaled{kept_base, scale.contiguous(), dim});
}

const at::Tensor* Weights::find(const std::string& name) {
  auto scaled = scaled_.find(name);
  if (scaled != scaled_.end()) {
    at::Tensor product = scaledProduct(scaled->second.base, scaled->second.scale, scaled->second.dim);
    scaled_.erase(scaled);
    return &tensors_.insert_or_assign(name, std::move(product)).first->second;
  }
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

namespace {

// The products of a scaled weight, a piece at a time: each element times its slice's scale, the
// same single rounding as the elementwise multiply find() does, so both give the same bytes.
template <typename T>
bool streamProducts(const at::Tensor& base, const at::Tensor& scale, int64_t dim,
                    const std::function<bool(const void*, uint64_t)>& write) {
  constexpr size_t kPiece = size_t{1} << 16;  // elements
  std::vector<T> piece(kPiece);
  const T* values = base.data_ptr<T>();
  const T* factors = scale.data_ptr<T>();
  const int64_t channels = base.size(dim);
  int64_t outer = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= base.size(d);
  const int64_t inner = channels == 0 || outer == 0 ? 0 : base.numel() / (outer * channels);
  size_t used = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      const T factor = factors[c];
      const T* row = values + (o * channels + c) * inner;
      for (int64_t i = 0; i < inner;) {
        const size_t n = std::min(static_cast<size_t>(inner - i), kPiece - used);
        T* out = piece.data() + used;
        for (size_t j = 0; j < n; ++j) out[j] = row[i + static_cast<int64_t>(j)] * factor;
        used += n;
        i += static_cast<int64_t>(n);
        if (used == kPiece) {
          if (!write(piece.data(), used * sizeof(T))) return false;
          used = 0;
        }
      }
    }
  return used == 0 || write(piece.data(), used * sizeof(T));
}

}  // namespace

bool Weights::stream(const std::string& name, const std::function<bool(const void*, uint64_t)>& write) const {
  auto scaled = scaled_.find(name);
  if (scaled != scaled_.end()) {
    const Scaled& s = scaled->second;
    return s.base.scalar_type() == at::kDouble ? streamProducts<double>(s.base, s.scale, s.dim, write)
                                               : streamProducts<float>(s.base, s.scale, s.dim, write);
  }
  auto it = tensors_.find(name);
  return it != tensors_.end() && write(it->second.data_ptr(), tensorBytes(it->second));
}

void Weights::retainOnly(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> kept;
  for (const auto& init : graph.initializer()) kept.insert(init.name());
  for (auto it = tensors_.begin(); it != tensors_.end();)
    it = kept.count(it->first) ? std::next(it) : tensors_.erase(it);
  for (auto it = scaled_.begin(); it != scaled_.end();) it = kept.count(it->first) ? std::next(it) : scaled_.erase(it);
}

uint64_t Weights::bytes(const onnx::TensorProto& init) const {
  if (auto it = scaled_.find(init.name()); it != scaled_.end()) return tensorBytes(it->second.base);
  auto it = tensors_.find(init.name());
  return it != tensors_.end() ? tensorBytes(it->second) : init.raw_data().size();
}

void Weights::embed(onnx::GraphProto& graph) {
  for (auto& init : *graph.mutable_initializer()) {
    if (scaled_.count(init.name())) find(init.name());
    auto it = tensors_.find(init.name());
    if (it == tensors_.end()) continue;
    init.set_raw_data(it->second.data_ptr(), tensorBytes(it->second));
    tensors_.erase(it);
  }
  tensors_.clear();
  scaled_.clear();
  by_storage_.clear();
}

}  // namespace pt2onnx
