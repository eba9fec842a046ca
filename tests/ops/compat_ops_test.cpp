// Op tests: overloads newer than LibTorch 1.13 (squeeze.dims, all.dims, any.dims), through the
// schema shims in src/frontend/compat_schemas.cpp, at the lowest and highest opsets.
#include <gtest/gtest.h>

#include "frontend/compat_schemas.h"
#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

// `call` uses %x and the constants %dims ([1, 3]), %none and %keep (keepdim).
std::string ir(const std::string& call, bool keepdim = false) {
  registerCompatSchemas();  // parseIR needs the schemas; LibTorch 2.x has them natively
  return std::string(
             "graph(%x : Tensor):\n"
             "  %dims : int[] = prim::Constant[value=[1, 3]]()\n"
             "  %empty : int[] = prim::ListConstruct()\n"
             "  %none : NoneType = prim::Constant()\n"
             "  %keep : bool = prim::Constant[value=") +
         (keepdim ? "1" : "0") + "]()\n  %y : Tensor = " + call + "\n  return (%y)";
}

TEST(SqueezeDims, FixedSizesOpset11) {
  auto model = convertIR(ir("aten::squeeze(%x, %dims)"), {"x:2x1x3x1"}, 11);
  EXPECT_EQ(countOps(model, "Squeeze"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3}));
}

TEST(SqueezeDims, KeepsDimsNotOfSizeOneOpset17) {
  auto model = convertIR(ir("aten::squeeze(%x, %dims)"), {"x:2x1x3x4"}, 17);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 4}));
}

TEST(AllDims, TwoDimsOpset11) {
  auto model = convertIR(ir("aten::all(%x, %dims, %keep)"), {"x:2x3x4x5:bool"}, 11);
  EXPECT_EQ(countOps(model, "ReduceMin"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 4}));
}

TEST(AllDims, NoneKeepdimOpset17ReducesEveryDim) {
  auto model = convertIR(ir("aten::all(%x, %none, %keep)", true), {"x:2x3x4x5:bool"}, 17);
  EXPECT_EQ(countOps(model, "ReduceMin"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{1, 1, 1, 1}));
}

TEST(AnyDims, TwoDimsKeepdimOpset11DynamicBatch) {
  auto model = convertIR(ir("aten::any(%x, %dims, %keep)", true), {"x:2x3x4x5"}, 11, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "ReduceMax"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 1, 4, 1}));
}

TEST(AnyDims, EmptyListOpset17ReducesNothing) {
  auto model = convertIR(ir("aten::any(%x, %empty, %keep)"), {"x:2x3"}, 17);
  EXPECT_EQ(countOps(model, "ReduceMax"), 0);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3}));
}

}  // namespace
}  // namespace pt2onnx::test
