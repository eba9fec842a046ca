// Converters: slicing and indexing — slice/select/narrow, index_select/gather/embedding, advanced index, index_put.

#include <algorithm>

#include "ops/common.h"

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
  std::string out = ctx.emit("Gather", {ctx.tensor(self), scalarInt(ctx, ctx.input(node, 2))}, {{"axis", axis}});
  ctx.bind(ctx.output(node), out);
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
  ctx.bind(ctx.output(node), ctx.emit("GatherElements", {ctx.tensor(self), idx}, {{"axis", axis}}));
  return Status::Ok();
}

// embedding(weight, indices, padding_idx, ...): row lookup; padding_idx only matters for training.
Status embedding(Context& ctx, const Node& node) {
  std::string idx = indexTensor(ctx, ctx.input(node, 1));
  ctx.bind(ctx.output(node), ctx.emit("Gather", {ctx.tensor(ctx.input(node, 0)), idx}, {{"axis", 0}}));
  return Status::Ok();
}

// ---- advanced indexing: self[indices] with a Tensor?[] list ----------------------------------

// One element of an aten::index / index_put Tensor?[] list: None, an INT64 index tensor, or a
// BOOL mask (uint8 is PyTorch's legacy mask type).
struct IndexArg {
  bool none = true;
  bool mask = false;
  std::string name;
  int64_t rank = 0;
};

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

// Transposition that brings the indexed dims to the front, in order, the others after them.
std::vector<int64_t> indexedFirst(const std::vector<int64_t>& dims, int64_t rank) {
  std::vector<int64_t> perm = dims;
  for (int64_t d = 0; d < rank; ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) perm.push_back(d);
  return perm;
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
  std::string out = ctx.emit("GatherND", {transposed(ctx, x, perm), stackedIndex(ctx, *plan)});
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
  std::string nz = ctx.emit("Transpose", {ctx.emit("NonZero", {mb})}, {{"perm", std::vector<int64_t>{1, 0}}});
  ctx.bind(ctx.output(node), ctx.emit("GatherND", {xb, nz}));
  return Status::Ok();
}

// ---- index_put: self[indices] = values -----------------------------------------------------

// Whether index_put's values hold one element (then a mask write is a Where).
bool singleValue(Context& ctx, const Value* values) {
  if (!ctx.isTensor(values)) return true;
  for (int64_t d : ctx.shape(values))
    if (d != 1) return false;
  return true;
}

// ScatterND with reduction "add" where opset < 16 has no reduction: repeated positions must sum.
// The q leading dims of `data` become one linear position per update (`idx` is [..., q]); a one-hot
// [K, M] matrix of the K positions over the M rows, transposed and multiplied by the updates as
// [K, R], gives what each row receives, added to data as [M, R].
std::string scatterAddByOneHot(Context& ctx, const std::string& data, const std::string& idx, int64_t idx_rank,
                               int64_t q, const std::string& updates, DType dtype) {
  std::string shape = ctx.shapeOf(data);
  std::string linear = ctx.emit("Gather", {idx, ctx.scalarI64(0)}, {{"axis", idx_rank - 1}});
  for (int64_t j = 1; j < q; ++j) {
    std::string size = ctx.emit("Gather", {shape, ctx.scalarI64(j)}, {{"axis", 0}});
    std::string column = ctx.emit("Gather", {idx, ctx.scalarI64(j)}, {{"axis", idx_rank - 1}});
    linear = ctx.emit("Add", {ctx.emit("Mul", {linear, size}), column});
  }
  std::string positions = ctx.emit("Reshape", {linear, ctx.constI64({-1})});
  std::string rows =
      ctx.emit("ReduceProd", {ctx.emit("Slice", {shape, ctx.constI64({0}), ctx.constI64({q})})}, {{"keepdims", 1}});
  std::string flat_data = ctx.emit("Reshape", {data, ctx.emit("Concat", {rows, ctx.constI64({-1})}, {{"axis", 0}})});
  std::string flat_updates =
      ctx.emit("Reshape", {updates, ctx.emit("Concat", {ctx.shapeOf(positions), ctx.constI64({-1})}, {{"axis", 0}})});
  std::string all_rows = ctx.emit("Range", {ctx.scalarI64(0), ctx.squeeze(rows, {0}), ctx.scalarI64(1)});
  std::string hits = ctx.emit("Equal", {ctx.unsqueeze(positions, {1}), ctx.unsqueeze(all_rows, {0})});
  std::string one_hot = ctx.cast(hits, DType::kBool, dtype);
  std::string received =
      ctx.emit("MatMul", {ctx.emit("Transpose", {one_hot}, {{"perm", std::vector<int64_t>{1, 0}}}), flat_updates});
  return ctx.emit("Reshape", {ctx.emit("Add", {flat_data, received}), shape});
}

// ScatterND(data, idx, updates), summing into data when `accumulate`: the reduction attribute from
// opset 16, the one-hot product before it (opset 11, for Range; float, double and 32/64-bit ints,
// what MatMul takes).
std::optional<std::string> scatterND(Context& ctx, const std::string& data, const std::string& idx, int64_t idx_rank,
                                     int64_t q, const std::string& updates, DType dtype, bool accumulate,
                                     std::string* why) {
  if (!accumulate) return ctx.emit("ScatterND", {data, idx, updates});
  if (ctx.opset() >= 16) return ctx.emit("ScatterND", {data, idx, updates}, {{"reduction", "add"}});
  const bool multipliable = dtype == DType::kFloat || dtype == DType::kDouble || dtype == DType::kInt32 ||
                            dtype == DType::kInt64 || dtype == DType::kHalf;
  if (ctx.opset() < 11 || !multipliable) {
    *why = std::string("index_put with accumulate=True ") +
           (ctx.opset() < 11
                ? "needs opset 11 or later (ScatterND; its reduction from opset 16)"
                : "of a " + std::string(dtypeName(dtype)) + " tensor needs ScatterND's reduction (opset 16 or later)") +
           "; try --opset 16";
    return std::nullopt;
  }
  return scatterAddByOneHot(ctx, data, idx, idx_rank, q, updates, dtype);
}

// A mask over the leading dims with one value: Where.
std::string putMask(Context& ctx, const Value* self, const IndexArg& mask, const Value* values, bool accumulate) {
  int64_t rank = ctx.requireRank(self);
  std::string x = ctx.tensor(self);
  std::string m = mask.rank < rank ? ctx.unsqueeze(mask.name, iota(mask.rank, rank)) : mask.name;
  std::string v = ctx.tensor(values, ctx.requireDType(self));
  if (accumulate) v = ctx.emit("Add", {x, v});
  return ctx.emit("Where", {m, v, x});
}

// A mask over the leading dims with one value per selected element: ScatterND at NonZero's positions.
std::optional<std::string> putMaskValues(Context& ctx, const Value* self, const IndexArg& mask, const Value* values,
                                         bool accumulate, std::string* why) {
  std::string x = ctx.tensor(self);
  std::string nz = ctx.emit("Transpose", {ctx.emit("NonZero", {mask.name})}, {{"perm", std::vector<int64_t>{1, 0}}});
  // values broadcast to the shape self[mask] has: [N] + self.shape[rank(mask):].
  std::string n = ctx.emit("Slice", {ctx.shapeOf(nz), ctx.constI64({0}), ctx.constI64({1})});
  std::string rest = ctx.emit("Slice", {ctx.shapeOf(x), ctx.constI64({mask.rank}), ctx.constI64({kInt64Max})});
  std::string target = ctx.emit("Concat", {n, rest}, {{"axis", 0}});
  std::string updates = ctx.emit("Expand", {ctx.tensor(values, ctx.requireDType(self)), target});
  return scatterND(ctx, x, nz, 2, mask.rank, updates, ctx.requireDType(self), accumulate, why);
}

// One integer index on dim k (Nones before it): ScatterND on self with dim k moved to the front.
// ScatterND's spec has no negative indices, so they are wrapped with a Python-style Mod.
std::optional<std::string> putIndex(Context& ctx, const Value* self, int64_t k, const IndexArg& index,
                                    const Value* values, bool accumulate, std::string* why) {
  int64_t rank = ctx.requireRank(self);
  std::string x = ctx.tensor(self);
  int64_t ir = index.rank;
  std::string size = ctx.shape(self)[k] >= 0 ? ctx.scalarI64(ctx.shape(self)[k]) : ctx.dimOf(x, k);
  std::string idx = ctx.emit("Mod", {index.name, size}, {{"fmod", 0}});
  // values broadcast to the shape self[index] has: self.shape[:k] + index.shape + self.shape[k+1:].
  std::string shape = ctx.shapeOf(x);
  std::vector<std::string> parts;
  if (k > 0) parts.push_back(ctx.emit("Slice", {shape, ctx.constI64({0}), ctx.constI64({k})}));
  parts.push_back(ctx.shapeOf(idx));
  if (k + 1 < rank) parts.push_back(ctx.emit("Slice", {shape, ctx.constI64({k + 1}), ctx.constI64({kInt64Max})}));
  std::string target = parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", 0}});
  std::string updates = ctx.emit("Expand", {ctx.tensor(values, ctx.requireDType(self)), target});
  // Bring the index dims to the front of the updates and dim k to the front of self.
  std::vector<int64_t> uperm = iota(k, k + ir);
  for (int64_t i = 0; i < k; ++i) uperm.push_back(i);
  for (int64_t i = k + ir; i < ir + rank - 1; ++i) uperm.push_back(i);
  std::vector<int64_t> xperm = indexedFirst({k}, rank);
  auto out = scatterND(ctx, transposed(ctx, x, xperm), ctx.unsqueeze(idx, {ir}), ir + 1, 1,
                       transposed(ctx, updates, uperm), ctx.requireDType(self), accumulate, why);
  if (!out) return std::nullopt;
  return transposed(ctx, *out, inversePerm(xperm));
}

// Several integer index tensors on dims `dims` (self[i, :, j] = v, self[i, j] = v): they broadcast
// to one shape B, and ScatterND writes at the tuples they give, on self with the indexed dims moved
// to the front. Values broadcast to the indexed shape: B in place of the indexed dims when those are
// adjacent, B first when they are not (PyTorch's advanced indexing rule).
std::optional<std::string> putIndices(Context& ctx, const Value* self, const std::vector<int64_t>& dims,
                                      const std::vector<const IndexArg*>& indices, const Value* values, bool accumulate,
                                      std::string* why) {
  const int64_t rank = ctx.requireRank(self);
  std::string x = ctx.tensor(self);
  int64_t b = 0;
  for (const auto* index : indices) b = std::max(b, index->rank);
  std::string zeros;  // 0 in the broadcast shape of every index
  for (const auto* index : indices) {
    std::string z = ctx.emit("Mul", {index->name, ctx.scalarI64(0)});
    zeros = zeros.empty() ? z : ctx.emit("Add", {zeros, z});
  }
  std::string bshape = ctx.shapeOf(zeros);
  std::vector<std::string> columns;
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t d = dims[i];
    std::string size = ctx.shape(self)[d] >= 0 ? ctx.scalarI64(ctx.shape(self)[d]) : ctx.dimOf(x, d);
    std::string wrapped = ctx.emit("Mod", {ctx.emit("Add", {indices[i]->name, zeros}), size}, {{"fmod", 0}});
    columns.push_back(ctx.unsqueeze(wrapped, {b}));
  }
  std::string idx = ctx.emit("Concat", columns, {{"axis", b}});
  bool adjacent = true;
  for (size_t i = 1; i < dims.size(); ++i) adjacent = adjacent && dims[i] == dims[i - 1] + 1;
  // The indexed shape, and the perm that brings its B dims to the front.
  std::string shape = ctx.shapeOf(x);
  auto dimsOf = [&](int64_t from, int64_t to) {
    return ctx.emit("Slice", {shape, ctx.constI64({from}), ctx.constI64({to})});
  };
  std::vector<std::string> parts;
  std::vector<int64_t> uperm;
  const int64_t k = dims.front();
  if (adjacent) {
    if (k > 0) parts.push_back(dimsOf(0, k));
    parts.push_back(bshape);
    const int64_t after = dims.back() + 1;
    if (after < rank) parts.push_back(dimsOf(after, kInt64Max));
    uperm = iota(k, k + b);
    for (int64_t i = 0; i < k; ++i) uperm.push_back(i);
    for (int64_t i = k + b; i < b + rank - static_cast<int64_t>(dims.size()); ++i) uperm.push_back(i);
  } else {
    parts.push_back(bshape);
    for (int64_t d = 0; d < rank; ++d)
      if (std::find(dims.begin(), dims.end(), d) == dims.end()) parts.push_back(dimsOf(d, d + 1));
    uperm = iota(0, b + rank - static_cast<int64_t>(dims.size()));
  }
  std::string target = parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", 0}});
  std::string updates = ctx.emit("Expand", {ctx.tensor(values, ctx.requireDType(self)), target});
  std::vector<int64_t> xperm = indexedFirst(dims, rank);
  auto out = scatterND(ctx, transposed(ctx, x, xperm), idx, b + 1, static_cast<int64_t>(dims.size()),
                       transposed(ctx, updates, uperm), ctx.requireDType(self), accumulate, why);
  if (!out) return std::nullopt;
  return transposed(ctx, *out, inversePerm(xperm));
}

// index_put(self, indices, values, accumulate): one index tensor or mask (Nones before it
// allowed), or several integer index tensors.
std::optional<std::string> indexPutValue(Context& ctx, const Node& node, std::string* why) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  const Value* values = ctx.input(node, 2);
  bool accumulate = ctx.inputCount(node) > 3 && ctx.constBool(ctx.input(node, 3));
  auto args = readIndexList(ctx, ctx.input(node, 1), why);
  if (!args) return std::nullopt;
  int64_t k = 0;
  const IndexArg* index = nullptr;
  std::vector<int64_t> dims;
  std::vector<const IndexArg*> indices;
  for (size_t d = 0; d < args->size(); ++d) {
    const IndexArg& a = (*args)[d];
    if (a.none) {
      if (!index) ++k;
      continue;
    }
    if (!index) index = &a;
    dims.push_back(static_cast<int64_t>(d));
    indices.push_back(&a);
  }
  std::vector<IndexArg> from_masks;  // a mask among several indices: one index per dim it covers
  if (indices.size() > 1) {
    size_t masks = 0;
    for (const auto* i : indices) masks += i->mask;
    if (masks) {
      from_masks.reserve(static_cast<size_t>(rank) + indices.size());
      dims.clear();
      indices.clear();
      int64_t dim = 0;
      for (const IndexArg& a : *args) {
        if (a.none) {
          ++dim;
        } else if (!a.mask) {
          dims.push_back(dim++);
          from_masks.push_back(a);
          indices.push_back(&from_masks.back());
        } else {
          // The mask's true positions, one row per dim it covers ([mask rank, N]).
          std::string where = ctx.emit("NonZero", {a.name});
          for (int64_t r = 0; r < a.rank; ++r) {
            IndexArg row;
            row.none = false;
            row.rank = 1;
            row.name = ctx.emit("Gather", {where, ctx.scalarI64(r)}, {{"axis", 0}});
            dims.push_back(dim++);
            from_masks.push_back(row);
            indices.push_back(&from_masks.back());
          }
        }
      }
    }
    if (dims.back() >= rank) {
      *why = "the index list is longer than the tensor's rank";
      return std::nullopt;
    }
    return putIndices(ctx, self, dims, indices, values, accumulate, why);
  }
  if (!index || k >= rank) {
    *why = "the index list holds no tensor within the rank";
    return std::nullopt;
  }
  if (index->mask && (k != 0 || index->rank > rank)) {
    *why = "a boolean mask in index_put is supported on the leading dims only";
    return std::nullopt;
  }
  if (index->mask && singleValue(ctx, values)) return putMask(ctx, self, *index, values, accumulate);
  if (index->mask) return putMaskValues(ctx, self, *index, values, accumulate, why);
  return putIndex(ctx, self, k, *index, values, accumulate, why);
}

Status indexPut(Context& ctx, const Node& node) {
  std::string why;
  auto out = indexPutValue(ctx, node, &why);
  if (!out) return ctx.fail(node, why);
  ctx.bind(ctx.output(node), *out);
  return Status::Ok();
}

// An op whose result shares all of its input's storage unchanged (a full slice, detach, a no-op
// cast...): writing into the result writes into the input.
bool isWholeAlias(Context& ctx, const Node& n) {
  const std::string k = ctx.kind(n);
  if (ctx.inputCount(n) == 0 || !ctx.isTensor(ctx.input(n, 0))) return false;
  if (k == "aten::detach" || k == "aten::alias" || k == "aten::contiguous") return true;
  if (k == "aten::to" || k == "aten::type_as")  // returns self when the dtype does not change
    return ctx.dtype(ctx.input(n, 0)) == ctx.dtype(ctx.output(n));
  if (k != "aten::slice") return false;
  auto start = ctx.isNone(ctx.input(n, 2)) ? std::optional<int64_t>(0) : ctx.maybeConstInt(ctx.input(n, 2));
  auto end = ctx.isNone(ctx.input(n, 3)) ? std::optional<int64_t>(kInt64Max) : ctx.maybeConstInt(ctx.input(n, 3));
  return start == 0 && end == kInt64Max && ctx.maybeConstInt(ctx.input(n, 4)) == 1;
}

// index_put_ that the frontend's mutation removal left in place (self is a graph input, or a
// whole-tensor alias such as the x[:, ...] full slice a trace emits): the written tensor and the
// tensors it aliases are rebound to the new value, so later readers see the write. A write
// through a partial view (x[0][idx] = v) would have to reach the base and is refused.
Status indexPutInPlace(Context& ctx, const Node& node) {
  static const char* kViews[] = {
      "aten::select",   "aten::slice",    "aten::narrow",     "aten::view",        "aten::reshape",   "aten::transpose",
      "aten::permute",  "aten::squeeze",  "aten::unsqueeze",  "aten::expand",      "aten::flatten",   "aten::t",
      "aten::diagonal", "aten::unfold",   "aten::view_as",    "aten::reshape_as",  "aten::expand_as", "aten::unflatten",
      "aten::movedim",  "aten::swapaxes", "aten::as_strided", "aten::__getitem__", "prim::ListUnpack"};
  std::vector<const Value*> targets = {ctx.input(node, 0)};
  for (const Node* p = ctx.producer(targets.back());; p = ctx.producer(targets.back())) {
    if (isWholeAlias(ctx, *p)) {
      targets.push_back(ctx.input(*p, 0));
      continue;
    }
    if (std::find(std::begin(kViews), std::end(kViews), ctx.kind(*p)) != std::end(kViews))
      return ctx.fail(node, "in-place index_put_ through a view (" + ctx.kind(*p) +
                                ") cannot be converted; write into a clone and assign it back");
    break;
  }
  std::string why;
  auto out = indexPutValue(ctx, node, &why);
  if (!out) return ctx.fail(node, why);
  for (const Value* t : targets) ctx.bind(t, *out);
  ctx.bind(ctx.output(node), *out);
  return Status::Ok();
}

}  // namespace

void registerIndexOps(Registry& r) {
  r.add("aten::slice", 11, slice);
  r.add("aten::select", 11, select);
  r.add("aten::narrow", 11, narrow);
  r.add("aten::narrow_copy", 11, narrow);
  r.add("aten::index_select", 11, indexSelect);
  r.add("aten::gather", 11, gather);
  r.add("aten::embedding", 11, embedding);
  r.add("aten::index", 11, index);
  r.add("aten::masked_select", 11, maskedSelect);
  r.add("aten::index_put", 11, indexPut);
  r.add("aten::index_put_", 11, indexPutInPlace);
}

}  // namespace pt2onnx
