// Op tests: cross_entropy_loss, nll_loss_nd, binary_cross_entropy_with_logits and kl_div.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;

// Class-index targets are made up as 0..9 by the op-test runner, so C is 10.
std::string lossIR(const std::string& call, const std::string& inputs) {
  return "graph(" + inputs + R"IR():
  %none : NoneType = prim::Constant()
  %f : bool = prim::Constant[value=0]()
  %mean : int = prim::Constant[value=1]()
  %none_reduce : int = prim::Constant[value=0]()
  %ignore : int = prim::Constant[value=-100]()
  %smooth : float = prim::Constant[value=0.]()
  %y : Tensor = )IR" +
         call + "\n  return (%y)";
}

TEST(Loss, CrossEntropyIndicesOpset12) {
  auto model =
      convertIR(lossIR("aten::cross_entropy_loss(%x, %t, %none, %mean, %ignore, %smooth)", "%x : Tensor, %t : Tensor"),
                {"x:4x10", "t:4:int64"}, 12);
  EXPECT_EQ(countOps(model, "SoftmaxCrossEntropyLoss"), 1);
  EXPECT_EQ(outputDims(model), Dims{});
}

TEST(Loss, CrossEntropyProbabilitiesOpset11) {
  auto model = convertIR(
      lossIR("aten::cross_entropy_loss(%x, %t, %none, %none_reduce, %ignore, %smooth)", "%x : Tensor, %t : Tensor"),
      {"x:4x10", "t:4x10"}, 11);
  EXPECT_EQ(countOps(model, "LogSoftmax"), 1);
  EXPECT_EQ(outputDims(model), (Dims{4}));
}

// Before opset 12 the target's class is picked by a mask over the classes and summed away.
TEST(Loss, CrossEntropyIndicesOpset9PicksByMask) {
  auto model =
      convertIR(lossIR("aten::cross_entropy_loss(%x, %t, %none, %mean, %ignore, %smooth)", "%x : Tensor, %t : Tensor"),
                {"x:4x10", "t:4:int64"}, 9, {"x:0=n", "t:0=n"});
  EXPECT_EQ(countOps(model, "SoftmaxCrossEntropyLoss"), 0);
  EXPECT_EQ(countOps(model, "LogSoftmax"), 1);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(outputDims(model), Dims{});
}

// Over a middle class axis (LogSoftmax flattens from its axis before 13), weighted, per element.
TEST(Loss, CrossEntropyMiddleAxisWeightedOpset9) {
  auto model = convertIR(lossIR("aten::cross_entropy_loss(%x, %t, %w, %none_reduce, %ignore, %smooth)",
                                "%x : Tensor, %t : Tensor, %w : Tensor"),
                         {"x:2x10x3", "t:2x3:int64", "w:10"}, 9);
  EXPECT_EQ(countOps(model, "LogSoftmax"), 0);
  EXPECT_EQ(countOps(model, "Where"), 2);  // the picked log-probability and its weight
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

TEST(Loss, NllLossNdWeightedOpset9) {
  auto model =
      convertIR(lossIR("aten::nll_loss_nd(%x, %t, %w, %mean, %ignore)", "%x : Tensor, %t : Tensor, %w : Tensor"),
                {"x:2x10x3", "t:2x3:int64", "w:10"}, 9);
  EXPECT_EQ(countOps(model, "NegativeLogLikelihoodLoss"), 0);
  EXPECT_EQ(countOps(model, "Where"), 2);  // the picked log-probability and its weight
  EXPECT_EQ(outputDims(model), Dims{});
}

TEST(Loss, NllLossNdWeightedOpset17) {
  auto model =
      convertIR(lossIR("aten::nll_loss_nd(%x, %t, %w, %mean, %ignore)", "%x : Tensor, %t : Tensor, %w : Tensor"),
                {"x:2x10x3", "t:2x3:int64", "w:10"}, 17);
  EXPECT_EQ(countOps(model, "NegativeLogLikelihoodLoss"), 1);
}

TEST(Loss, BceWithLogitsPosWeightOpset11) {
  auto model = convertIR(lossIR("aten::binary_cross_entropy_with_logits(%x, %t, %none, %pw, %mean)",
                                "%x : Tensor, %t : Tensor, %pw : Tensor"),
                         {"x:3x4", "t:3x4", "pw:4"}, 11);
  EXPECT_EQ(outputDims(model), Dims{});
}

TEST(Loss, KlDivOpset17) {
  auto model =
      convertIR(lossIR("aten::kl_div(%x, %t, %none_reduce, %f)", "%x : Tensor, %t : Tensor"), {"x:3x4", "t:3x4"}, 17);
  EXPECT_EQ(countOps(model, "Where"), 1);  // 0 where the target is 0
  EXPECT_EQ(outputDims(model), (Dims{3, 4}));
}

}  // namespace
}  // namespace pt2onnx::test
