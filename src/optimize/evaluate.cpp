// Evaluates one ONNX node on constant inputs with LibTorch (the shape-arithmetic operators and a
// few elementwise ones that converters leave on constants).
#include "optimize/evaluate.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "onnx/dtype.h"
#include "optimize/graph_state.h"

namespace pt2onnx {
namespace {

using Tensors = std::vector<at::Tensor>;
using Result = std::optional<Tensors>;

int64_t intAttr(const onnx::NodeProto& node, const char* name, int64_t fallback) {
  const auto* a = attribute(node, name);
  return a ? a->i() : fallback;
}

std::vector<int64_t> values(const at::Tensor& t) {
  at::Tensor v = t.to(at::kLong).contiguous().flatten();
  return {v.data_ptr<int64_t>(), v.data_ptr<int64_t>() + v.numel()};
}

// Integer list from an attribute (older opsets) or the input at `index` (newer ones).
std::optional<std::vector<int64_t>> ints(const onnx::NodeProto& node, const Tensors& in, const char* name,
                                         size_t index) {
  if (const auto* a = attribute(node, name)) return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  if (index < in.size() && in[index].defined()) return values(in[index]);
  return std::nullopt;
}

int64_t normAxis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

bool integral(const at::Tensor& t) { return !at::isFloatingType(t.scalar_type()) && t.scalar_type() != at::kBool; }

Result unsqueeze(const onnx::NodeProto& node, const Tensors& in) {
  auto axes = ints(node, in, "axes", 1);
  if (!axes) return std::nullopt;
  const int64_t rank = in[0].dim() + static_cast<int64_t>(axes->size());
  for (auto& a : *axes) a = normAxis(a, rank);
  std::sort(axes->begin(), axes->end());
  at::Tensor t = in[0];
  for (auto a : *axes) t = t.unsqueeze(a);
  return Tensors{t};
}

Result squeeze(const onnx::NodeProto& node, const Tensors& in) {
  auto axes = ints(node, in, "axes", 1);
  at::Tensor t = in[0];
  if (!axes) {
    axes.emplace();
    for (int64_t d = 0; d < t.dim(); ++d)
      if (t.size(d) == 1) axes->push_back(d);
  }
  for (auto& a : *axes) a = normAxis(a, t.dim());
  std::sort(axes->rbegin(), axes->rend());
  for (auto a : *axes) {
    if (t.size(a) != 1) return std::nullopt;
    t = t.squeeze(a);
  }
  return Tensors{t};
}

Result gather(const onnx::NodeProto& node, const Tensors& in) {
  const at::Tensor& data = in[0];
  const int64_t axis = normAxis(intAttr(node, "axis", 0), data.dim());
  at::Tensor idx = in[1].to(at::kLong);
  idx = at::where(idx < 0, idx + data.size(axis), idx);
  if (idx.numel() > 0 && (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= data.size(axis)))
    return std::nullopt;
  std::vector<int64_t> shape(data.sizes().begin(), data.sizes().begin() + axis);
  for (auto d : idx.sizes()) shape.push_back(d);
  for (int64_t d = axis + 1; d < data.dim(); ++d) shape.push_back(data.size(d));
  return Tensors{data.index_select(axis, idx.flatten()).reshape(shape)};
}

Result slice(const onnx::NodeProto& node, const Tensors& in) {
  auto starts = ints(node, in, "starts", 1), ends = ints(node, in, "ends", 2);
  if (!starts || !ends || starts->size() != ends->size()) return std::nullopt;
  auto axes = ints(node, in, "axes", 3), steps = ints(node, in, "steps", 4);
  at::Tensor t = in[0];
  for (size_t k = 0; k < starts->size(); ++k) {
    const int64_t axis = normAxis(axes ? (*axes)[k] : static_cast<int64_t>(k), t.dim());
    const int64_t dim = t.size(axis), step = steps ? (*steps)[k] : 1;
    if (step == 0) return std::nullopt;
    int64_t start = (*starts)[k], end = (*ends)[k];
    if (start < 0) start += dim;
    if (end < 0 && end > INT64_MIN / 2) end += dim;
    // Clamping as the spec says: [0, dim] going forward, [-1, dim - 1] going backward.
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    std::vector<int64_t> picks;
    for (int64_t i = start; step > 0 ? i < end : i > end; i += step) picks.push_back(i);
    t = t.index_select(axis, at::tensor(picks, at::kLong));
  }
  return Tensors{t};
}

Result range(const Tensors& in) {
  if (!integral(in[0])) return std::nullopt;  // float steps accumulate differently in runtimes
  const int64_t start = in[0].item<int64_t>(), limit = in[1].item<int64_t>(), delta = in[2].item<int64_t>();
  if (delta == 0) return std::nullopt;
  std::vector<int64_t> out;
  for (int64_t v = start; delta > 0 ? v < limit : v > limit; v += delta) out.push_back(v);
  return Tensors{at::tensor(out, at::kLong).to(in[0].scalar_type())};
}

std::optional<std::vector<int64_t>> reshapeTarget(const onnx::NodeProto& node, const at::Tensor& data,
                                                  std::vector<int64_t> shape) {
  const bool allow_zero = intAttr(node, "allowzero", 0) != 0;
  int64_t known = 1, infer = -1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 0 && !allow_zero) {
      if (static_cast<int64_t>(k) >= data.dim()) return std::nullopt;
      shape[k] = data.size(static_cast<int64_t>(k));
    }
    if (shape[k] == -1) {
      if (infer >= 0) return std::nullopt;
      infer = static_cast<int64_t>(k);
      continue;
    }
    known *= shape[k];
  }
  if (infer >= 0) {
    if (known == 0 || data.numel() % known) return std::nullopt;
    shape[infer] = data.numel() / known;
  }
  return shape;
}

Result expand(const Tensors& in) {
  std::vector<int64_t> shape = values(in[1]);
  std::vector<int64_t> out(std::max<size_t>(shape.size(), in[0].dim()), 1);
  // Two-way broadcasting: dims are aligned from the right, a 1 takes the other side's size.
  for (size_t k = 0; k < out.size(); ++k) {
    const int64_t a = k < static_cast<size_t>(in[0].dim()) ? in[0].size(in[0].dim() - 1 - k) : 1;
    const int64_t b = k < shape.size() ? shape[shape.size() - 1 - k] : 1;
    if (a != b && a != 1 && b != 1) return std::nullopt;
    out[out.size() - 1 - k] = a == 1 ? b : a;
  }
  return Tensors{in[0].expand(out).contiguous()};
}

Result scatterND(const onnx::NodeProto& node, const Tensors& in) {
  if (attribute(node, "reduction") && attribute(node, "reduction")->s() != "none") return std::nullopt;
  at::Tensor data = in[0].clone().contiguous();
  const at::Tensor& idx = in[1];
  const int64_t k = idx.size(-1);
  if (k > data.dim()) return std::nullopt;
  std::vector<int64_t> prefix(data.sizes().begin(), data.sizes().begin() + k);
  at::Tensor rows = idx.to(at::kLong).reshape({-1, k});
  at::Tensor linear = at::zeros({rows.size(0)}, at::kLong);
  for (int64_t j = 0; j < k; ++j) {
    at::Tensor col = rows.select(1, j);
    col = at::where(col < 0, col + prefix[j], col);
    if (col.numel() && (col.min().item<int64_t>() < 0 || col.max().item<int64_t>() >= prefix[j])) return std::nullopt;
    linear = linear * prefix[j] + col;
  }
  int64_t block = 1, count = 1;
  for (int64_t d = k; d < data.dim(); ++d) block *= data.size(d);
  for (auto p : prefix) count *= p;
  at::Tensor flat = data.view({count, block});
  flat.index_put_({linear}, in[2].reshape({-1, block}).to(data.scalar_type()));
  return Tensors{data};
}

Result split(const onnx::NodeProto& node, const Tensors& in) {
  const at::Tensor& t = in[0];
  const int64_t axis = normAxis(intAttr(node, "axis", 0), t.dim());
  auto sizes = ints(node, in, "split", 1);
  const int64_t n = node.output_size();
  if (!sizes) {
    if (t.size(axis) % n) return std::nullopt;
    sizes = std::vector<int64_t>(n, t.size(axis) / n);
  }
  if (static_cast<int64_t>(sizes->size()) != n) return std::nullopt;
  Tensors out;
  for (auto& part : t.split_with_sizes(*sizes, axis)) out.push_back(part.contiguous());
  return out;
}

Result constantOfShape(const onnx::NodeProto& node, const Tensors& in) {
  at::Tensor value = at::zeros({1}, at::kFloat);
  if (const auto* a = attribute(node, "value")) {
    const DType dtype = fromOnnx(a->t().data_type());
    if (dtype == DType::kUndefined || a->t().raw_data().empty()) return std::nullopt;
    value = at::empty({1}, toTorch(dtype));
    if (a->t().raw_data().size() != static_cast<size_t>(value.element_size())) return std::nullopt;
    std::memcpy(value.data_ptr(), a->t().raw_data().data(), a->t().raw_data().size());
  }
  return Tensors{value.reshape({}).expand(values(in[0])).contiguous()};
}

// Elementwise ops of two inputs with the same type; integer division truncates (as runtimes do).
Result binary(const std::string& op, const onnx::NodeProto& node, const Tensors& in) {
  const at::Tensor &a = in[0], &b = in[1];
  if (a.scalar_type() != b.scalar_type()) return std::nullopt;
  if (op == "Add") return Tensors{a + b};
  if (op == "Sub") return Tensors{a - b};
  if (op == "Mul") return Tensors{a * b};
  if (op == "Div") {
    if (!integral(a)) return Tensors{a / b};
    if ((b == 0).any().item<bool>()) return std::nullopt;
    return Tensors{at::div(a, b, "trunc")};
  }
  if (op == "Mod") {
    if (!integral(a) || (b == 0).any().item<bool>()) return std::nullopt;
    return Tensors{intAttr(node, "fmod", 0) ? at::fmod(a, b) : at::remainder(a, b)};
  }
  if (op == "Equal") return Tensors{a == b};
  if (op == "Less") return Tensors{a < b};
  if (op == "Greater") return Tensors{a > b};
  if (op == "LessOrEqual") return Tensors{a <= b};
  if (op == "GreaterOrEqual") return Tensors{a >= b};
  if (op == "And") return Tensors{at::logical_and(a, b)};
  if (op == "Or") return Tensors{at::logical_or(a, b)};
  if (op == "Min") return Tensors{at::minimum(a, b)};
  if (op == "Max") return Tensors{at::maximum(a, b)};
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<at::Tensor>> evaluateNode(const onnx::NodeProto& node, const std::vector<at::Tensor>& in) {
  const std::string& op = node.op_type();
  if (!node.domain().empty() || in.empty() || !in[0].defined()) return std::nullopt;
  for (const auto& t : in)
    if (t.defined() && (t.is_complex() || t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16))
      return std::nullopt;
  if (op == "Identity") return Tensors{in[0]};
  if (op == "Cast") {
    const DType to = fromOnnx(static_cast<int32_t>(intAttr(node, "to", 0)));
    if (to == DType::kUndefined || to == DType::kHalf || to == DType::kBFloat16) return std::nullopt;
    // Float to integer casts of NaN, infinities and out-of-range values differ between runtimes:
    // only casts of values every runtime truncates alike are folded.
    if (at::isFloatingType(in[0].scalar_type()) && !at::isFloatingType(toTorch(to))) {
      if (to == DType::kBool) return std::nullopt;
      const int bits = to == DType::kInt8 || to == DType::kUInt8 ? 8
                       : to == DType::kInt16                     ? 16
                       : to == DType::kInt32                     ? 32
                                                                 : 64;
      const double low = to == DType::kUInt8 ? 0.0 : -std::ldexp(1.0, bits - 1);
      const double high = to == DType::kUInt8 ? 256.0 : std::ldexp(1.0, bits - 1);  // exclusive
      const at::Tensor v = in[0].to(at::kDouble);
      if (v.numel() &&
          !(at::isfinite(v).all().item<bool>() && (v > low - 1).all().item<bool>() && (v < high).all().item<bool>()))
        return std::nullopt;
    }
    return Tensors{in[0].to(toTorch(to))};
  }
  if (op == "Unsqueeze") return unsqueeze(node, in);
  if (op == "Squeeze") return squeeze(node, in);
  if (op == "Gather" && in.size() == 2) return gather(node, in);
  if (op == "Slice") return slice(node, in);
  if (op == "Range" && in.size() == 3) return range(in);
  if (op == "Expand" && in.size() == 2) return expand(in);
  if (op == "ScatterND" && in.size() == 3) return scatterND(node, in);
  if (op == "Split") return split(node, in);
  if (op == "ConstantOfShape") return constantOfShape(node, in);
  if (op == "Size") return Tensors{at::scalar_tensor(in[0].numel(), at::kLong)};
  if (op == "Neg") return Tensors{-in[0]};
  if (op == "Ceil" && at::isFloatingType(in[0].scalar_type())) return Tensors{in[0].ceil()};
  if (op == "Floor" && at::isFloatingType(in[0].scalar_type())) return Tensors{in[0].floor()};
  if (op == "NonZero") return Tensors{at::nonzero(in[0]).t().contiguous()};  // [rank, count]
  if (op == "Abs") return Tensors{in[0].abs()};
  if (op == "Not" && in[0].scalar_type() == at::kBool) return Tensors{at::logical_not(in[0])};
  if (op == "Reshape" && in.size() == 2) {
    auto shape = reshapeTarget(node, in[0], values(in[1]));
    if (!shape) return std::nullopt;
    return Tensors{in[0].reshape(*shape).contiguous()};
  }
  if (op == "Transpose") {
    std::vector<int64_t> perm;
    if (const auto* a = attribute(node, "perm")) perm.assign(a->ints().begin(), a->ints().end());
    for (int64_t d = in[0].dim() - 1; perm.empty() && d >= 0; --d) perm.push_back(d);
    return Tensors{in[0].permute(perm).contiguous()};
  }
  if (op == "Concat") {
    const int64_t axis = normAxis(intAttr(node, "axis", 0), in[0].dim());
    for (const auto& t : in)
      if (!t.defined() || t.scalar_type() != in[0].scalar_type() || t.dim() != in[0].dim()) return std::nullopt;
    return Tensors{at::cat(in, axis)};
  }
  if (op == "Where" && in.size() == 3) {
    if (in[0].scalar_type() != at::kBool || in[1].scalar_type() != in[2].scalar_type()) return std::nullopt;
    return Tensors{at::where(in[0], in[1], in[2])};
  }
  if (in.size() == 2 && in[1].defined()) return binary(op, node, in);
  return std::nullopt;
}

}  // namespace pt2onnx
