// Converters: tensor factories — zeros/ones/full/empty and their _like/new_ forms, arange, linspace, tensor.
#include <algorithm>

#include "onnx/dtype.h"
#include "ops/common.h"

namespace pt2onnx {
namespace {

// Where a factory finds the shape of its result.
enum class ShapeFrom { kSize0, kSize1, kSelf };  // size at input 0, size at input 1, self's shape

std::string targetShape(Context& ctx, const Node& node, ShapeFrom from) {
  if (from == ShapeFrom::kSize0) return ctx.intsTensor(ctx.input(node, 0));
  if (from == ShapeFrom::kSize1) return ctx.intsTensor(ctx.input(node, 1));
  const Value* self = ctx.input(node, 0);
  auto shape = ctx.shape(self);
  if (std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; })) return ctx.constI64(shape);
  return ctx.shapeOf(ctx.tensor(self));
}

// A filled tensor is a 0-d value Expanded to the shape (ConstantOfShape would need a tensor
// attribute). `fill_arg` < 0 uses the constant `value`; otherwise the fill is that input.
ConvertFn filled(ShapeFrom from, double value, int fill_arg = -1) {
  return [=](Context& ctx, const Node& node) {
    const Value* out = ctx.output(node);
    DType dt = ctx.requireDType(out);
    std::string fill = fill_arg < 0 ? ctx.scalar(value, dt) : ctx.tensor(ctx.input(node, fill_arg), dt);
    if (fill_arg >= 0 && ctx.requireRank(ctx.input(node, fill_arg)) != 0)
      fill = ctx.emit("Reshape", {fill, ctx.constI64({})});
    ctx.bind(out, ctx.emit("Expand", {fill, targetShape(ctx, node, from)}));
    return Status::Ok();
  };
}

// The type Range computes in: PyTorch steps floating ranges in double (start + i * step), and
// ONNX Range takes no 8-bit or 16-bit float types.
DType rangeType(DType dt) {
  if (isFloating(dt)) return DType::kDouble;
  if (dt == DType::kInt16 || dt == DType::kInt32 || dt == DType::kInt64) return dt;
  return DType::kInt64;
}

// arange overloads by input count: (end, dtype, layout, device, pin_memory) |
// (start, end, dtype, ...) | (start, end, step, dtype, ...). Range(start, limit, delta) in the
// output dtype; the bounds may be computed ints.
Status arange(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  DType dt = ctx.requireDType(out);
  DType ct = rangeType(dt);
  size_t n = ctx.inputCount(node);
  // The out= overloads, (end, out) and (start, end, step, out), read like (end) and (start, end, step).
  size_t bounds = n == 2 ? 1 : n == 4 ? 3 : n - 4;
  if (n != 2 && n != 4 && (n < 5 || n > 7))
    return ctx.fail(node, "unexpected arange overload with " + std::to_string(n) + " inputs");
  for (size_t i = 0; i < bounds; ++i)
    if (ctx.rank(ctx.input(node, i)) > 0) return ctx.fail(node, "arange bounds must be scalars");
  std::string start = bounds == 1 ? ctx.scalar(0, ct) : ctx.tensor(ctx.input(node, 0), ct);
  std::string end = ctx.tensor(ctx.input(node, bounds == 1 ? 0 : 1), ct);
  std::string step = bounds == 3 ? ctx.tensor(ctx.input(node, 2), ct) : ctx.scalar(1, ct);
  ctx.bind(out, ctx.cast(ctx.emit("Range", {start, end, step}), ct, dt));
  return Status::Ok();
}

// linspace(start, end, steps, dtype, ...): start + i * (end - start) / (steps - 1) for i < steps,
// computed in float (double for double and integer outputs; integers truncate, as in PyTorch).
Status linspace(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  DType dt = ctx.requireDType(out);
  DType ct = dt == DType::kFloat ? DType::kFloat : DType::kDouble;
  std::string start = ctx.tensor(ctx.input(node, 0), ct);
  std::string end = ctx.tensor(ctx.input(node, 1), ct);
  const Value* steps_v = ctx.input(node, 2);
  std::string steps = ctx.tensor(steps_v, ct);
  std::string i = ctx.emit("Range", {ctx.scalar(0, ct), steps, ctx.scalar(1, ct)});
  std::string intervals;  // steps - 1, at least 1 so that steps == 1 gives [start]
  if (auto s = ctx.maybeConstInt(steps_v)) {
    intervals = ctx.scalar(static_cast<double>(std::max<int64_t>(*s - 1, 1)), ct);
  } else {
    intervals = ctx.emit("Max", {ctx.emit("Sub", {steps, ctx.scalar(1, ct)}), ctx.scalar(1, ct)});
  }
  std::string delta = ctx.emit("Div", {ctx.emit("Sub", {end, start}), intervals});
  std::string y = ctx.emit("Add", {start, ctx.emit("Mul", {i, delta})});
  ctx.bind(out, ctx.cast(y, ct, dt));
  return Status::Ok();
}

// tensor(data, dtype, ...) / as_tensor(data, dtype, ...): a tensor (cast), a Python number (0-d)
// or a flat list of numbers, possibly computed (concatenated).
// tensor(data, dtype, device, requires_grad): the recorded type, else a constant dtype argument
// (a tensor only written by an out= argument is not recorded).
Status tensorOf(Context& ctx, const Node& node) {
  const Value* data = ctx.input(node, 0);
  const Value* out = ctx.output(node);
  DType dt = ctx.dtype(out);
  if (dt == DType::kUndefined && ctx.inputCount(node) > 1)
    if (auto type = ctx.maybeConstInt(ctx.input(node, 1))) dt = fromTorch(static_cast<c10::ScalarType>(*type));
  if (dt == DType::kUndefined) dt = ctx.requireDType(out);
  if (!ctx.isList(data) || ctx.isConstant(data)) {
    ctx.bind(out, ctx.tensor(data, dt));
    return Status::Ok();
  }
  const Node* list = ctx.producer(data);
  if (ctx.kind(*list) != "prim::ListConstruct")
    return ctx.fail(node, "the data list is not built by prim::ListConstruct");
  std::vector<std::string> parts;
  for (size_t i = 0; i < ctx.inputCount(*list); ++i) {
    const Value* e = ctx.input(*list, i);
    if (ctx.isList(e) || ctx.requireRank(e) != 0) return ctx.fail(node, "nested data lists are not supported");
    parts.push_back(ctx.unsqueeze(ctx.tensor(e, dt), {0}));
  }
  if (parts.empty()) return ctx.fail(node, "an empty data list has no element type to build");
  ctx.bind(out, parts.size() == 1 ? parts[0] : ctx.emit("Concat", parts, {{"axis", 0}}));
  return Status::Ok();
}

}  // namespace

void registerCreationOps(Registry& r) {
  r.add("aten::zeros", 9, filled(ShapeFrom::kSize0, 0));
  r.add("aten::ones", 9, filled(ShapeFrom::kSize0, 1));
  r.add("aten::empty", 9, filled(ShapeFrom::kSize0, 0));  // any contents are valid: zeros
  r.add("aten::full", 9, filled(ShapeFrom::kSize0, 0, 1));
  r.add("aten::zeros_like", 9, filled(ShapeFrom::kSelf, 0));
  r.add("aten::ones_like", 9, filled(ShapeFrom::kSelf, 1));
  r.add("aten::empty_like", 9, filled(ShapeFrom::kSelf, 0));
  r.add("aten::full_like", 9, filled(ShapeFrom::kSelf, 0, 1));
  r.add("aten::new_zeros", 9, filled(ShapeFrom::kSize1, 0));
  r.add("aten::new_ones", 9, filled(ShapeFrom::kSize1, 1));
  r.add("aten::new_empty", 9, filled(ShapeFrom::kSize1, 0));
  r.add("aten::new_full", 9, filled(ShapeFrom::kSize1, 0, 2));
  r.add("aten::empty_strided", 9, filled(ShapeFrom::kSize0, 0));  // strides do not change the values
  r.add("aten::new_empty_strided", 9, filled(ShapeFrom::kSize1, 0));
  r.add("aten::fill", 9, filled(ShapeFrom::kSelf, 0, 1));
  r.add("aten::arange", 9, arange);
  r.add("aten::linspace", 9, linspace);
  r.add("aten::tensor", 9, tensorOf);
  r.add("aten::as_tensor", 9, tensorOf);
}

}  // namespace pt2onnx
