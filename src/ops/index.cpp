// Converters: slicing and indexing — slice/select/narrow, index_select/gather/embedding, advanced index.

#include <algorithm>

#include "ops/common.h"
#include "ops/indexing.h"

namespace pt2onnx {
namespace {

// An optional int argument as a 1-D INT64 tensor of one element (Slice's starts/ends/steps).
std::string oneInt(Context& ctx, const Value* v, int64_t if_none) {
  if (ctx.isNone(v)) return ctx.constI64({if_none});
  if (auto c = ctx.maybeConstInt(v)) return ctx.constI64({*c});
  std::string s = ctx.tensor(v, DType::kInt64);
  return ctx.rank(v) == 1 ? s : ctx.unsqueeze(s, {0});
}

// An int argument as a 0-d INT64 tensor (Gather's index for select).
std::string scalarInt(Context& ctx, const Value* v) {
  if (auto c = ctx.maybeConstInt(v)) return ctx.scalarI64(*c);
  std::string s = ctx.tensor(v, DType::kInt64);
  return ctx.rank(v) == 0 ? s : ctx.emit("Reshape", {s, ctx.constI64({})});
}

// An index tensor as INT64 (PyTorch also accepts int32 indices; ONNX ops want one type throughout).
std::string indexTensor(Context& ctx, const Value* v) { return ctx.tensor(v, DType::kInt64); }

// slice(self, dim=0, start=None, end=None, step=1): None and INT64_MAX ends mean "to the end",
// which ONNX Slice reaches by clamping.
// list[start:end:step] (aten::slice.t, no dim): an int list as a Slice of its 1-D tensor; a tensor
// list when the bounds are constants.
Status sliceList(Context& ctx, const Node& node) {
  const Value* list = ctx.input(node, 0);
  const Value* start = ctx.input(node, 1);
  const Value* end = ctx.input(node, 2);
  const Value* step = ctx.input(node, 3);
  if (!ctx.isTensorList(list)) {
    std::string out = ctx.emit("Slice", {ctx.intsTensor(list), oneInt(ctx, start, 0), oneInt(ctx, end, kInt64Max),
                                         ctx.constI64({0}), oneInt(ctx, step, 1)});
    ctx.bind(ctx.output(node), out);
    return Status::Ok();
  }
  auto items = ctx.tensorList(list);
  const auto n = static_cast<int64_t>(items.size());
  auto bound = [&](const Value* v, int64_t if_none) -> std::optional<int64_t> {
    if (ctx.isNone(v)) return if_none;
    auto c = ctx.maybeConstInt(v);
    if (!c) return std::nullopt;
    int64_t b = *c < 0 ? *c + n : *c;
    return std::clamp<int64_t>(b, 0, n);
  };
  auto b = bound(start, 0), e = bound(end, n);
  auto k = ctx.isNone(step) ? std::optional<int64_t>(1) : ctx.maybeConstInt(step);
  if (!b || !e || !k || *k <= 0) return ctx.fail(node, "slicing a list of tensors needs constant bounds and step");
  std::vector<std::string> picked;
  for (int64_t i = *b; i < *e; i += *k) picked.push_back(items[i]);
  ctx.bindList(ctx.output(node), picked);
  return Status::Ok();
}

Status slice(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (ctx.isList(self)) return sliceList(ctx, node);
  if (!ctx.isTensor(self)) return ctx.fail(node, "slicing a " + ctx.kind(*ctx.producer(self)) + " value");
  int64_t rank = ctx.requireRank(self);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  const Value* start = ctx.input(node, 2);
  const Value* end = ctx.input(node, 3);
  const Value* step = ctx.input(node, 4);
  auto c_start = ctx.isNone(start) ? std::optional<int64_t>(0) : ctx.maybeConstInt(start);
  auto c_end = ctx.isNone(end) ? std::optional<int64_t>(kInt64Max) : ctx.maybeConstInt(end);
  auto c_step = ctx.maybeConstInt(step);
  if (c_step && *c_step <= 0) return ctx.fail(node, "slice step must be positive");
  // Traces spell x[:, 1:] as a full slice of dim 0 followed by the real one.
  if (c_start == 0 && c_end == kInt64Max && c_step == 1) return passThrough(ctx, node);
  // (before opset 10, emission spells it as Slice-1 or a Gather of a range)
  std::string out = ctx.emit("Slice", {ctx.tensor(self), oneInt(ctx, start, 0), oneInt(ctx, end, kInt64Max),
                                       ctx.constI64({axis}), oneInt(ctx, step, 1)});
  ctx.bind(ctx.output(node), out);
  return Status::Ok();
}

// select(self, dim, index): Gather with a 0-d index drops the axis; ONNX Gather accepts negative
// indices in [-s, s-1] since opset 11, as PyTorch does.
Status select(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  if (!ctx.isTensor(self)) return ctx.fail(node, "select on a list is not supported");
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self));
  std::string x = ctx.tensor(self);
  std::string index = scalarInt(ctx, ctx.input(node, 2));
  // Gather takes negative indices from opset 11; before it they count from the end here.
  auto c = ctx.maybeConstInt(ctx.input(node, 2));
  if (ctx.opset() < 11 && (!c || *c < 0)) {
    const int64_t size = ctx.shape(self)[axis];
    if (c && size >= 0) {
      index = ctx.scalarI64(*c + size);
    } else {
      std::string wrapped = ctx.emit("Add", {index, ctx.dimOf(x, axis)});
      index = c ? wrapped : ctx.emit("Where", {ctx.emit("Less", {index, ctx.scalarI64(0)}), wrapped, index});
    }
  }
  ctx.bind(ctx.output(node), ctx.emit("Gather", {x, index}, {{"axis", axis}}));
  return Status::Ok();
}

// narrow(self, dim, start, length) = self[start : start + length] on dim; start (a negative one
// counting from the end) and length may be computed at run time.
Status narrow(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  const Value* start = ctx.input(node, 2);
  const Value* length_v = ctx.input(node, 3);
  auto s = ctx.maybeConstInt(start);
  auto length = ctx.maybeConstInt(length_v);
  std::string x = ctx.tensor(self);
  std::string starts, ends;
  if (s && length) {
    // A negative start counts from the end; if it ends exactly at the end, end 0 would be empty.
    int64_t e = *s + *length;
    if (*s < 0 && e >= 0) e = kInt64Max;
    starts = ctx.constI64({*s});
    ends = ctx.constI64({e});
  } else {
    starts = ctx.unsqueeze(scalarInt(ctx, start), {0});
    if (!s || *s < 0) {
      std::string dim = ctx.unsqueeze(ctx.dimOf(x, axis), {0});
      starts =
          ctx.emit("Where", {ctx.emit("Less", {starts, ctx.constI64({0})}), ctx.emit("Add", {starts, dim}), starts});
    }
    ends = ctx.emit("Add", {starts, ctx.unsqueeze(scalarInt(ctx, length_v), {0})});
  }
  ctx.bind(ctx.output(node), ctx.emit("Slice", {x, starts, ends, ctx.constI64({axis})}));
  return Status::Ok();
}

// index_select(self, dim, index): a 0-d index still keeps the dim (with size 1).
Status indexSelect(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self));
  const Value* index = ctx.input(node, 2);
  std::string idx = indexTensor(ctx, index);
  if (ctx.requireRank(index) == 0) idx = ctx.unsqueeze(idx, {0});
  ctx.bind(ctx.output(node), ctx.emit("Gather", {ctx.tensor(self), idx}, {{"axis", axis}}));
  return Status::Ok();
}

// gather(self, dim, index): GatherElements; the output takes the index's shape in both.
Status gather(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self));
  std::string idx = indexTensor(ctx, ctx.input(node, 2));
  ctx.bind(ctx.output(node), ctx.gatherElements(ctx.tensor(self), idx, axis, ctx.requireRank(self)));
  return Status::Ok();
}

// embedding(weight, indices, padding_idx, ...): row lookup; padding_idx only matters for training.
Status embedding(Context& ctx, const Node& node) {
  std::string idx = indexTensor(ctx, ctx.input(node, 1));
  ctx.bind(ctx.output(node), ctx.emit("Gather", {ctx.tensor(ctx.input(node, 0)), idx}, {{"axis", 0}}));
  return Status::Ok();
}

// ---- advanced indexing: self[indices] with a Tensor?[] list ----------------------------------

// The index tensors of an aten::index list, as INT64 tensors on the dims they index. A mask over
// k dims becomes k index vectors (the rows of NonZero), as PyTorch does.
struct IndexPlan {
  std::vector<int64_t> dims;       // indexed dims of self, ascending
  std::vector<std::string> index;  // one INT64 tensor per indexed dim
  size_t sources = 0;              // index tensors given (a mask counts once)
  int64_t index_rank = 0;          // rank of the broadcast index shape
};

std::optional<IndexPlan> planIndex(Context& ctx, const Value* list, int64_t rank, std::string* why) {
  auto args = readIndexList(ctx, list, why);
  if (!args) return std::nullopt;
  IndexPlan plan;
  int64_t dim = 0;
  for (const IndexArg& a : *args) {
    if (a.none) {
      ++dim;
      continue;
    }
    ++plan.sources;
    if (!a.mask) {
      plan.dims.push_back(dim++);
      plan.index.push_back(a.name);
      plan.index_rank = std::max(plan.index_rank, a.rank);
      continue;
    }
    if (a.rank == 0 || dim + a.rank > rank) {
      *why = "a boolean mask of rank " + std::to_string(a.rank) + " cannot index dim " + std::to_string(dim);
      return std::nullopt;
    }
    // NonZero gives [r, N]: row k holds the positions on dim + k.
    std::string nz = ctx.emit("NonZero", {a.name});
    for (int64_t k = 0; k < a.rank; ++k) {
      plan.dims.push_back(dim + k);
      plan.index.push_back(ctx.emit("Gather", {nz, ctx.scalarI64(k)}, {{"axis", 0}}));
    }
    plan.index_rank = std::max<int64_t>(plan.index_rank, 1);
    dim += a.rank;
  }
  if (dim > rank) {
    *why = "too many indices for a tensor of rank " + std::to_string(rank);
    return std::nullopt;
  }
  if (plan.dims.empty()) {
    *why = "the index list holds no tensor";
    return std::nullopt;
  }
  return plan;
}

bool consecutive(const std::vector<int64_t>& dims) {
  for (size_t i = 1; i < dims.size(); ++i)
    if (dims[i] != dims[i - 1] + 1) return false;
  return true;
}

// The index tensors broadcast against each other and stacked on a new last axis: [B..., m].
std::string stackedIndex(Context& ctx, const IndexPlan& plan) {
  if (plan.index.size() == 1) return ctx.unsqueeze(plan.index[0], {plan.index_rank});
  // The rows of one mask already have one shape.
  if (plan.sources == 1) {
    std::vector<std::string> parts;
    for (const auto& idx : plan.index) parts.push_back(ctx.unsqueeze(idx, {plan.index_rank}));
    return ctx.emit("Concat", parts, {{"axis", plan.index_rank}});
  }
  // The broadcast shape B is the shape of their sum (Add broadcasts like PyTorch indexing).
  std::string sum = plan.index[0];
  for (size_t i = 1; i < plan.index.size(); ++i) sum = ctx.emit("Add", {sum, plan.index[i]});
  std::string b = ctx.shapeOf(sum);
  std::vector<std::string> parts;
  for (const auto& idx : plan.index) parts.push_back(ctx.unsqueeze(ctx.emit("Expand", {idx, b}), {plan.index_rank}));
  return ctx.emit("Concat", parts, {{"axis", plan.index_rank}});
}

// GatherND before opset 11: the indexed dims (leading in `moved`) merged into one, and a Gather
// there at the positions the index tuples name, each index counted from the end when negative.
std::string gatherTuples(Context& ctx, const std::string& moved, const IndexPlan& plan) {
  const int64_t d = static_cast<int64_t>(plan.index.size());
  std::string flat, stride;
  for (int64_t j = d - 1; j >= 0; --j) {
    std::string dim = ctx.dimOf(moved, j), idx = fromEnd(ctx, plan.index[j], dim);
    std::string term = stride.empty() ? idx : ctx.emit("Mul", {idx, stride});
    flat = flat.empty() ? term : ctx.emit("Add", {flat, term});
    stride = stride.empty() ? dim : ctx.emit("Mul", {stride, dim});
  }
  std::string rest = ctx.emit("Slice", {ctx.shapeOf(moved), ctx.constI64({d}), ctx.constI64({kInt64Max})});
  std::string merged = ctx.emit("Reshape", {moved, ctx.emit("Concat", {ctx.constI64({-1}), rest}, {{"axis", 0}})});
  return ctx.emit("Gather", {merged, flat}, {{"axis", 0}});
}

// self[i0, i1, ...]: the result is self's shape with the indexed dims replaced by the broadcast
// index shape B — in their place when they are consecutive, in front otherwise.
Status index(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  std::string why;
  auto plan = planIndex(ctx, ctx.input(node, 1), rank, &why);
  if (!plan) return ctx.fail(node, why);
  std::string x = ctx.tensor(self);
  // One index tensor (or a 1-D mask): plain Gather (negative indices allowed, as in PyTorch).
  if (plan->dims.size() == 1) {
    ctx.bind(ctx.output(node), ctx.emit("Gather", {x, plan->index[0]}, {{"axis", plan->dims[0]}}));
    return Status::Ok();
  }
  // GatherND over self with the indexed dims moved to the front gives [B..., other dims].
  auto perm = indexedFirst(plan->dims, rank);
  std::string out = ctx.opset() >= 11 ? ctx.emit("GatherND", {transposed(ctx, x, perm), stackedIndex(ctx, *plan)})
                                      : gatherTuples(ctx, transposed(ctx, x, perm), *plan);
  int64_t first = plan->dims.front();
  if (consecutive(plan->dims) && first > 0) {
    // Move B (index_rank dims in front) back to where the indexed dims were.
    int64_t b = plan->index_rank;
    int64_t out_rank = b + rank - static_cast<int64_t>(plan->dims.size());
    std::vector<int64_t> back = iota(b, b + first);
    for (int64_t i = 0; i < b; ++i) back.push_back(i);
    for (int64_t i = b + first; i < out_rank; ++i) back.push_back(i);
    out = transposed(ctx, out, back);
  }
  ctx.bind(ctx.output(node), out);
  return Status::Ok();
}

// masked_select(self, mask): the elements where the (broadcast) mask holds, as a 1-D tensor.
Status maskedSelect(Context& ctx, const Node& node) {
  std::string x = ctx.tensor(ctx.input(node, 0));
  std::string mask = ctx.tensor(ctx.input(node, 1), DType::kBool);
  std::string xb = ctx.emit("Where", {mask, x, x});  // self broadcast against the mask
  std::string mb = ctx.emit("Expand", {mask, ctx.shapeOf(xb)});
  // Both flattened: a Gather at the positions NonZero lists, in row-major order.
  std::string flat_mask = ctx.emit("Reshape", {mb, ctx.constI64({-1})});
  std::string at = ctx.squeeze(ctx.emit("NonZero", {flat_mask}), {0});
  ctx.bind(ctx.output(node), ctx.emit("Gather", {ctx.emit("Reshape", {xb, ctx.constI64({-1})}), at}, {{"axis", 0}}));
  return Status::Ok();
}

}  // namespace

std::string fromEnd(Context& ctx, const std::string& idx, const std::string& size) {
  return ctx.emit("Where", {ctx.emit("Less", {idx, ctx.scalarI64(0)}), ctx.emit("Add", {idx, size}), idx});
}

std::vector<int64_t> iota(int64_t from, int64_t to) {
  std::vector<int64_t> v;
  for (int64_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

std::vector<int64_t> inversePerm(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return inv;
}

bool isIdentityPerm(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

std::string transposed(Context& ctx, const std::string& x, const std::vector<int64_t>& perm) {
  if (isIdentityPerm(perm)) return x;
  return ctx.emit("Transpose", {x}, {{"perm", perm}});
}

std::optional<std::vector<IndexArg>> readIndexList(Context& ctx, const Value* list, std::string* why) {
  std::vector<IndexArg> args;
  for (const auto& e : ctx.optionalTensorList(list)) {
    IndexArg a;
    if (!e.none) {
      a.none = false;
      a.mask = e.dtype == DType::kBool || e.dtype == DType::kUInt8;
      if (!a.mask && !isIntegral(e.dtype)) {
        *why = std::string("index tensors must be integer or boolean, got ") + dtypeName(e.dtype);
        return std::nullopt;
      }
      a.rank = e.rank;
      a.name = ctx.cast(e.name, e.dtype, a.mask ? DType::kBool : DType::kInt64);
    }
    args.push_back(a);
  }
  return args;
}

std::vector<int64_t> indexedFirst(const std::vector<int64_t>& dims, int64_t rank) {
  std::vector<int64_t> perm = dims;
  for (int64_t d = 0; d < rank; ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) perm.push_back(d);
  return perm;
}

void registerIndexOps(Registry& r) {
  r.add("aten::slice", 9, slice);
  r.add("aten::select", 9, select);
  r.add("aten::narrow", 9, narrow);
  r.add("aten::narrow_copy", 9, narrow);
  r.add("aten::index_select", 9, indexSelect);
  r.add("aten::gather", 9, gather);
  r.add("aten::embedding", 9, embedding);
  r.add("aten::index", 9, index);
  r.add("aten::masked_select", 9, maskedSelect);
}

}  // namespace pt2onnx
