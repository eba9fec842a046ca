// Op tests: pixel_shuffle, pixel_unshuffle and channel_shuffle converters.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

std::string attrS(const onnx::ModelProto& model, const std::string& op, const std::string& name) {
  for (const auto& node : model.graph().node())
    if (node.op_type() == op)
      for (const auto& a : node.attribute())
        if (a.name() == name) return a.s();
  return "";
}

// aten::<op>(x, factor).
std::string withFactor(const std::string& op, int factor) {
  std::string ir = "graph(%x : Tensor):\n";
  ir += "  %r : int = prim::Constant[value=" + std::to_string(factor) + "]()\n";
  ir += "  %y : Tensor = aten::" + op + "(%x, %r)\n";
  return ir + "  return (%y)";
}

TEST(Pixel, PixelShuffleOpset11IsDepthToSpaceCRD) {
  auto model = convertIR(withFactor("pixel_shuffle", 2), {"x:1x12x5x6"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"DepthToSpace"}));
  EXPECT_EQ(attrS(model, "DepthToSpace", "mode"), "CRD");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 10, 12}));
}

TEST(Pixel, PixelShuffleOpset17DynamicHW) {
  auto model = convertIR(withFactor("pixel_shuffle", 3), {"x:2x18x5x6"}, 17, {"x:0=n,2=h,3=w"});
  EXPECT_EQ(opTypes(model), (Ops{"DepthToSpace"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 2, -1, -1}));
}

TEST(Pixel, PixelShuffle3dInputOpset17) {
  auto model = convertIR(withFactor("pixel_shuffle", 2), {"x:8x3x4"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"Unsqueeze", "DepthToSpace", "Squeeze"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 6, 8}));
}

TEST(Pixel, PixelShuffle5dInputOpset11) {
  auto model = convertIR(withFactor("pixel_shuffle", 2), {"x:2x3x8x3x4"}, 11, {"x:0=a,3=h"});
  EXPECT_EQ(countOps(model, "DepthToSpace"), 1);
  EXPECT_EQ(countOps(model, "Reshape"), 2);
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, 2, -1, 8}));
}

TEST(Pixel, PixelUnshuffleOpset11ReordersChannels) {
  auto model = convertIR(withFactor("pixel_unshuffle", 2), {"x:1x3x10x12"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"SpaceToDepth", "Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{1, 12, 5, 6}));
}

TEST(Pixel, PixelUnshuffleOpset17DynamicHW) {
  auto model = convertIR(withFactor("pixel_unshuffle", 2), {"x:1x3x10x12"}, 17, {"x:0=n,2=h,3=w"});
  EXPECT_EQ(opTypes(model), (Ops{"SpaceToDepth", "Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 12, -1, -1}));
}

TEST(Pixel, PixelUnshuffleOneChannelOpset17) {
  auto model = convertIR(withFactor("pixel_unshuffle", 2), {"x:1x1x4x4"}, 17);
  EXPECT_EQ(opTypes(model), (Ops{"SpaceToDepth"}));
}

TEST(Pixel, ChannelShuffleOpset11) {
  auto model = convertIR(withFactor("channel_shuffle", 3), {"x:2x6x4x4"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 6, 4, 4}));
}

TEST(Pixel, NativeChannelShuffleOpset17DynamicHW) {
  auto model = convertIR(withFactor("native_channel_shuffle", 2), {"x:2x6x4x4"}, 17, {"x:2=h,3=w"});
  EXPECT_EQ(opTypes(model), (Ops{"Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{2, 6, -1, -1}));
}

}  // namespace
}  // namespace pt2onnx::test
