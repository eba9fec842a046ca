// Converters: writes at indices — index_put (one index, several indices, masks; accumulate) and the
// in-place index_put_ that mutation removal leaves on inputs and whole-tensor aliases.

#include <algorithm>

#include "ops/common.h"
#include "ops/indexing.h"

namespace pt2onnx {
namespace {

// ---- index_put: self[indices] = values -----------------------------------------------------

// Whether index_put's values hold one element (then a mask write is a Where).
bool singleValue(Context& ctx, const Value* values) {
  if (!ctx.isTensor(values)) return true;
  for (int64_t d : ctx.shape(values))
    if (d != 1) return false;
  return true;
}

// ScatterND's operands with the q indexed leading dims of `data` merged into one (`idx` is
// [..., q]): data as [M, R], one linear position per update, the updates as [K, R].
struct MergedRows {
  std::string shape;      // data's
  std::string data;       // [M, R]
  std::string rows;       // [1]: M
  std::string positions;  // [K]
  std::string updates;    // [K, R]
};

MergedRows mergedRows(Context& ctx, const std::string& data, const std::string& idx, int64_t idx_rank, int64_t q,
                      const std::string& updates) {
  MergedRows m;
  m.shape = ctx.shapeOf(data);
  std::string linear = ctx.emit("Gather", {idx, ctx.scalarI64(0)}, {{"axis", idx_rank - 1}});
  for (int64_t j = 1; j < q; ++j) {
    std::string size = ctx.emit("Gather", {m.shape, ctx.scalarI64(j)}, {{"axis", 0}});
    std::string column = ctx.emit("Gather", {idx, ctx.scalarI64(j)}, {{"axis", idx_rank - 1}});
    linear = ctx.emit("Add", {ctx.emit("Mul", {linear, size}), column});
  }
  m.positions = ctx.emit("Reshape", {linear, ctx.constI64({-1})});
  m.rows =
      ctx.emit("ReduceProd", {ctx.emit("Slice", {m.shape, ctx.constI64({0}), ctx.constI64({q})})}, {{"keepdims", 1}});
  m.data = ctx.emit("Reshape", {data, ctx.emit("Concat", {m.rows, ctx.constI64({-1})}, {{"axis", 0}})});
  // [K, R] with R taken from the data: no -1, which cannot be inferred when K is 0 (an all-false mask).
  std::string row_size = ctx.emit("Slice", {ctx.shapeOf(m.data), ctx.constI64({1}), ctx.constI64({2})});
  m.updates = ctx.emit("Reshape", {updates, ctx.emit("Concat", {ctx.shapeOf(m.positions), row_size}, {{"axis", 0}})});
  return m;
}

// ScatterND with reduction "add" where opset < 16 has no reduction: repeated positions must sum.
// A one-hot [K, M] matrix of the K positions over the M rows, transposed and multiplied by the
// updates, gives what each row receives, added to the data.
std::string scatterAddByOneHot(Context& ctx, const MergedRows& m, DType dtype) {
  std::string all_rows = ctx.emit("Range", {ctx.scalarI64(0), ctx.squeeze(m.rows, {0}), ctx.scalarI64(1)});
  std::string hits = ctx.emit("Equal", {ctx.unsqueeze(m.positions, {1}), ctx.unsqueeze(all_rows, {0})});
  std::string one_hot = ctx.cast(hits, DType::kBool, dtype);
  std::string received =
      ctx.emit("MatMul", {ctx.emit("Transpose", {one_hot}, {{"perm", std::vector<int64_t>{1, 0}}}), m.updates});
  return ctx.emit("Reshape", {ctx.emit("Add", {m.data, received}), m.shape});
}

// ScatterND(data, idx, updates), summing into data when `accumulate`: the reduction attribute from
// opset 16, the one-hot product before it (float, double and 32/64-bit ints, what MatMul takes).
// Before opset 11 the plain write is a Scatter of rows of the merged data.
std::optional<std::string> scatterND(Context& ctx, const std::string& data, const std::string& idx, int64_t idx_rank,
                                     int64_t q, const std::string& updates, DType dtype, bool accumulate,
                                     std::string* why) {
  if (!accumulate && ctx.opset() >= 11) return ctx.emit("ScatterND", {data, idx, updates});
  if (accumulate && ctx.opset() >= 16) return ctx.emit("ScatterND", {data, idx, updates}, {{"reduction", "add"}});
  const bool multipliable = dtype == DType::kFloat || dtype == DType::kDouble || dtype == DType::kInt32 ||
                            dtype == DType::kInt64 || dtype == DType::kHalf;
  if (accumulate && !multipliable) {
    *why = "index_put with accumulate=True of a " + std::string(dtypeName(dtype)) +
           " tensor needs ScatterND's reduction (opset 16 or later); try --opset 16";
    return std::nullopt;
  }
  const MergedRows m = mergedRows(ctx, data, idx, idx_rank, q, updates);
  if (accumulate) return scatterAddByOneHot(ctx, m, dtype);
  return ctx.emit("Reshape", {ctx.scatterRows(m.data, m.positions, m.updates, 2), m.shape});
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
// ScatterND's spec has no negative indices, so they are counted from the end.
std::optional<std::string> putIndex(Context& ctx, const Value* self, int64_t k, const IndexArg& index,
                                    const Value* values, bool accumulate, std::string* why) {
  int64_t rank = ctx.requireRank(self);
  std::string x = ctx.tensor(self);
  int64_t ir = index.rank;
  std::string size = ctx.shape(self)[k] >= 0 ? ctx.scalarI64(ctx.shape(self)[k]) : ctx.dimOf(x, k);
  std::string idx = fromEnd(ctx, index.name, size);
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
    std::string wrapped = fromEnd(ctx, ctx.emit("Add", {indices[i]->name, zeros}), size);
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

void registerIndexPutOps(Registry& r) {
  r.add("aten::index_put", 9, indexPut);
  r.add("aten::index_put_", 9, indexPutInPlace);
}

}  // namespace pt2onnx
