// Op tests: window functions (window.cpp).
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// The length comes from a dynamic size, so the window is computed in the graph.
const char* kHannDynamic = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %n : int = aten::size(%x, %0)
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::hann_window(%n, %none, %none, %none, %none)
  return (%y))IR";

TEST(Window, HannDynamicLengthOpset11) {
  auto model = convertIR(kHannDynamic, {"x:8"}, 11, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Cos"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
  EXPECT_EQ(outputDims(model), (Dims{-1}));
}

TEST(Window, HannDynamicLengthOpset17) {
  auto model = convertIR(kHannDynamic, {"x:8"}, 17, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Range"), 1);
}

// blackman adds a second cosine term.
const char* kBlackmanDynamic = R"IR(
graph(%x : Tensor):
  %0 : int = prim::Constant[value=0]()
  %f : bool = prim::Constant[value=0]()
  %n : int = aten::size(%x, %0)
  %dt : int = prim::Constant[value=7]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::blackman_window(%n, %f, %dt, %none, %none, %none)
  return (%y))IR";

TEST(Window, BlackmanSymmetricDoubleOpset11) {
  auto model = convertIR(kBlackmanDynamic, {"x:8"}, 11, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Cos"), 2);
  EXPECT_EQ(outputType(model), onnx::TensorProto::DOUBLE);
}

TEST(Window, BlackmanSymmetricDoubleOpset17) {
  auto model = convertIR(kBlackmanDynamic, {"x:8"}, 17, {"x:0=n"});
  EXPECT_EQ(outputType(model), onnx::TensorProto::DOUBLE);
}

}  // namespace
}  // namespace pt2onnx::test
