// Op tests: normalization converters (batch, layer, rms, group, instance norm) at their lowest and highest opsets.
#include <gtest/gtest.h>

#include <exception>

#include "frontend/compat_schemas.h"
#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

int countInitializers(const onnx::ModelProto& model) { return model.graph().initializer_size(); }

const char* kBatchNorm = R"IR(
graph(%x : Tensor, %w : Tensor, %b : Tensor, %rm : Tensor, %rv : Tensor):
  %training : bool = prim::Constant[value=0]()
  %momentum : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::batch_norm(%x, %w, %b, %rm, %rv, %training, %momentum, %eps, %cudnn)
  return (%y))IR";

TEST(BatchNorm, EvalOpset11) {
  auto model = convertIR(kBatchNorm, {"x:2x4x5x5", "w:4", "b:4", "rm:4", "rv:4"}, 11);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"BatchNormalization"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 4, 5, 5}));
}

TEST(BatchNorm, EvalOpset17) {
  auto model = convertIR(kBatchNorm, {"x:2x4x5x5", "w:4", "b:4", "rm:4", "rv:4"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"BatchNormalization"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 4, 5, 5}));
}

const char* kBatchNormNoAffine = R"IR(
graph(%x : Tensor, %rm : Tensor, %rv : Tensor):
  %none : NoneType = prim::Constant()
  %training : bool = prim::Constant[value=0]()
  %momentum : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::batch_norm(%x, %none, %none, %rm, %rv, %training, %momentum, %eps, %cudnn)
  return (%y))IR";

TEST(BatchNorm, NoAffineOpset11FillsOnesAndZeros) {
  auto model = convertIR(kBatchNormNoAffine, {"x:3x6", "rm:6", "rv:6"}, 11);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"BatchNormalization"}));
  EXPECT_EQ(countInitializers(model), 2);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{3, 6}));
}

TEST(BatchNorm, NoAffineOpset17FillsOnesAndZeros) {
  auto model = convertIR(kBatchNormNoAffine, {"x:2x6x7", "rm:6", "rv:6"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"BatchNormalization"}));
  EXPECT_EQ(countInitializers(model), 2);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 6, 7}));
}

// Traced in train() mode: batch statistics and an update of the running ones. Refused.
TEST(BatchNorm, TrainingModeWithRunningStatsFails) {
  std::string error = conversionError(R"IR(
graph(%x : Tensor, %rm : Tensor, %rv : Tensor):
  %none : NoneType = prim::Constant()
  %training : bool = prim::Constant[value=1]()
  %momentum : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::batch_norm(%x, %none, %none, %rm, %rv, %training, %momentum, %eps, %cudnn)
  return (%y))IR",
                                      {"x:2x4x5x5", "rm:4", "rv:4"}, 17);
  EXPECT_NE(error.find("training mode"), std::string::npos) << error;
}

// track_running_stats=False: no running statistics, so the batch's own (in eval mode too):
// ReduceMean over every axis but the channels, for the mean and for the biased variance.
const char* kBatchStats = R"IR(
graph(%x : Tensor, %w : Tensor, %b : Tensor):
  %none : NoneType = prim::Constant()
  %training : bool = prim::Constant[value=1]()
  %momentum : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::batch_norm(%x, %w, %b, %none, %none, %training, %momentum, %eps, %cudnn)
  return (%y))IR";

TEST(BatchNorm, BatchStatisticsOpset9) {
  auto model = convertIR(kBatchStats, {"x:2x4x5x5", "w:4", "b:4"}, 9);
  EXPECT_EQ(countOps(model, "ReduceMean"), 2);
  EXPECT_EQ(countOps(model, "BatchNormalization"), 0);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 4, 5, 5}));
}

TEST(BatchNorm, BatchStatisticsOpset17) {
  auto model = convertIR(kBatchStats, {"x:2x4x5", "w:4", "b:4"}, 17, {"x:0=batch,2=len"});
  EXPECT_EQ(countOps(model, "ReduceMean"), 2);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 4, -1}));
}

const char* kLayerNorm = R"IR(
graph(%x : Tensor, %w : Tensor, %b : Tensor):
  %shape : int[] = prim::Constant[value=[4]]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::layer_norm(%x, %shape, %w, %b, %eps, %cudnn)
  return (%y))IR";

TEST(LayerNorm, AffineOpset11Decomposes) {
  auto model = convertIR(kLayerNorm, {"x:2x3x4", "w:4", "b:4"}, 11);
  EXPECT_EQ(countOps(model, "LayerNormalization"), 0);
  EXPECT_EQ(countOps(model, "ReduceMean"), 2);
  EXPECT_EQ(countOps(model, "Sqrt"), 1);
  EXPECT_EQ(countOps(model, "Div"), 1);
  EXPECT_EQ(countOps(model, "Mul"), 2);  // square, weight
  EXPECT_EQ(countOps(model, "Add"), 2);  // eps, bias
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 4}));
}

TEST(LayerNorm, AffineOpset16Decomposes) {
  auto model = convertIR(kLayerNorm, {"x:2x3x4", "w:4", "b:4"}, 16);
  EXPECT_EQ(countOps(model, "LayerNormalization"), 0);
  EXPECT_EQ(countOps(model, "ReduceMean"), 2);
}

TEST(LayerNorm, AffineOpset17SingleNode) {
  auto model = convertIR(kLayerNorm, {"x:2x3x4", "w:4", "b:4"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"LayerNormalization"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 4}));
}

const char* kLayerNormNoAffine2d = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %shape : int[] = prim::Constant[value=[3, 4]]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::layer_norm(%x, %shape, %none, %none, %eps, %cudnn)
  return (%y))IR";

TEST(LayerNorm, NoAffineTwoAxesOpset11) {
  auto model = convertIR(kLayerNormNoAffine2d, {"x:2x3x4"}, 11);
  EXPECT_EQ(countOps(model, "ReduceMean"), 2);
  EXPECT_EQ(countOps(model, "Mul"), 1);  // only the square
  EXPECT_EQ(countOps(model, "Add"), 1);  // only eps
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 4}));
}

TEST(LayerNorm, NoAffineTwoAxesOpset17AddsOnesScale) {
  auto model = convertIR(kLayerNormNoAffine2d, {"x:2x3x4"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"LayerNormalization"}));
  const auto& node = model.graph().node(0);
  EXPECT_EQ(node.input_size(), 2);  // X and the ones Scale; no B
  EXPECT_EQ(node.attribute(0).name(), "axis");
  EXPECT_EQ(node.attribute(0).i(), -2);
  EXPECT_EQ(countInitializers(model), 1);
  EXPECT_EQ(model.graph().initializer(0).dims_size(), 2);
}

TEST(LayerNorm, DynamicBatchOpset17) {
  auto model = convertIR(kLayerNorm, {"x:2x3x4", "w:4", "b:4"}, 17, {"x:0=batch"});
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 3, 4}));
}

const char* kNativeLayerNorm = R"IR(
graph(%x : Tensor, %w : Tensor, %b : Tensor):
  %shape : int[] = prim::Constant[value=[4]]()
  %eps : float = prim::Constant[value=1e-05]()
  %y : Tensor, %mean : Tensor, %rstd : Tensor = aten::native_layer_norm(%x, %shape, %w, %b, %eps)
  return (%y, %mean, %rstd))IR";

TEST(NativeLayerNorm, ThreeOutputsOpset11) {
  auto model = convertIR(kNativeLayerNorm, {"x:2x3x4", "w:4", "b:4"}, 11);
  EXPECT_EQ(countOps(model, "Reciprocal"), 1);
  EXPECT_EQ(outputDims(model, 0), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(outputDims(model, 2), (std::vector<int64_t>{2, 3, 1}));
}

TEST(NativeLayerNorm, ThreeOutputsOpset17) {
  auto model = convertIR(kNativeLayerNorm, {"x:2x3x4", "w:4", "b:4"}, 17);
  EXPECT_EQ(countOps(model, "LayerNormalization"), 1);
  EXPECT_EQ(model.graph().node(0).output_size(), 3);
  EXPECT_EQ(outputDims(model, 1), (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(outputDims(model, 2), (std::vector<int64_t>{2, 3, 1}));
}

const char* kGroupNorm = R"IR(
graph(%x : Tensor, %w : Tensor, %b : Tensor):
  %groups : int = prim::Constant[value=2]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::group_norm(%x, %groups, %w, %b, %eps, %cudnn)
  return (%y))IR";

TEST(GroupNorm, AffineOpset11) {
  auto model = convertIR(kGroupNorm, {"x:2x6x5x5", "w:6", "b:6"}, 11);
  EXPECT_EQ(countOps(model, "Reshape"), 2);
  EXPECT_EQ(countOps(model, "ReduceMean"), 2);
  EXPECT_EQ(countOps(model, "Unsqueeze"), 2);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 6, 5, 5}));
}

TEST(GroupNorm, AffineOpset17DynamicBatch) {
  auto model = convertIR(kGroupNorm, {"x:2x6x5x5", "w:6", "b:6"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "Reshape"), 2);
  EXPECT_EQ(countOps(model, "Shape"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 6, 5, 5}));
}

TEST(GroupNorm, NoAffineRank3Opset17) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %groups : int = prim::Constant[value=3]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::group_norm(%x, %groups, %none, %none, %eps, %cudnn)
  return (%y))IR",
                         {"x:2x6x7"}, 17);
  EXPECT_EQ(countOps(model, "Unsqueeze"), 0);
  EXPECT_EQ(countOps(model, "Mul"), 1);  // only the square
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 6, 7}));
}

const char* kInstanceNorm = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %stats : bool = prim::Constant[value=1]()
  %momentum : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::instance_norm(%x, %none, %none, %none, %none, %stats, %momentum, %eps, %cudnn)
  return (%y))IR";

TEST(InstanceNorm, InputStatsOpset11) {
  auto model = convertIR(kInstanceNorm, {"x:2x3x8x8"}, 11);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"InstanceNormalization"}));
  EXPECT_EQ(countInitializers(model), 2);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 8, 8}));
}

TEST(InstanceNorm, InputStatsOpset17DynamicSize) {
  auto model = convertIR(kInstanceNorm, {"x:2x3x8x8"}, 17, {"x:0=batch,2=h,3=w"});
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"InstanceNormalization"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 3, -1, -1}));
}

const char* kInstanceNormRunning = R"IR(
graph(%x : Tensor, %w : Tensor, %b : Tensor, %rm : Tensor, %rv : Tensor):
  %stats : bool = prim::Constant[value=0]()
  %momentum : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %cudnn : bool = prim::Constant[value=1]()
  %y : Tensor = aten::instance_norm(%x, %w, %b, %rm, %rv, %stats, %momentum, %eps, %cudnn)
  return (%y))IR";

TEST(InstanceNorm, RunningStatsOpset11IsBatchNormalization) {
  auto model = convertIR(kInstanceNormRunning, {"x:2x3x8", "w:3", "b:3", "rm:3", "rv:3"}, 11);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"BatchNormalization"}));
}

TEST(InstanceNorm, RunningStatsOpset17IsBatchNormalization) {
  auto model = convertIR(kInstanceNormRunning, {"x:2x3x8", "w:3", "b:3", "rm:3", "rv:3"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"BatchNormalization"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 8}));
}

// aten::rms_norm (torch 2.4), through the shim on LibTorch 1.13. WEIGHT is %w or %none, EPS a
// float constant or None (the dtype's machine epsilon).
std::string rmsNormIR(bool weight, const std::string& eps) {
  registerCompatSchemas();  // parseIR needs the schema; LibTorch 2.x has it natively
  std::string ir = std::string("graph(%x : Tensor") + (weight ? ", %w : Tensor" : "") +
                   "):\n"
                   "  %none : NoneType = prim::Constant()\n"
                   "  %shape : int[] = prim::Constant[value=[4, 8]]()\n";
  std::string eps_value = "%none";
  if (eps != "None") {
    ir += "  %eps : float = prim::Constant[value=" + eps + "]()\n";
    eps_value = "%eps";
  }
  return ir + "  %y : Tensor = aten::rms_norm(%x, %shape, " + (weight ? "%w" : "%none") + ", " + eps_value +
         ")\n  return (%y)";
}

TEST(RmsNorm, WeightOpset11) {
  auto model = convertIR(rmsNormIR(true, "1e-06"), {"x:2x3x4x8", "w:4x8"}, 11);
  EXPECT_EQ(countOps(model, "ReduceMean"), 1);
  EXPECT_EQ(countOps(model, "Sqrt"), 1);
  EXPECT_EQ(countOps(model, "Mul"), 2);  // x * x, then the weight
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 4, 8}));
}

TEST(RmsNorm, NoWeightDefaultEpsOpset17DynamicBatch) {
  auto model = convertIR(rmsNormIR(false, "None"), {"x:2x3x4x8"}, 17, {"x:0=batch"});
  EXPECT_EQ(countOps(model, "ReduceMean"), 1);
  EXPECT_EQ(countOps(model, "Mul"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 3, 4, 8}));
}

}  // namespace
}  // namespace pt2onnx::test
