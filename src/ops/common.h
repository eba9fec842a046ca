// Small helpers shared by converter families.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/context.h"
#include "core/registry.h"

namespace pt2onnx {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr double kPi = 3.14159265358979323846;

// atan2(y, x) of two tensors of float dtype dt, in (-pi, pi] (math.cpp).
std::string atan2Of(Context& ctx, const std::string& y, const std::string& x, DType dt);

// Where x (of float dtype dt) is -inf / +inf: IsInf from opset 10, before it a comparison with the
// type's largest finite value (special.cpp).
std::string isInfOf(Context& ctx, const std::string& x, DType dt, bool negative = true, bool positive = true);
// TopK's values and indices along `axis`, sorted, the largest or the smallest first (among equals
// the lower index first): TopK's attributes from opset 11, the largest of -x before it (sort.cpp).
std::vector<std::string> sortedTopK(Context& ctx, const std::string& x, const std::string& k, int64_t axis,
                                    bool largest);

// ScatterElements (opset 11) under its earlier name Scatter (opset 9), which takes no reduction.
inline const char* scatterElementsOp(const Context& ctx) { return ctx.opset() >= 11 ? "ScatterElements" : "Scatter"; }

// Round, halfway cases to even, at every opset (Round came with 11; before it, Floor and Where).
std::string roundHalfEven(Context& ctx, const std::string& x, DType dtype);

// A converter for a one-input ONNX op with no attributes whose output keeps the input's dtype.
inline ConvertFn unaryOp(std::string op_type) {
  return [op_type](Context& ctx, const Node& node) {
    ctx.bind(ctx.output(node), ctx.emit(op_type, {ctx.tensor(ctx.input(node, 0))}));
    return Status::Ok();
  };
}

// A chain of one-input ONNX ops computed in the output's dtype (math functions on int inputs
// give floats in PyTorch).
inline ConvertFn floatUnary(std::vector<std::string> chain) {
  return [chain](Context& ctx, const Node& node) {
    std::string x = ctx.tensor(ctx.input(node, 0), ctx.requireDType(ctx.output(node)));
    for (const auto& op : chain) x = ctx.emit(op, {x});
    ctx.bind(ctx.output(node), x);
    return Status::Ok();
  };
}

// Binds the node's output to its first input unchanged (contiguous, clone, eval dropout, ...).
inline Status passThrough(Context& ctx, const Node& node) {
  ctx.bind(ctx.output(node), ctx.tensor(ctx.input(node, 0)));
  return Status::Ok();
}

// A constant int list argument normalized to a given length (PyTorch repeats a lone int).
inline std::vector<int64_t> expandInts(const std::vector<int64_t>& v, size_t n) {
  if (v.size() == 1 && n > 1) return std::vector<int64_t>(n, v[0]);
  return v;
}

// Normalized dims of an int[] axis argument.
inline std::vector<int64_t> normalizeAxes(const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  for (auto a : axes) out.push_back(normalizeAxis(a, rank));
  return out;
}

// TopK takes numeric tensors; ONNX Runtime implements it for float, double, int32 and int64.
// Narrower types are sorted in a wider one that holds every value exactly.
inline DType sortableType(DType dt) {
  switch (dt) {
    case DType::kHalf:
    case DType::kBFloat16:
      return DType::kFloat;
    case DType::kBool:
    case DType::kInt8:
    case DType::kInt16:
    case DType::kUInt8:
      return DType::kInt32;
    default:
      return dt;
  }
}

// x[starts:ends] on `axes`, bounds known now: Slice took them as attributes before opset 10 and as
// inputs from opset 10 on. Axes must be non-negative (Slice accepts negative axes from opset 11).
inline std::string sliceConst(Context& ctx, const std::string& x, const std::vector<int64_t>& starts,
                              const std::vector<int64_t>& ends, const std::vector<int64_t>& axes) {
  if (ctx.opset() < 10) return ctx.emit("Slice", {x}, {{"starts", starts}, {"ends", ends}, {"axes", axes}});
  return ctx.emit("Slice", {x, ctx.constI64(starts), ctx.constI64(ends), ctx.constI64(axes)});
}

// The number of entries of an int[] argument known at conversion: its constant length, its
// ListConstruct's inputs, or the rank of the tensor whose aten::size it is; -1 otherwise.
inline int64_t intListLength(Context& ctx, const Value* list) {
  if (auto c = ctx.maybeConstInts(list)) return static_cast<int64_t>(c->size());
  const Node* producer = ctx.producer(list);
  if (!producer) return -1;
  if (ctx.kind(*producer) == "prim::ListConstruct") return static_cast<int64_t>(ctx.inputCount(*producer));
  if (ctx.kind(*producer) == "aten::size" && ctx.inputCount(*producer) == 1) return ctx.rank(ctx.input(*producer, 0));
  return -1;
}

// list + list (aten::add.t, and `outs += [t]` as aten::add_): the elements of both; a list grown
// in a loop (an ONNX sequence) gets the new elements inserted at its end.
Status listAdd(Context& ctx, const Node& node);

}  // namespace pt2onnx
