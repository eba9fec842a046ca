// Converters: bitwise and/or/xor/not and shifts; bools are logical, integers go bit by bit.
#include <cstdint>

#include "ops/common.h"
#include "ops/typing.h"

namespace pt2onnx {
namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// ONNX has bitwise operators only from opset 18 and BitShift only on unsigned types, so integer
// operands are worked on as int64 values split into their 64 two's-complement bits: bits 0..62
// of a negative x are those of x - INT64_MIN (which is >= 0 and cannot overflow), and bit 63 is
// the sign. Narrower integers are sign- or zero-extended first; the result is cast back, which
// keeps exactly the low bits.
std::string bitsOf(Context& ctx, const std::string& x) {
  std::string neg = ctx.emit("Less", {x, ctx.scalarI64(0)});
  std::string low = ctx.emit(
      "Where", {neg, ctx.emit("Sub", {ctx.emit("Where", {neg, x, ctx.scalarI64(-1)}), ctx.scalarI64(kInt64Min)}), x});
  std::vector<int64_t> powers;
  for (int k = 0; k < 63; ++k) powers.push_back(int64_t{1} << k);
  std::string digits = ctx.emit("Div", {ctx.unsqueeze(low, {-1}), ctx.constI64(powers)});
  std::string bits = ctx.opset() >= 10 ? ctx.emit("Mod", {digits, ctx.scalarI64(2)})
                                       : integerRemainder(ctx, digits, ctx.scalarI64(2), DType::kInt64, false);
  return ctx.emit("Concat", {bits, ctx.unsqueeze(ctx.cast(neg, DType::kBool, DType::kInt64), {-1})}, {{"axis", -1}});
}

// The int64 with the given 64 bits (0/1 along the last axis of a rank-`rank` tensor). ONNX
// Runtime sums int64 through floating point, which is not exact past 2^53, so only the 8 bits of
// each byte are summed (at most 255); the bytes are then weighted and added one by one. The top
// byte is signed (bit 63 weighs -2^63), so no step overflows.
std::string fromBits(Context& ctx, const std::string& bits, int64_t rank) {
  std::vector<int64_t> shape(rank, 0);  // Reshape's 0 copies a dim
  shape.push_back(8);
  shape.push_back(8);
  std::string grouped = ctx.emit("Reshape", {bits, ctx.constI64(shape)});
  std::string bytes = ctx.reduce("ReduceSum", ctx.emit("Mul", {grouped, ctx.constI64({1, 2, 4, 8, 16, 32, 64, 128})}),
                                 {-1}, false);  // [..., 8], byte 0 lowest
  auto byteAt = [&](int64_t k) {
    return ctx.squeeze(ctx.emit("Slice", {bytes, ctx.constI64({k}), ctx.constI64({k + 1}), ctx.constI64({-1})}), {-1});
  };
  std::string sign =
      ctx.squeeze(ctx.emit("Slice", {bits, ctx.constI64({63}), ctx.constI64({64}), ctx.constI64({-1})}), {-1});
  std::string top = ctx.emit("Sub", {byteAt(7), ctx.emit("Mul", {sign, ctx.scalarI64(256)})});
  std::string value = ctx.emit("Mul", {top, ctx.scalarI64(int64_t{1} << 56)});
  for (int64_t k = 0; k < 7; ++k)
    value = ctx.emit("Add", {value, ctx.emit("Mul", {byteAt(k), ctx.scalarI64(int64_t{1} << (8 * k))})});
  return value;
}

enum class BitOp { kAnd, kOr, kXor };

ConvertFn bitwiseBinary(BitOp op) {
  return [op](Context& ctx, const Node& node) {
    const Value* out = ctx.output(node);
    DType dt = ctx.requireDType(out);
    if (dt == DType::kBool) {
      const char* onnx = op == BitOp::kAnd ? "And" : op == BitOp::kOr ? "Or" : "Xor";
      ctx.bind(out, ctx.emit(onnx, {ctx.tensor(ctx.input(node, 0), dt), ctx.tensor(ctx.input(node, 1), dt)}));
      return Status::Ok();
    }
    if (!isIntegral(dt)) return ctx.fail(node, "bitwise operators take integer or bool tensors");
    std::string a = bitsOf(ctx, ctx.tensor(ctx.input(node, 0), DType::kInt64));
    std::string b = bitsOf(ctx, ctx.tensor(ctx.input(node, 1), DType::kInt64));
    // On 0/1 digits: and = a*b, or = a+b-a*b, xor = a+b-2*a*b.
    std::string both = ctx.emit("Mul", {a, b});
    std::string bits = both;
    if (op != BitOp::kAnd) {
      std::string sum = ctx.emit("Add", {a, b});
      bits = ctx.emit("Sub", {sum, op == BitOp::kOr ? both : ctx.emit("Mul", {both, ctx.scalarI64(2)})});
    }
    ctx.bind(out, ctx.cast(fromBits(ctx, bits, ctx.requireRank(out)), DType::kInt64, dt));
    return Status::Ok();
  };
}

// Opset 18 has BitwiseAnd/Or/Xor/Not on every integer type; bools stay logical.
ConvertFn bitwiseBinary18(BitOp op) {
  return [op](Context& ctx, const Node& node) {
    const Value* out = ctx.output(node);
    DType dt = ctx.requireDType(out);
    if (!isIntegral(dt) && dt != DType::kBool) return ctx.fail(node, "bitwise operators take integer or bool tensors");
    const char* onnx = dt == DType::kBool ? (op == BitOp::kAnd  ? "And"
                                             : op == BitOp::kOr ? "Or"
                                                                : "Xor")
                                          : (op == BitOp::kAnd  ? "BitwiseAnd"
                                             : op == BitOp::kOr ? "BitwiseOr"
                                                                : "BitwiseXor");
    ctx.bind(out, ctx.emit(onnx, {ctx.tensor(ctx.input(node, 0), dt), ctx.tensor(ctx.input(node, 1), dt)}));
    return Status::Ok();
  };
}

Status bitwiseNot18(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  DType dt = ctx.requireDType(out);
  if (!isIntegral(dt) && dt != DType::kBool) return ctx.fail(node, "bitwise_not takes integer or bool tensors");
  ctx.bind(out, ctx.emit(dt == DType::kBool ? "Not" : "BitwiseNot", {ctx.tensor(ctx.input(node, 0), dt)}));
  return Status::Ok();
}

// bitwise_not: logical not on bools; ~x = -1 - x on two's-complement integers.
Status bitwiseNot(Context& ctx, const Node& node) {
  const Value* out = ctx.output(node);
  DType dt = ctx.requireDType(out);
  if (dt == DType::kBool) {
    ctx.bind(out, ctx.emit("Not", {ctx.tensor(ctx.input(node, 0), dt)}));
    return Status::Ok();
  }
  if (!isIntegral(dt)) return ctx.fail(node, "bitwise_not takes integer or bool tensors");
  std::string x = ctx.tensor(ctx.input(node, 0), DType::kInt64);
  std::string y = ctx.emit("Sub", {ctx.scalarI64(-1), x});
  if (dt == DType::kUInt8) y = ctx.emit("Add", {y, ctx.scalarI64(256)});  // ~x of a uint8 is 255 - x
  ctx.bind(out, ctx.cast(y, DType::kInt64, dt));
  return Status::Ok();
}

// x << s is x * 2^s and x >> s is floor(x / 2^s) (arithmetic on signed integers, as PyTorch shifts
// them), for shift counts from 0 to 62. Products that leave the type wrap, as the shift does. Integer Div truncates, so
// a negative x is shifted as -1 - ((-1 - x) >> s), which is the floor.
ConvertFn shift(bool left) {
  return [left](Context& ctx, const Node& node) {
    const Value* out = ctx.output(node);
    DType dt = ctx.requireDType(out);
    const Value* count = ctx.input(node, 1);
    if (!isIntegral(dt)) return ctx.fail(node, "shifts take integer tensors");
    std::string p;
    if (auto c = ctx.maybeConstInt(count)) {
      if (*c < 0 || *c > 62) return ctx.fail(node, "shift count " + std::to_string(*c) + " is outside 0..62");
      p = ctx.scalarI64(int64_t{1} << *c);
    } else {  // 2^s is exact in double for s <= 62
      p = ctx.cast(ctx.emit("Pow", {ctx.scalar(2, DType::kDouble), ctx.tensor(count, DType::kDouble)}), DType::kDouble,
                   DType::kInt64);
    }
    std::string x = ctx.tensor(ctx.input(node, 0), DType::kInt64);
    std::string y;
    if (left) {
      y = ctx.emit("Mul", {x, p});
    } else {
      std::string neg = ctx.emit("Less", {x, ctx.scalarI64(0)});
      std::string flipped = ctx.emit("Sub", {ctx.scalarI64(-1), x});
      std::string down = ctx.emit("Sub", {ctx.scalarI64(-1), ctx.emit("Div", {flipped, p})});
      y = ctx.emit("Where", {neg, down, ctx.emit("Div", {x, p})});
    }
    ctx.bind(out, ctx.cast(y, DType::kInt64, dt));
    return Status::Ok();
  };
}

}  // namespace

void registerBitwiseOps(Registry& r) {
  for (const char* kind : {"aten::bitwise_and", "aten::__and__"}) r.add(kind, 9, bitwiseBinary(BitOp::kAnd));
  for (const char* kind : {"aten::bitwise_or", "aten::__or__"}) r.add(kind, 9, bitwiseBinary(BitOp::kOr));
  for (const char* kind : {"aten::bitwise_xor", "aten::__xor__"}) r.add(kind, 9, bitwiseBinary(BitOp::kXor));
  r.add("aten::bitwise_not", 9, bitwiseNot);
  for (const char* kind : {"aten::bitwise_and", "aten::__and__"}) r.add(kind, 18, bitwiseBinary18(BitOp::kAnd));
  for (const char* kind : {"aten::bitwise_or", "aten::__or__"}) r.add(kind, 18, bitwiseBinary18(BitOp::kOr));
  for (const char* kind : {"aten::bitwise_xor", "aten::__xor__"}) r.add(kind, 18, bitwiseBinary18(BitOp::kXor));
  r.add("aten::bitwise_not", 18, bitwiseNot18);
  for (const char* kind : {"aten::__lshift__", "aten::bitwise_left_shift"}) r.add(kind, 9, shift(true));
  for (const char* kind : {"aten::__rshift__", "aten::bitwise_right_shift"}) r.add(kind, 9, shift(false));
}

}  // namespace pt2onnx
