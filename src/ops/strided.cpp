// Converters: as_strided, a strided view of a tensor's storage, as a Gather over flattened indices.
#include <algorithm>

#include "ops/common.h"

namespace pt2onnx {
namespace {

// Flat storage indices offset + sum_k i_k * stride_k for every index tuple of `size`, row-major.
std::vector<double> stridedIndices(const std::vector<int64_t>& size, const std::vector<int64_t>& stride, int64_t offset,
                                   int64_t* max_index) {
  int64_t count = 1;
  for (auto s : size) count *= s;
  std::vector<double> out;
  out.reserve(count);
  std::vector<int64_t> pos(size.size(), 0);
  *max_index = offset;
  for (int64_t n = 0; n < count; ++n) {
    int64_t flat = offset;
    for (size_t k = 0; k < size.size(); ++k) flat += pos[k] * stride[k];
    out.push_back(static_cast<double>(flat));
    *max_index = std::max(*max_index, flat);
    for (int64_t k = static_cast<int64_t>(size.size()) - 1; k >= 0; --k) {
      if (++pos[k] < size[k]) break;
      pos[k] = 0;
    }
  }
  return out;
}

// Row-major strides of a contiguous tensor of `size`.
std::vector<int64_t> contiguousStrides(const std::vector<int64_t>& size) {
  std::vector<int64_t> stride(size.size(), 1);
  for (int64_t k = static_cast<int64_t>(size.size()) - 2; k >= 0; --k) stride[k] = stride[k + 1] * size[k + 1];
  return stride;
}

// Constant size, stride and offset: a contiguous window is one Slice of the flattened tensor and a
// Reshape; anything else gathers indices computed now.
std::string constantStrided(Context& ctx, const std::string& flat, const std::vector<int64_t>& size,
                            const std::vector<int64_t>& stride, int64_t offset) {
  int64_t count = 1;
  for (auto s : size) count *= s;
  std::vector<int64_t> dense = contiguousStrides(size);
  bool window = true;
  for (size_t k = 0; k < size.size(); ++k) window = window && (size[k] == 1 || stride[k] == dense[k]);
  if (window) {
    std::string part = sliceConst(ctx, flat, {offset}, {offset + count}, {0});
    return ctx.emit("Reshape", {part, ctx.constI64(size)});
  }
  int64_t max_index = 0;
  auto idx = stridedIndices(size, stride, offset, &max_index);
  return ctx.emit("Gather", {flat, ctx.constTensor(idx, size, DType::kInt64)}, {{"axis", 0}});
}

// Sizes, strides or offset computed at run time: offset + sum_k Range(0, size_k) * stride_k, each
// term shaped to broadcast along its own dim.
std::string dynamicStrided(Context& ctx, const std::string& flat, const Value* size, const Value* stride,
                           const Value* offset, int64_t rank) {
  std::string sizes = ctx.intsTensor(size);
  std::string strides = ctx.intsTensor(stride);
  std::string idx = offset ? ctx.tensor(offset, DType::kInt64) : ctx.scalarI64(0);
  for (int64_t k = 0; k < rank; ++k) {
    std::string n = ctx.emit("Gather", {sizes, ctx.scalarI64(k)}, {{"axis", 0}});
    std::string s = ctx.emit("Gather", {strides, ctx.scalarI64(k)}, {{"axis", 0}});
    std::string term = ctx.emit("Mul", {ctx.emit("Range", {ctx.scalarI64(0), n, ctx.scalarI64(1)}), s});
    std::vector<int64_t> dims(rank, 1);
    dims[k] = -1;
    idx = ctx.emit("Add", {idx, ctx.emit("Reshape", {term, ctx.constI64(dims)})});
  }
  if (rank == 0) idx = ctx.emit("Reshape", {idx, ctx.constI64({})});
  return ctx.emit("Gather", {flat, idx}, {{"axis", 0}});
}

// as_strided(self, size, stride, storage_offset=None). The view reads self's storage, which is the
// flattened tensor only when self was contiguous and owned exactly its storage in every run.
Status asStrided(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  const Value* size = ctx.input(node, 1);
  const Value* stride = ctx.input(node, 2);
  const Value* offset = ctx.inputCount(node) > 3 && !ctx.isNone(ctx.input(node, 3)) ? ctx.input(node, 3) : nullptr;
  if (!ctx.denseStorage(self))
    return ctx.fail(node,
                    "as_strided reads the storage of a tensor that is a view or does not fill its storage (a "
                    "transpose, slice or expand, say); call .contiguous() on it first");
  int64_t rank = intListLength(ctx, size);
  if (rank < 0 || intListLength(ctx, stride) != rank)
    return ctx.fail(node, "as_strided needs size and stride lists of one known length");
  std::string flat = ctx.emit("Reshape", {ctx.tensor(self), ctx.constI64({-1})});
  auto c_size = ctx.maybeConstInts(size), c_stride = ctx.maybeConstInts(stride);
  std::optional<int64_t> c_offset = offset ? ctx.maybeConstInt(offset) : std::optional<int64_t>(0);
  if (c_size && c_stride && c_offset) {
    if (*c_offset < 0) return ctx.fail(node, "as_strided with a negative storage offset");
    int64_t count = 1, last = *c_offset;
    bool overflow = false;
    for (size_t k = 0; k < c_size->size(); ++k) {
      int64_t n = (*c_size)[k], s = (*c_stride)[k], reach = 0;
      if (n < 0 || s < 0) return ctx.fail(node, "as_strided with a negative size or stride");
      overflow = overflow || __builtin_mul_overflow(count, n, &count) ||
                 __builtin_mul_overflow(std::max<int64_t>(n - 1, 0), s, &reach) ||
                 __builtin_add_overflow(last, reach, &last);
    }
    if (overflow) return ctx.fail(node, "as_strided sizes and strides overflow 64-bit indices");
    auto shape = ctx.shape(self);
    int64_t numel = 1;
    for (auto d : shape) numel = d < 0 || numel < 0 ? -1 : numel * d;
    if (numel >= 0 && count > 0 && last >= numel)
      return ctx.fail(node, "as_strided reads element " + std::to_string(last) + " of a tensor of " +
                                std::to_string(numel) + " elements");
    // Indices computed now are an initializer of the output's size; past this many, the graph
    // computes them instead.
    constexpr int64_t kMaxConstantIndices = int64_t{1} << 22;
    if (count <= kMaxConstantIndices || ctx.opset() < 11) {
      ctx.bind(ctx.output(node), constantStrided(ctx, flat, *c_size, *c_stride, *c_offset));
      return Status::Ok();
    }
  }
  ctx.bind(ctx.output(node), dynamicStrided(ctx, flat, size, stride, offset, rank));
  return Status::Ok();
}

}  // namespace

void registerStridedOps(Registry& r) { r.add("aten::as_strided", 9, asStrided); }

}  // namespace pt2onnx
