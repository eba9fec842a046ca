// Context: running sums, gathers and scatters along an axis, in the form the target opset has
// (CumSum, GatherElements and ScatterND came with opset 11; before it they are spelled with
// MatMul, Gather and Scatter).
#include "core/context.h"
#include "core/context_impl.h"
#include "onnx/dtype.h"

namespace pt2onnx {

std::string Context::cumsum(const std::string& x, int64_t axis, int64_t rank, DType dtype) {
  if (opset() >= 11) return emit("CumSum", {x, scalarI64(axis)});
  if (dtype != DType::kFloat && dtype != DType::kDouble && dtype != DType::kHalf && dtype != DType::kInt32 &&
      dtype != DType::kInt64)
    throw ConvertError(std::string("a running sum of ") + dtypeName(dtype) +
                       " values needs ONNX's CumSum, which opset 11 introduced; try --opset 11");
  // out[..., i] = sum over j of x[..., j] * (j <= i), with the axis moved last
  std::vector<int64_t> to_last, back(rank);
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis) to_last.push_back(i);
  to_last.push_back(axis);
  for (int64_t i = 0; i < rank; ++i) back[to_last[i]] = i;
  const bool moved = axis != rank - 1;
  std::string xt = moved ? emit("Transpose", {x}, {{"perm", to_last}}) : x;
  std::string positions = emit("Range", {scalarI64(0), dimOf(x, axis), scalarI64(1)});
  std::string later = emit("Greater", {unsqueeze(positions, {1}), unsqueeze(positions, {0})});  // [j, i]: j > i
  std::string sum = emit("MatMul", {xt, cast(emit("Not", {later}), DType::kBool, dtype)});
  return moved ? emit("Transpose", {sum}, {{"perm", back}}) : sum;
}

std::string Context::gatherElements(const std::string& data, const std::string& indices, int64_t axis, int64_t rank) {
  if (opset() >= 11) return emit("GatherElements", {data, indices}, {{"axis", axis}});
  // data.flat[sum over k of coord_k * stride_k]: coord_axis is the index (counted from the end when
  // negative), every other coord the element's own position along k.
  std::string flat, stride;
  for (int64_t k = rank - 1; k >= 0; --k) {
    std::string dim = dimOf(data, k), coord;
    if (k == axis) {
      coord = emit("Where", {emit("Less", {indices, scalarI64(0)}), emit("Add", {indices, dim}), indices});
    } else {
      std::vector<int64_t> others;
      for (int64_t j = 0; j < rank; ++j)
        if (j != k) others.push_back(j);
      coord = emit("Range", {scalarI64(0), dimOf(indices, k), scalarI64(1)});
      if (!others.empty()) coord = unsqueeze(coord, others);
    }
    std::string term = stride.empty() ? coord : emit("Mul", {coord, stride});
    flat = flat.empty() ? term : emit("Add", {flat, term});
    stride = stride.empty() ? dim : emit("Mul", {stride, dim});
  }
  return emit("Gather", {emit("Reshape", {data, constI64({-1})}), flat}, {{"axis", 0}});
}

std::string Context::scatterRows(const std::string& data, const std::string& positions, const std::string& updates,
                                 int64_t rank) {
  if (opset() >= 11) return emit("ScatterND", {data, unsqueeze(positions, {1}), updates});
  // Scatter along axis 0, every element of an update row told its row's position.
  std::string at = positions;
  if (rank > 1) {
    std::vector<int64_t> trailing;
    for (int64_t j = 1; j < rank; ++j) trailing.push_back(j);
    at = unsqueeze(at, trailing);
  }
  at = emit("Expand", {at, shapeOf(updates)});
  return emit("Scatter", {data, at, updates}, {{"axis", int64_t{0}}});
}

std::string Context::padWithZeros(const std::string& x, const std::string& pads, int64_t rank, DType dtype) {
  const std::string zero = scalar(0, dtype);
  if (opset() >= 11) return emit("Pad", {x, pads, zero}, {{"mode", "constant"}});
  std::string y = x;
  for (int64_t d = 0; d < rank; ++d) {
    const std::string shape = shapeOf(y);
    std::vector<std::string> parts;
    if (d > 0) parts.push_back(emit("Slice", {shape, constI64({0}), constI64({d})}));
    parts.push_back("");  // the pad's length along d
    if (d + 1 < rank) parts.push_back(emit("Slice", {shape, constI64({d + 1}), constI64({rank})}));
    auto zeros = [&](int64_t at) {
      parts[d > 0 ? 1 : 0] = emit("Slice", {pads, constI64({at}), constI64({at + 1})});
      return emit("Expand", {zero, parts.size() == 1 ? parts[0] : emit("Concat", parts, {{"axis", int64_t{0}}})});
    };
    y = emit("Concat", {zeros(d), y, zeros(rank + d)}, {{"axis", d}});
  }
  return y;
}

}  // namespace pt2onnx
