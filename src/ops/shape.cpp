// Converters: reshape/view/flatten, permute/transpose, squeeze/unsqueeze, cat/stack, split/chunk, expand, roll.
#include <algorithm>
#include <functional>
#include <limits>

#include "compat.h"
#include "ops/common.h"

namespace pt2onnx {
namespace {

Status reshape(Context& ctx, const Node& node) {
  std::string x = ctx.tensor(ctx.input(node, 0));
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {x, ctx.intsTensor(ctx.input(node, 1))}));
  return Status::Ok();
}

// flatten(self, start_dim, end_dim): dims before start keep their place (Reshape's 0 copies them);
// dims after end are static sizes or sliced from the input's shape.
Status flatten(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  std::string x = ctx.tensor(self);
  if (rank == 0) {
    ctx.bind(ctx.output(node), ctx.emit("Reshape", {x, ctx.constI64({1})}));
    return Status::Ok();
  }
  int64_t start = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  int64_t end = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
  if (start == end) return passThrough(ctx, node);
  std::vector<int64_t> head(start, 0);
  auto shape = ctx.shape(self);
  // The flattened size when it is fixed: -1 cannot be inferred when another dim is 0 at run time
  // (no detections: [0, 1, 4] -> [0, 4]).
  int64_t flat = 1;
  for (int64_t d = start; d <= end; ++d) flat = shape[d] > 0 && flat > 0 ? flat * shape[d] : -1;
  head.push_back(flat);
  std::vector<int64_t> tail(shape.begin() + end + 1, shape.end());
  std::string target;
  if (std::all_of(tail.begin(), tail.end(), [](int64_t d) { return d >= 0; })) {
    head.insert(head.end(), tail.begin(), tail.end());
    target = ctx.constI64(head);
  } else {
    std::string rest = sliceConst(ctx, ctx.shapeOf(x), {end + 1}, {kInt64Max}, {0});
    target = ctx.emit("Concat", {ctx.constI64(head), rest}, {{"axis", 0}});
  }
  ctx.bind(ctx.output(node), ctx.emit("Reshape", {x, target}));
  return Status::Ok();
}

Status permute(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  auto perm = normalizeAxes(ctx.constInts(ctx.input(node, 1)), ctx.requireRank(self));
  ctx.bind(ctx.output(node), ctx.emit("Transpose", {ctx.tensor(self)}, {{"perm", perm}}));
  return Status::Ok();
}

Status transpose(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  if (rank < 2) return passThrough(ctx, node);
  int64_t a = 0, b = 1;
  if (ctx.inputCount(node) >= 3) {
    a = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
    b = normalizeAxis(ctx.constInt(ctx.input(node, 2)), rank);
  }
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i) perm.push_back(i);
  std::swap(perm[a], perm[b]);
  ctx.bind(ctx.output(node), ctx.emit("Transpose", {ctx.tensor(self)}, {{"perm", perm}}));
  return Status::Ok();
}

Status unsqueeze(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self) + 1);
  ctx.bind(ctx.output(node), ctx.unsqueeze(ctx.tensor(self), {axis}));
  return Status::Ok();
}

// x squeezed on `axis` only when that dim is 1 at run time (its size follows a dynamic axis):
// an If whose branches are Squeeze and Identity, so the output's rank is decided at run time.
std::string squeezeIfOne(Context& ctx, const std::string& x, int64_t axis, DType dtype) {
  std::string is_one = ctx.emit("Equal", {ctx.dimOf(x, axis), ctx.scalarI64(1)});
  std::vector<GraphAttr> branches;
  for (bool squeezed : {true, false}) {
    ctx.beginSubgraph(squeezed ? "squeeze" : "keep");
    std::string y = squeezed ? ctx.squeeze(x, {axis}) : ctx.emit("Identity", {x});
    ctx.addSubgraphOutput(y, dtype);
    branches.push_back(ctx.endSubgraph());
  }
  return ctx.emit("If", {is_one}, {{"then_branch", branches[0]}, {"else_branch", branches[1]}});
}

// squeeze(self[, dim]): PyTorch removes a dim only when its size is 1. Fixed sizes decide at
// conversion; a dim that follows a dynamic axis is decided at run time: ONNX Squeeze without axes
// removes exactly the dims of size 1, and one given dim goes through squeezeIfOne.
Status squeeze(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  auto shape = ctx.shape(self);
  std::vector<int64_t> dims;
  if (ctx.inputCount(node) == 1) {
    for (int64_t i = 0; i < rank; ++i) dims.push_back(i);
  } else {
    dims = normalizeAxes(ctx.constInts(ctx.input(node, 1)), rank);
  }
  std::vector<int64_t> axes, dynamic;
  for (auto a : dims) {
    if (shape[a] == 1) axes.push_back(a);
    if (shape[a] < 0) dynamic.push_back(a);
  }
  std::string x = ctx.tensor(self);
  // Squeeze-11's shape inference without axes is wrong in newer ONNX libraries (compat.h).
  if (!dynamic.empty() && ctx.inputCount(node) == 1 && (ctx.opset() >= 13 || compat::kOnnxInfersSqueeze11WithoutAxes)) {
    ctx.bind(ctx.output(node), ctx.squeeze(x, {}));
    return Status::Ok();
  }
  if (!dynamic.empty()) {
    // Dims squeezed for sure go first; the run-time ones then move down by the dims before them and
    // go last to first, so each If leaves the positions of the others alone.
    if (!axes.empty()) x = ctx.squeeze(x, axes);
    for (auto it = dynamic.rbegin(); it != dynamic.rend(); ++it) {
      int64_t a = *it;
      for (auto s : axes) a -= s < *it;
      x = squeezeIfOne(ctx, x, a, ctx.requireDType(self));
    }
    ctx.bind(ctx.output(node), x);
    return Status::Ok();
  }
  if (axes.empty()) return passThrough(ctx, node);
  ctx.bind(ctx.output(node), ctx.squeeze(x, axes));
  return Status::Ok();
}

Status cat(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  DType dt = ctx.requireDType(out);
  int64_t rank = ctx.requireRank(out);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), rank);
  if (ctx.isSequence(ctx.input(node, 0))) {  // a list built in a loop
    if (ctx.opset() < 11)
      return ctx.fail(node, "cat of a list built in a loop needs opset 11 (ConcatFromSequence); try --opset 11");
    ctx.bind(out, ctx.emit("ConcatFromSequence", {ctx.sequence(ctx.input(node, 0))}, {{"axis", axis}}));
    return Status::Ok();
  }
  std::vector<std::string> parts;
  const Node* list = ctx.producer(ctx.input(node, 0));
  if (ctx.kind(*list) == "prim::ListConstruct") {
    for (size_t i = 0; i < ctx.inputCount(*list); ++i) {
      const Value* v = ctx.input(*list, i);
      if (ctx.rank(v) == 1 && ctx.shape(v)[0] == 0 && rank != 1) continue;  // legacy: empty tensors are skipped
      parts.push_back(ctx.tensor(v, dt));
    }
  } else {
    parts = ctx.tensorList(ctx.input(node, 0));
  }
  ctx.bind(out, parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", axis}}));
  return Status::Ok();
}

Status stack(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(out));
  if (ctx.isSequence(ctx.input(node, 0))) {  // a list built in a loop
    ctx.bind(out,
             ctx.emit("ConcatFromSequence", {ctx.sequence(ctx.input(node, 0))}, {{"axis", axis}, {"new_axis", 1}}));
    return Status::Ok();
  }
  std::vector<std::string> parts;
  for (const auto& t : ctx.tensorList(ctx.input(node, 0))) parts.push_back(ctx.unsqueeze(t, {axis}));
  ctx.bind(out, parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", axis}}));
  return Status::Ok();
}

// The parts of a split as its list output, or as its outputs one by one.
Status bindParts(Context& ctx, const Node& node, const std::vector<std::string>& parts) {
  const Value* out = ctx.output(node);
  if (ctx.isList(out)) {
    ctx.bindList(out, parts);
    return Status::Ok();
  }
  if (ctx.outputCount(node) != parts.size()) return ctx.fail(node, "unexpected number of outputs");
  for (size_t i = 0; i < parts.size(); ++i) ctx.bind(ctx.output(node, i), parts[i]);
  return Status::Ok();
}

Status splitInto(Context& ctx, const Node& node, int64_t axis, const std::vector<int64_t>& sizes, bool squeeze_parts) {
  auto parts = ctx.split(ctx.tensor(ctx.input(node, 0)), axis, sizes);
  if (squeeze_parts)
    for (auto& p : parts) p = ctx.squeeze(p, {axis});
  return bindParts(ctx, node, parts);
}

int64_t staticDim(Context& ctx, const Value* v, int64_t axis) {
  int64_t size = ctx.shape(v)[axis];
  if (size < 0)
    throw ConvertError("dimension " + std::to_string(axis) +
                       " follows a dynamic axis, so the number and sizes of its parts would change with it; give "
                       "explicit split sizes or make the axis fixed");
  return size;
}

// `count` parts of x along `axis`, part i the Slice [i * step, (i + 1) * step) (`step` a 1-D INT64
// computed in the graph; Slice clamps the last part's end to the size).
std::vector<std::string> stepSlices(Context& ctx, const std::string& x, int64_t axis, const std::string& step,
                                    int64_t count) {
  std::vector<std::string> parts;
  for (int64_t i = 0; i < count; ++i) {
    std::string start = ctx.emit("Mul", {step, ctx.constI64({i})});
    std::string end = ctx.emit("Add", {start, step});
    parts.push_back(ctx.emit("Slice", {x, start, end, ctx.constI64({axis})}));
  }
  return parts;
}

// A list of parts whose number is known only at run time, as an ONNX sequence of chunks of `step`
// entries (a 0-d INT64; the last chunk shorter), which loops, cat, stack, len and
// indexing read. Not for a list the model unpacks into a fixed number of values, nor before
// SplitToSequence (opset 11). Returns whether it bound the output.
bool chunksAsSequence(Context& ctx, const Node& node, int64_t axis, const std::string& step) {
  const Value* self = ctx.input(node, 0);
  const Value* out = ctx.output(node);
  if (!ctx.isList(out) || ctx.opset() < 11 || ctx.dtype(self) == DType::kUndefined) return false;
  for (const Node* user : ctx.users(out))
    if (ctx.kind(*user) == "prim::ListUnpack") return false;
  std::string chunks = ctx.emit("SplitToSequence", {ctx.tensor(self), step}, {{"axis", axis}});
  ctx.bindSequence(out, chunks, ctx.dtype(self));
  return true;
}

// Parts of `step` entries along a dim whose size follows a dynamic axis, step computed from the
// run-time size by `step_of`, so the last part is shorter when the size calls for it. When the
// number of parts is the same in every recorded run, part i is the Slice [i * step, (i + 1) *
// step); when it changes with the size, the list is an ONNX sequence.
Status stepParts(Context& ctx, const Node& node, int64_t axis, const std::function<int64_t(int64_t)>& step_at,
                 const std::function<std::string(const std::string&)>& step_of) {
  const Value* self = ctx.input(node, 0);
  std::optional<int64_t> count;
  bool varies = false;
  for (const auto& sizes : ctx.observedSizes(self)) {
    if (static_cast<int64_t>(sizes.size()) <= axis) continue;
    int64_t n = sizes[axis], step = step_at(n);
    int64_t c = n == 0 ? 0 : (n + step - 1) / step;
    varies = varies || (count && *count != c);
    if (!count) count = c;
  }
  if (!count) staticDim(ctx, self, axis);  // throws: nothing recorded to count the parts by
  std::string x = ctx.tensor(self);
  std::string step = step_of(ctx.unsqueeze(ctx.dimOf(x, axis), {0}));
  if (!varies) return bindParts(ctx, node, stepSlices(ctx, x, axis, step, *count));
  if (chunksAsSequence(ctx, node, axis, ctx.squeeze(step, {0}))) return Status::Ok();
  return ctx.fail(node, "dimension " + std::to_string(axis) +
                            " follows a dynamic axis and the number of parts changes with it, but the model unpacks "
                            "them into a fixed number of values; give explicit split sizes or make the axis fixed");
}

// chunk(self, chunks, dim): chunks of ceil(size / chunks), the last one smaller.
Status chunk(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), ctx.requireRank(self));
  auto given = ctx.maybeConstInt(ctx.input(node, 1));
  if (!given) {  // chunks of ceil(size / chunks): a sequence (a size of 0 gives step 0, no chunks)
    std::string x = ctx.tensor(self), n = ctx.tensor(ctx.input(node, 1), DType::kInt64);
    std::string step =
        ctx.emit("Div", {ctx.emit("Sub", {ctx.emit("Add", {ctx.dimOf(x, axis), n}), ctx.scalarI64(1)}), n});
    if (chunksAsSequence(ctx, node, axis, step)) return Status::Ok();
    return ctx.fail(node,
                    "the number of chunks is computed at run time, and with it the number of tensors the "
                    "graph returns; ONNX graphs have a fixed number of outputs");
  }
  int64_t chunks = *given;
  if (chunks <= 0) return ctx.fail(node, "chunk needs a positive number of chunks");
  int64_t size = ctx.shape(self)[axis];
  if (size < 0)
    return stepParts(
        ctx, node, axis, [chunks](int64_t n) { return std::max<int64_t>((n + chunks - 1) / chunks, 1); },
        [&ctx, chunks](const std::string& n) {  // a size of 0 gives step 0: every part is empty
          return ctx.emit("Div", {ctx.emit("Add", {n, ctx.constI64({chunks - 1})}), ctx.constI64({chunks})});
        });
  int64_t step = (size + chunks - 1) / chunks;
  std::vector<int64_t> sizes;
  for (int64_t left = size; left > 0; left -= step) sizes.push_back(std::min(step, left));
  return splitInto(ctx, node, axis, sizes, false);
}

// split/split_with_sizes with sizes computed at run time (sizes of other inputs' dynamic dims):
// Split takes them as an input from opset 13; before, its sizes are an attribute, so each part is
// a Slice between running sums of the sizes.
Status splitComputed(Context& ctx, const Node& node, int64_t axis, const Value* sizes_list) {
  const Node* list = ctx.producer(sizes_list);
  if (ctx.kind(*list) != "prim::ListConstruct")
    return ctx.fail(node, "split sizes are computed at run time and their count is unknown");
  size_t n = ctx.inputCount(*list);
  std::string x = ctx.tensor(ctx.input(node, 0));
  std::string sizes = ctx.intsTensor(sizes_list);
  std::vector<std::string> parts;
  if (ctx.opset() >= 13) {
    parts = ctx.emitN("Split", {x, sizes}, {{"axis", axis}}, n);
  } else {
    std::string ends = ctx.cumsum(sizes, 0, 1, DType::kInt64);
    std::string starts = ctx.emit("Sub", {ends, sizes});
    for (size_t i = 0; i < n; ++i) {
      auto at = [&](const std::string& v) {
        return ctx.emit("Slice",
                        {v, ctx.constI64({static_cast<int64_t>(i)}), ctx.constI64({static_cast<int64_t>(i) + 1})});
      };
      parts.push_back(ctx.emit("Slice", {x, at(starts), at(ends), ctx.constI64({axis})}));
    }
  }
  return bindParts(ctx, node, parts);
}

// split(self, split_size, dim) with the split size computed at run time: a list nothing unpacks is
// a sequence; when the model unpacks the parts into a fixed number of values, that is the number of
// parts every input gives (the model fails otherwise), so the last part ends between
// (count - 1) * size and count * size.
Status splitRuntimeSize(Context& ctx, const Node& node, int64_t axis) {
  std::optional<size_t> count;
  for (const Node* user : ctx.users(ctx.output(node))) {
    if (ctx.kind(*user) != "prim::ListUnpack" || (count && *count != ctx.outputCount(*user))) {
      count.reset();
      break;
    }
    count = ctx.outputCount(*user);
  }
  std::string size = ctx.tensor(ctx.input(node, 1), DType::kInt64);
  if (!count || *count == 0) {
    if (chunksAsSequence(ctx, node, axis, size)) return Status::Ok();
    return ctx.fail(node,
                    "the split size is computed at run time and the parts are not unpacked into a fixed number "
                    "of values, so the number of tensors it gives is unknown");
  }
  std::string step = ctx.unsqueeze(size, {0});
  return bindParts(ctx, node,
                   stepSlices(ctx, ctx.tensor(ctx.input(node, 0)), axis, step, static_cast<int64_t>(*count)));
}

// split(self, split_size | sizes, dim)
Status split(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), ctx.requireRank(self));
  const Value* how = ctx.input(node, 1);
  if (ctx.isList(how) && !ctx.maybeConstInts(how)) return splitComputed(ctx, node, axis, how);
  if (!ctx.isList(how) && !ctx.maybeConstInt(how)) return splitRuntimeSize(ctx, node, axis);
  auto given = ctx.constInts(how);
  if (ctx.isList(how)) return splitInto(ctx, node, axis, given, false);
  if (given[0] <= 0) return ctx.fail(node, "split needs a positive split size");
  int64_t size = ctx.shape(self)[axis];
  if (size < 0) {
    int64_t each = given[0];
    return stepParts(
        ctx, node, axis, [each](int64_t) { return each; },
        [&ctx, each](const std::string&) { return ctx.constI64({each}); });
  }
  std::vector<int64_t> sizes;
  for (int64_t left = size; left > 0; left -= given[0]) sizes.push_back(std::min(given[0], left));
  return splitInto(ctx, node, axis, sizes, false);
}

// tensor_split(self, sections | indices, dim): part j is self[idx[j-1]:idx[j]] along dim with
// slicing's rules (negative indices count from the end, a start past the end gives an empty part),
// which ONNX Slice follows, so each part is one Slice and dynamic dims need no size. `sections`
// splits n into parts of n / k + 1 (the first n % k of them) and n / k.
Status tensorSplit(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  const Value* how = ctx.input(node, 1);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 2)), ctx.requireRank(self));
  std::string x = ctx.tensor(self);
  std::optional<int64_t> sections;
  std::vector<int64_t> indices;
  if (ctx.isTensor(how)) {  // tensor_indices_or_sections: a 0-d tensor is a count
    const Node* p = ctx.producer(how);
    if (ctx.isConstant(how) && ctx.rank(how) == 0) sections = ctx.constInt(how);
    if (ctx.kind(*p) == "prim::NumToTensor") sections = ctx.maybeConstInt(ctx.input(*p, 0));
    if (!sections) return ctx.fail(node, "tensor_split by a tensor of indices or sections known only at run time");
  } else if (ctx.isList(how)) {
    indices = ctx.constInts(how);
  } else {
    sections = ctx.constInt(how);
  }
  std::vector<std::string> parts;
  auto slice = [&](const std::string& start, const std::string& end) {
    parts.push_back(ctx.emit("Slice", {x, start, end, ctx.constI64({axis})}));
  };
  if (!sections) {
    int64_t start = 0;
    for (int64_t idx : indices) {
      slice(ctx.constI64({start}), ctx.constI64({idx}));
      start = idx;
    }
    slice(ctx.constI64({start}), ctx.constI64({kInt64Max}));
  } else if (*sections <= 0) {
    return ctx.fail(node, "tensor_split into " + std::to_string(*sections) + " sections");
  } else if (int64_t n = ctx.shape(self)[axis]; n >= 0) {
    int64_t q = n / *sections, r = n % *sections, start = 0;
    for (int64_t j = 0; j < *sections; ++j) {
      int64_t size = q + (j < r ? 1 : 0);
      slice(ctx.constI64({start}), ctx.constI64({start + size}));
      start += size;
    }
  } else {
    // start_j = j * (n / k) + min(j, n % k), computed from the run-time size n.
    std::string dim = ctx.unsqueeze(ctx.dimOf(x, axis), {0});
    std::string k = ctx.constI64({*sections});
    std::string q = ctx.emit("Div", {dim, k});
    std::string r = ctx.emit("Mod", {dim, k});
    auto startOf = [&](int64_t j) {
      std::string jt = ctx.constI64({j});
      return ctx.emit("Add", {ctx.emit("Mul", {q, jt}), ctx.emit("Min", {r, jt})});
    };
    for (int64_t j = 0; j < *sections; ++j) slice(startOf(j), startOf(j + 1));
  }
  ctx.bindList(ctx.output(node), parts);
  return Status::Ok();
}

Status unbind(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t axis = normalizeAxis(ctx.constInt(ctx.input(node, 1)), ctx.requireRank(self));
  // `a, b, c, d = x.unbind(1)` on a dim whose size follows the data (detection boxes [N, 4]): the
  // unpack only runs when the dim has that many parts.
  auto users = ctx.users(ctx.output(node));
  if (ctx.shape(self)[axis] < 0 && users.size() == 1 && ctx.kind(*users[0]) == "prim::ListUnpack")
    return splitInto(ctx, node, axis, std::vector<int64_t>(ctx.outputCount(*users[0]), 1), true);
  // Otherwise a list as long as the dim is at run time (`for t in x.unbind(0)`): an ONNX sequence,
  // which loops, cat, stack, len and indexing read.
  if (ctx.shape(self)[axis] < 0 && ctx.opset() >= 11 && ctx.dtype(self) != DType::kUndefined) {
    ctx.bindSequence(ctx.output(node),
                     ctx.emit("SplitToSequence", {ctx.tensor(self)}, {{"axis", axis}, {"keepdims", int64_t{0}}}),
                     ctx.dtype(self));
    return Status::Ok();
  }
  return splitInto(ctx, node, axis, std::vector<int64_t>(staticDim(ctx, self, axis), 1), true);
}

// expand(self, size): -1 keeps a dim; ONNX Expand broadcasts, so -1 becomes 1 (in the graph for
// sizes computed at run time).
Status expand(Context& ctx, const Node& node) {
  const Value* size = ctx.input(node, 1);
  std::string target;
  if (auto sizes = ctx.maybeConstInts(size)) {
    for (auto& s : *sizes) s = s < 0 ? 1 : s;
    target = ctx.constI64(*sizes);
  } else {
    const Node* list = ctx.producer(size);
    if (ctx.kind(*list) != "prim::ListConstruct") {
      std::string v = ctx.intsTensor(size);
      target = ctx.emit("Where", {ctx.emit("Less", {v, ctx.constI64({0})}), ctx.constI64({1}), v});
    } else {
      std::vector<std::string> parts;
      for (size_t i = 0; i < ctx.inputCount(*list); ++i) {
        const Value* e = ctx.input(*list, i);
        auto c = ctx.maybeConstInt(e);
        if (c) {
          parts.push_back(ctx.constI64({*c < 0 ? 1 : *c}));
          continue;
        }
        std::string v = ctx.tensor(e, DType::kInt64);
        v = ctx.rank(e) == 1 ? v : ctx.unsqueeze(v, {0});
        if (ctx.kind(*ctx.producer(e)) == "aten::size") {  // never -1
          parts.push_back(v);
          continue;
        }
        // Any other size computed at run time may be -1 too.
        parts.push_back(ctx.emit("Where", {ctx.emit("Less", {v, ctx.constI64({0})}), ctx.constI64({1}), v}));
      }
      target = ctx.emit("Concat", parts, {{"axis", 0}});
    }
  }
  ctx.bind(ctx.output(node), ctx.emit("Expand", {ctx.tensor(ctx.input(node, 0)), target}));
  return Status::Ok();
}

Status expandAs(Context& ctx, const Node& node) {
  std::string other = ctx.tensor(ctx.input(node, 1));
  ctx.bind(ctx.output(node), ctx.emit("Expand", {ctx.tensor(ctx.input(node, 0)), ctx.shapeOf(other)}));
  return Status::Ok();
}

Status flip(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  auto dims = normalizeAxes(ctx.constInts(ctx.input(node, 1)), ctx.requireRank(self));
  std::vector<int64_t> starts(dims.size(), -1), ends(dims.size(), std::numeric_limits<int64_t>::min()),
      steps(dims.size(), -1);
  ctx.bind(ctx.output(node), ctx.emit("Slice", {ctx.tensor(self), ctx.constI64(starts), ctx.constI64(ends),
                                                ctx.constI64(dims), ctx.constI64(steps)}));
  return Status::Ok();
}

// roll(self, shifts, dims): per dim, the last `shift` entries move to the front.
Status roll(Context& ctx, const Node& node) {
  const Value* self = ctx.input(node, 0);
  int64_t rank = ctx.requireRank(self);
  auto shifts = ctx.constInts(ctx.input(node, 1));
  auto dims = ctx.constInts(ctx.input(node, 2));
  std::string x = ctx.tensor(self);
  std::vector<int64_t> original_shape;
  if (dims.empty()) {  // roll over the flattened tensor
    original_shape = ctx.shape(self);
    x = ctx.emit("Reshape", {x, ctx.constI64({-1})});
    dims = {0};
    rank = 1;
  }
  if (shifts.size() != dims.size()) return ctx.fail(node, "shifts and dims differ in length");
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t axis = normalizeAxis(dims[i], rank);
    int64_t shift = shifts[i];
    int64_t size = original_shape.empty() ? ctx.shape(self)[axis] : -1;
    if (size > 0) shift = ((shift % size) + size) % size;
    if (shift == 0) continue;
    // The cut is size - shift mod size; a size known only at run time (or the flattened size)
    // gets the modulo in the graph (Mod with fmod=0 takes the divisor's sign).
    std::string cut = ctx.constI64({-shift});
    if (size < 0) {
      std::string n = ctx.dimOf(x, axis);
      std::string s = ctx.emit("Mod", {ctx.scalarI64(shift), n}, {{"fmod", 0}});
      cut = ctx.unsqueeze(ctx.emit("Sub", {n, s}), {0});
    }
    std::string tail = ctx.emit("Slice", {x, cut, ctx.constI64({kInt64Max}), ctx.constI64({axis})});
    std::string head = ctx.emit("Slice", {x, ctx.constI64({0}), cut, ctx.constI64({axis})});
    x = ctx.emit("Concat", {tail, head}, {{"axis", axis}});
  }
  if (!original_shape.empty()) x = ctx.emit("Reshape", {x, ctx.shapeOf(ctx.tensor(self))});
  ctx.bind(ctx.output(node), x);
  return Status::Ok();
}

}  // namespace

void registerShapeOps(Registry& r) {
  r.add("aten::view", 9, reshape);
  r.add("aten::reshape", 9, reshape);
  r.add("aten::_reshape_alias", 9, reshape);
  r.add("aten::flatten", 9, flatten);
  r.add("aten::permute", 9, permute);
  r.add("aten::transpose", 9, transpose);
  r.add("aten::t", 9, transpose);
  r.add("aten::unsqueeze", 9, unsqueeze);
  r.add("aten::squeeze", 9, squeeze);
  r.add("aten::cat", 9, cat);
  r.add("aten::concat", 9, cat);
  r.add("aten::stack", 9, stack);
  r.add("aten::chunk", 9, chunk);
  r.add("aten::unsafe_chunk", 9, chunk);
  r.add("aten::split", 9, split);
  r.add("aten::split_with_sizes", 9, split);
  r.add("aten::unsafe_split", 9, split);
  r.add("aten::unsafe_split_with_sizes", 9, split);
  r.add("aten::tensor_split", 9, tensorSplit);
  r.add("aten::unbind", 9, unbind);
  r.add("aten::expand", 9, expand);
  r.add("aten::broadcast_to", 9, expand);
  r.add("aten::expand_as", 9, expandAs);
  r.add("aten::flip", 9, flip);
  r.add("aten::roll", 9, roll);
}

}  // namespace pt2onnx
