// Op tests: as_strided at its lowest and highest opsets, and its refusal of views.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

// x.as_strided(size, stride, offset) with the lists given as IR constants.
std::string strided(const std::string& size, const std::string& stride, int offset, const std::string& pre = "") {
  return R"IR(
graph(%x : Tensor):
  %s : int[] = prim::Constant[value=)IR" +
         size + R"IR(]()
  %t : int[] = prim::Constant[value=)IR" +
         stride +
         R"IR(]()
  %o : int = prim::Constant[value=)IR" +
         std::to_string(offset) + "]()\n" + pre + "  %y : Tensor = aten::as_strided(" + (pre.empty() ? "%x" : "%p") +
         ", %s, %t, %o)\n  return (%y)";
}

// Overlapping windows: a Gather of indices computed at conversion.
TEST(Strided, OverlappingWindowsOpset9) {
  auto model = convertIR(strided("[3, 3, 3]", "[1, 4, 2]", 2), {"x:5x8x7"}, 9);
  EXPECT_EQ(opTypes(model), (Ops{"Reshape", "Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{3, 3, 3}));
}

// A contiguous window at an offset: Slice and Reshape.
TEST(Strided, ContiguousWindowOpset9) {
  auto model = convertIR(strided("[2, 7]", "[7, 1]", 7), {"x:5x8x7"}, 9);
  EXPECT_EQ(opTypes(model), (Ops{"Reshape", "Slice", "Reshape"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 7}));
}

TEST(Strided, OverlappingWindowsOpset17) {
  auto model = convertIR(strided("[4, 3]", "[2, 1]", 0), {"x:10"}, 17);
  EXPECT_EQ(countOps(model, "Gather"), 1);
  EXPECT_EQ(outputDims(model), (Dims{4, 3}));
}

// Sizes from the dynamic batch: indices are computed in the graph with Range.
const char* kDynamic = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %7 : int = prim::Constant[value=7]()
  %56 : int = prim::Constant[value=56]()
  %8 : int = prim::Constant[value=8]()
  %n : int = aten::size(%x, %0)
  %s : int[] = prim::ListConstruct(%n, %7)
  %t : int[] = prim::ListConstruct(%56, %8)
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::as_strided(%x, %s, %t, %none)
  return (%y))IR";

TEST(Strided, ComputedSizesOpset11) {
  auto model = convertIR(kDynamic, {"x:3x8x7"}, 11, {"x:0=b"});
  EXPECT_EQ(countOps(model, "Range"), 2);
  EXPECT_EQ(outputDims(model), (Dims{-1, 7}));
}

TEST(Strided, ComputedSizesOpset17) {
  auto model = convertIR(kDynamic, {"x:3x8x7"}, 17, {"x:0=b"});
  EXPECT_EQ(countOps(model, "Range"), 2);
  EXPECT_EQ(outputDims(model), (Dims{-1, 7}));
}

// Before opset 11 the computed positions' ranges are spelled without Range.
TEST(Strided, ComputedSizesAtOpset9) {
  auto model = convertIR(kDynamic, {"x:3x8x7"}, 9, {"x:0=b"});
  EXPECT_EQ(countOps(model, "Range"), 0);
  EXPECT_GE(countOps(model, "NonZero"), 1);
}

// A transpose (and an elementwise result of one, which keeps its strides) is not its storage in
// row-major order.
TEST(Strided, TransposedInputIsRefused) {
  const std::string pre =
      "  %a : int = prim::Constant[value=0]()\n  %b : int = prim::Constant[value=1]()\n"
      "  %p : Tensor = aten::transpose(%x, %a, %b)\n";
  EXPECT_THROW(convertIR(strided("[2, 2]", "[1, 2]", 0, pre), {"x:3x4"}, 17), std::exception);
  const std::string relu = pre + "  %q : Tensor = aten::relu(%p)\n";
  std::string ir = strided("[2, 2]", "[1, 2]", 0, relu);
  ir.replace(ir.find("as_strided(%p"), 13, "as_strided(%q");
  try {
    convertIR(ir, {"x:3x4"}, 17);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(".contiguous()"), std::string::npos) << e.what();
  }
}

TEST(Strided, ReadPastTheEndIsRefused) {
  EXPECT_THROW(convertIR(strided("[3, 3]", "[4, 1]", 4), {"x:3x4"}, 17), std::exception);
}

}  // namespace
}  // namespace pt2onnx::test
