// Op tests: median, nanmedian, kthvalue, cummax, cummin and mode at their lowest and highest opsets.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// A graph whose last output is read: `body` defines %v and %i from %x.
std::string withDims(const std::string& body, const std::string& ret) {
  return R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=2]()
  %m1 : int = prim::Constant[value=-1]()
  %f : bool = prim::Constant[value=0]()
  %t : bool = prim::Constant[value=1]()
)IR" + body +
         "  return (" + ret + ")";
}

TEST(OrderStats, MedianAllOpset11) {
  auto model = convertIR(withDims("  %v : Tensor = aten::median(%x)\n", "%v"), {"x:3x5"}, 11);
  EXPECT_EQ(countOps(model, "TopK"), 1);
  EXPECT_EQ(countOps(model, "IsNaN"), 1);
  EXPECT_EQ(outputDims(model), (Dims{}));
}

TEST(OrderStats, MedianAllIntOpset17HasNoNaNTest) {
  auto model = convertIR(withDims("  %v : Tensor = aten::median(%x)\n", "%v"), {"x:3x5:int64"}, 17);
  EXPECT_EQ(countOps(model, "TopK"), 1);
  EXPECT_EQ(countOps(model, "IsNaN"), 0);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT64);
}

const char* kMedianDim = "  %v : Tensor, %i : Tensor = aten::median(%x, %m1, %f)\n";

TEST(OrderStats, MedianDimOpset11) {
  auto model = convertIR(withDims(kMedianDim, "%v, %i"), {"x:3x5"}, 11);
  EXPECT_EQ(countOps(model, "TopK"), 1);
  EXPECT_EQ(countOps(model, "ArgMax"), 1);
  EXPECT_EQ(outputDims(model, 0), (Dims{3}));
  EXPECT_EQ(outputType(model, 1), onnx::TensorProto::INT64);
}

// The middle position is computed from the dynamic length of the dim.
TEST(OrderStats, MedianDynamicDimOpset17) {
  auto model = convertIR(withDims(kMedianDim, "%v, %i"), {"x:3x5"}, 17, {"x:1=n"});
  EXPECT_EQ(countOps(model, "Shape"), 1);
  EXPECT_EQ(outputDims(model, 1), (Dims{3}));
}

// TopK takes k as an input from opset 10; the smallest are the largest of the negated values.
TEST(OrderStats, MedianAtOpset10NegatesForTopK) {
  auto model = convertIR(withDims(kMedianDim, "%v"), {"x:3x5"}, 10);
  EXPECT_EQ(countOps(model, "TopK"), 1);
  EXPECT_GE(countOps(model, "Neg"), 2);
}

TEST(OrderStats, MedianBelowOpset10IsRefused) {
  try {
    convertIR(withDims(kMedianDim, "%v"), {"x:3x5"}, 9);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs opset 10"), std::string::npos) << e.what();
  }
}

const char* kNanmedianDim = "  %v : Tensor, %i : Tensor = aten::nanmedian(%x, %0, %t)\n";

TEST(OrderStats, NanmedianDimOpset11) {
  auto model = convertIR(withDims(kNanmedianDim, "%v, %i"), {"x:4x3"}, 11);
  EXPECT_EQ(countOps(model, "GatherElements"), 2);
  EXPECT_EQ(outputDims(model, 0), (Dims{1, 3}));
}

TEST(OrderStats, NanmedianAllOpset17) {
  auto model = convertIR(withDims("  %v : Tensor = aten::nanmedian(%x)\n", "%v"), {"x:4x3"}, 17, {"x:0=b"});
  EXPECT_EQ(countOps(model, "TopK"), 1);
  EXPECT_EQ(outputDims(model), (Dims{}));
}

// Integer inputs hold no NaN: nanmedian is median.
TEST(OrderStats, NanmedianIntIsMedianOpset17) {
  auto model = convertIR(withDims(kNanmedianDim, "%v, %i"), {"x:4x3:int32"}, 17);
  EXPECT_EQ(countOps(model, "GatherElements"), 0);
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::INT32);
}

const char* kKth = "  %v : Tensor, %i : Tensor = aten::kthvalue(%x, %2, %0, %t)\n";

TEST(OrderStats, KthvalueOpset11) {
  auto model = convertIR(withDims(kKth, "%v, %i"), {"x:4x3"}, 11);
  EXPECT_EQ(countOps(model, "TopK"), 1);
  EXPECT_EQ(outputDims(model, 0), (Dims{1, 3}));
  EXPECT_EQ(outputDims(model, 1), (Dims{1, 3}));
}

// k computed from the batch size: x.size(0) // 2.
TEST(OrderStats, KthvalueComputedKOpset17) {
  auto model = convertIR(withDims("  %n : int = aten::size(%x, %0)\n  %k : int = aten::floordiv(%n, %2)\n"
                                  "  %v : Tensor, %i : Tensor = aten::kthvalue(%x, %k, %0, %f)\n",
                                  "%v"),
                         {"x:4x3"}, 17, {"x:0=b"});
  EXPECT_EQ(countOps(model, "TopK"), 1);
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

const char* kCummax = "  %v : Tensor, %i : Tensor = aten::cummax(%x, %1)\n";

TEST(OrderStats, CummaxOpset11) {
  auto model = convertIR(withDims(kCummax, "%v, %i"), {"x:2x5x3"}, 11);
  EXPECT_EQ(countOps(model, "Range"), 1);
  EXPECT_EQ(countOps(model, "IsNaN"), 1);
  EXPECT_EQ(outputDims(model, 0), (Dims{2, 5, 3}));
  EXPECT_EQ(outputDims(model, 1), (Dims{2, 5, 3}));
  EXPECT_EQ(outputType(model, 1), onnx::TensorProto::INT64);
}

TEST(OrderStats, CummaxDynamicDimOpset17) {
  auto model = convertIR(withDims(kCummax, "%v, %i"), {"x:2x5x3"}, 17, {"x:1=n"});
  EXPECT_EQ(outputDims(model, 0), (Dims{2, -1, 3}));
}

TEST(OrderStats, CumminIntOpset17) {
  auto model =
      convertIR(withDims("  %v : Tensor, %i : Tensor = aten::cummin(%x, %m1)\n", "%v, %i"), {"x:3x4:int8"}, 17);
  EXPECT_EQ(countOps(model, "IsNaN"), 0);
  EXPECT_EQ(countOps(model, "ReduceMin"), 1);
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::INT8);
}

const char* kMode = "  %v : Tensor, %i : Tensor = aten::mode(%x, %m1, %f)\n";

TEST(OrderStats, ModeOpset11) {
  auto model = convertIR(withDims(kMode, "%v, %i"), {"x:3x6"}, 11);
  EXPECT_EQ(countOps(model, "ReduceSum"), 1);
  EXPECT_EQ(outputDims(model, 0), (Dims{3}));
  EXPECT_EQ(outputDims(model, 1), (Dims{3}));
}

TEST(OrderStats, ModeValuesOfDynamicDimOpset17) {
  auto model = convertIR(withDims(kMode, "%v"), {"x:3x6"}, 17, {"x:1=n"});
  EXPECT_EQ(outputDims(model), (Dims{3}));
}

// PyTorch's index is an unspecified occurrence past 16 entries: the index output is refused.
TEST(OrderStats, ModeIndicesOfLongDimAreRefused) {
  try {
    convertIR(withDims(kMode, "%i"), {"x:3x17"}, 17);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("use only the values"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pt2onnx::test
