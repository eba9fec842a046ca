// Unit tests: registry dispatch by opset, dtype table, value naming.
#include "core/registry.h"

#include <gtest/gtest.h>

#include "core/context_impl.h"
#include "onnx/dtype.h"

namespace pt2onnx {
namespace {

Status ok(Context&, const Node&) { return Status::Ok(); }

TEST(Registry, PicksHighestSinceOpsetNotAboveTarget) {
  Registry r;
  r.add("aten::demo", 14, ok);
  r.add("aten::demo", 11, ok);
  const ConvertFn* v11 = r.find("aten::demo", 11);
  const ConvertFn* v14 = r.find("aten::demo", 14);
  ASSERT_NE(v11, nullptr);
  ASSERT_NE(v14, nullptr);
  EXPECT_NE(v11, v14);
  EXPECT_EQ(r.find("aten::demo", 10), nullptr);
  EXPECT_EQ(r.find("aten::demo", 13), v11);
  EXPECT_EQ(r.find("aten::demo", 17), v14);
  EXPECT_EQ(r.lowestOpset("aten::demo"), 11);
  EXPECT_FALSE(r.lowestOpset("aten::other").has_value());
}

TEST(Registry, DuplicateEntryIsABug) {
  Registry r;
  r.add("aten::demo", 11, ok);
  EXPECT_THROW(r.add("aten::demo", 11, ok), InternalError);
}

TEST(Registry, AllOpsRegisteredOnceAndSorted) {
  auto rows = registry().entries();
  ASSERT_FALSE(rows.empty());
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_LT(rows[i - 1].kind, rows[i].kind);
  for (const char* kind : {"aten::_convolution", "aten::relu", "aten::linear", "aten::add", "prim::ListConstruct"})
    EXPECT_NE(registry().find(kind, maxOpset()), nullptr) << kind;
  // HardSwish exists as an ONNX op from opset 14; below it a decomposition is registered.
  EXPECT_NE(registry().find("aten::hardswish", kMinOpset), registry().find("aten::hardswish", maxOpset()));
}

TEST(DTypeTable, RoundTripsEveryType) {
  for (DType d : {DType::kFloat, DType::kDouble, DType::kHalf, DType::kBFloat16, DType::kInt8, DType::kInt16,
                  DType::kInt32, DType::kInt64, DType::kUInt8, DType::kBool}) {
    EXPECT_EQ(fromTorch(toTorch(d)), d) << dtypeName(d);
    EXPECT_NE(toOnnx(d), onnx::TensorProto_DataType_UNDEFINED) << dtypeName(d);
    EXPECT_GT(dtypeBytes(d), 0u);
  }
  EXPECT_EQ(toOnnx(DType::kFloat), onnx::TensorProto_DataType_FLOAT);
  EXPECT_EQ(toOnnx(DType::kInt64), onnx::TensorProto_DataType_INT64);
  EXPECT_EQ(fromInput(InputDType::kUInt8), DType::kUInt8);
  EXPECT_EQ(fromTorch(c10::ScalarType::ComplexFloat), DType::kUndefined);
  EXPECT_TRUE(isFloating(DType::kHalf));
  EXPECT_FALSE(isIntegral(DType::kBool));
}

TEST(Naming, FreshNamesAreUniqueAndSanitized) {
  Context::Impl impl;
  EXPECT_EQ(impl.freshName("input.3"), "input.3");
  EXPECT_EQ(impl.freshName("input.3"), "input.3_1");
  EXPECT_EQ(impl.freshName("input.3"), "input.3_2");
  EXPECT_EQ(impl.freshName("a/b:c"), "a_b_c");
  EXPECT_EQ(impl.freshName(""), "v");
}

}  // namespace
}  // namespace pt2onnx
