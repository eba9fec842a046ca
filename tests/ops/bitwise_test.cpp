// Op tests: bitwise operators and shifts (bitwise.cpp).
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

const char* kXor = R"IR(
graph(%a : Tensor, %b : Tensor):
  %y : Tensor = aten::bitwise_xor(%a, %b)
  return (%y))IR";

// Bools are logical.
TEST(Bitwise, XorOfBoolsIsLogicalOpset11) {
  auto model = convertIR(kXor, {"a:3:bool", "b:3:bool"}, 11);
  EXPECT_EQ(countOps(model, "Xor"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::BOOL);
}

// Integers are split into their 64 bits (no ONNX bitwise operator before opset 18).
TEST(Bitwise, XorOfIntsGoesBitByBitOpset11) {
  auto model = convertIR(kXor, {"a:3:int64", "b:3:int64"}, 11);
  EXPECT_EQ(countOps(model, "Xor"), 0);
  EXPECT_EQ(countOps(model, "Mod"), 2);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

TEST(Bitwise, XorOfInt32Opset17) {
  auto model = convertIR(kXor, {"a:2x3:int32", "b:3:int32"}, 17, {"a:0=n"});
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
}

const char* kAnd = R"IR(
graph(%a : Tensor, %b : Tensor):
  %y : Tensor = aten::__and__(%a, %b)
  return (%y))IR";

TEST(Bitwise, AndOfUint8Opset17) {
  auto model = convertIR(kAnd, {"a:4:uint8", "b:4:uint8"}, 17);
  EXPECT_EQ(countOps(model, "And"), 0);
  EXPECT_EQ(outputType(model), onnx::TensorProto::UINT8);
}

TEST(Bitwise, AndOfFloatsIsRefused) { EXPECT_THROW(convertIR(kAnd, {"a:4", "b:4"}, 17), std::exception); }

const char* kNot = R"IR(
graph(%a : Tensor):
  %y : Tensor = aten::bitwise_not(%a)
  return (%y))IR";

// ~x = -1 - x on two's-complement integers.
TEST(Bitwise, NotOfIntsOpset11) {
  auto model = convertIR(kNot, {"a:4:int64"}, 11);
  EXPECT_EQ(countOps(model, "Not"), 0);
  EXPECT_EQ(countOps(model, "Sub"), 1);
}

TEST(Bitwise, NotOfBoolsOpset17) {
  auto model = convertIR(kNot, {"a:4:bool"}, 17);
  EXPECT_EQ(countOps(model, "Not"), 1);
}

const char* kShiftRight = R"IR(
graph(%a : Tensor):
  %s : int = prim::Constant[value=2]()
  %y : Tensor = aten::__rshift__(%a, %s)
  return (%y))IR";

// Arithmetic shift: floor division, so negative values take the -1 - ((-1 - x) / 4) branch.
TEST(Bitwise, ShiftRightSignedOpset11) {
  auto model = convertIR(kShiftRight, {"a:4:int32"}, 11);
  EXPECT_EQ(countOps(model, "BitShift"), 0);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
}

TEST(Bitwise, ShiftRightOpset17) {
  auto model = convertIR(kShiftRight, {"a:4:int64"}, 17, {"a:0=n"});
  EXPECT_EQ(outputDims(model), (Dims{-1}));
}

const char* kShiftLeftBig = R"IR(
graph(%a : Tensor):
  %s : int = prim::Constant[value=64]()
  %y : Tensor = aten::__lshift__(%a, %s)
  return (%y))IR";

TEST(Bitwise, ShiftCountOutOfRangeIsRefused) {
  EXPECT_THROW(convertIR(kShiftLeftBig, {"a:4:int64"}, 17), std::exception);
}

}  // namespace
}  // namespace pt2onnx::test
