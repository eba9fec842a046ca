// Op tests: upsample_* converters (both overloads of every mode) as ONNX Resize.
#include <gtest/gtest.h>

#include <cstring>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

const onnx::NodeProto& resizeNode(const onnx::ModelProto& model) {
  for (const auto& node : model.graph().node())
    if (node.op_type() == "Resize") return node;
  throw std::runtime_error("no Resize node");
}

std::string stringAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.s();
  return "";
}

float floatAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.f();
  return 0.0f;
}

// Values of a FLOAT initializer (written as raw data).
std::vector<float> initializerFloats(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& t : model.graph().initializer()) {
    if (t.name() != name) continue;
    std::vector<float> v(t.raw_data().size() / sizeof(float));
    std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
    return v;
  }
  throw std::runtime_error("no initializer " + name);
}

// F.interpolate(x, scale_factor=2) in a trace: the .vec overload with scale factors.
const char* kNearestScale = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %s : float = prim::Constant[value=2.]()
  %scales : float[] = prim::ListConstruct(%s, %s)
  %y : Tensor = aten::upsample_nearest2d(%x, %none, %scales)
  return (%y))IR";

TEST(Resize, Nearest2dScaleOpset11KeepsDynamicHW) {
  auto model = convertIR(kNearestScale, {"x:1x3x8x8"}, 11, {"x:0=n,2=h,3=w"});
  EXPECT_EQ(opTypes(model), (Ops{"Resize"}));
  const auto& resize = resizeNode(model);
  ASSERT_EQ(resize.input_size(), 3);
  EXPECT_FALSE(resize.input(1).empty());  // Resize-11 needs a roi tensor
  EXPECT_EQ(initializerFloats(model, resize.input(2)), (std::vector<float>{1, 1, 2, 2}));
  EXPECT_EQ(stringAttr(resize, "mode"), "nearest");
  EXPECT_EQ(stringAttr(resize, "coordinate_transformation_mode"), "asymmetric");
  EXPECT_EQ(stringAttr(resize, "nearest_mode"), "floor");
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, -1, -1}));
}

TEST(Resize, Nearest2dScaleOpset17KeepsDynamicHW) {
  auto model = convertIR(kNearestScale, {"x:1x3x8x8"}, 17, {"x:0=n,2=h,3=w"});
  const auto& resize = resizeNode(model);
  ASSERT_EQ(resize.input_size(), 3);
  EXPECT_TRUE(resize.input(1).empty());  // roi is optional from Resize-13
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, -1, -1}));
}

// F.interpolate(x, size=(x.size(2) * 2, 5)): the output size follows a dynamic H.
const char* kNearestComputedSize = R"IR(
graph(%x : Tensor):
  %2 : int = prim::Constant[value=2]()
  %5 : int = prim::Constant[value=5]()
  %h : int = aten::size(%x, %2)
  %h2 : int = aten::mul(%h, %2)
  %size : int[] = prim::ListConstruct(%h2, %5)
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::upsample_nearest2d(%x, %size, %none)
  return (%y))IR";

TEST(Resize, Nearest2dComputedSizeOpset11) {
  auto model = convertIR(kNearestComputedSize, {"x:1x3x8x8"}, 11, {"x:0=n,2=h"});
  const auto& resize = resizeNode(model);
  ASSERT_EQ(resize.input_size(), 4);
  EXPECT_FALSE(resize.input(2).empty());  // Resize-11: an empty scales tensor
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, -1, 5}));
}

TEST(Resize, Nearest2dComputedSizeOpset17) {
  auto model = convertIR(kNearestComputedSize, {"x:1x3x8x8"}, 17, {"x:0=n,2=h"});
  const auto& resize = resizeNode(model);
  ASSERT_EQ(resize.input_size(), 4);
  EXPECT_TRUE(resize.input(2).empty());
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, -1, 5}));
}

// The plain overload: upsample_nearest2d(self, output_size, scales_h, scales_w).
const char* kNearestPlain = R"IR(
graph(%x : Tensor):
  %a : int = prim::Constant[value=12]()
  %b : int = prim::Constant[value=24]()
  %size : int[] = prim::ListConstruct(%a, %b)
  %sh : float = prim::Constant[value=1.5]()
  %sw : float = prim::Constant[value=3.]()
  %y : Tensor = aten::upsample_nearest2d(%x, %size, %sh, %sw)
  return (%y))IR";

TEST(Resize, Nearest2dPlainWithScalesOpset11) {
  auto model = convertIR(kNearestPlain, {"x:1x3x8x8"}, 11);
  const auto& resize = resizeNode(model);
  ASSERT_EQ(resize.input_size(), 3);
  EXPECT_EQ(initializerFloats(model, resize.input(2)), (std::vector<float>{1, 1, 1.5, 3}));
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 12, 24}));
}

TEST(Resize, Nearest2dPlainWithScalesOpset17) {
  auto model = convertIR(kNearestPlain, {"x:1x3x8x8"}, 17);
  EXPECT_EQ(resizeNode(model).input_size(), 3);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 12, 24}));
}

const char* kNearest1d = R"IR(
graph(%x : Tensor):
  %n : int = prim::Constant[value=20]()
  %size : int[] = prim::ListConstruct(%n)
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::upsample_nearest1d(%x, %size, %none)
  return (%y))IR";

TEST(Resize, Nearest1dSizeOpset11) {
  auto model = convertIR(kNearest1d, {"x:2x3x8"}, 11);
  EXPECT_EQ(resizeNode(model).input_size(), 4);
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 20}));
}

TEST(Resize, Nearest1dSizeOpset17DynamicBatch) {
  auto model = convertIR(kNearest1d, {"x:2x3x8"}, 17, {"x:0=n"});
  EXPECT_EQ(countOps(model, "Concat"), 1);  // sizes = Shape(x)[:2] ++ output_size
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, 20}));
}

const char* kNearest3d = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %s : float = prim::Constant[value=2.]()
  %scales : float[] = prim::ListConstruct(%s, %s, %s)
  %y : Tensor = aten::upsample_nearest3d(%x, %none, %scales)
  return (%y))IR";

TEST(Resize, Nearest3dScaleOpset11) {
  auto model = convertIR(kNearest3d, {"x:1x2x3x4x5"}, 11);
  EXPECT_EQ(outputDims(model), (Dims{1, 2, 6, 8, 10}));
}

TEST(Resize, Nearest3dScaleOpset17) {
  auto model = convertIR(kNearest3d, {"x:1x2x3x4x5"}, 17, {"x:2=d"});
  EXPECT_EQ(outputDims(model), (Dims{1, 2, -1, 8, 10}));
}

const char* kNearestExact = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %s : float = prim::Constant[value=2.]()
  %scales : float[] = prim::ListConstruct(%s, %s)
  %y : Tensor = aten::_upsample_nearest_exact2d(%x, %none, %scales)
  return (%y))IR";

TEST(Resize, NearestExact2dOpset11) {
  auto model = convertIR(kNearestExact, {"x:1x3x8x8"}, 11);
  const auto& resize = resizeNode(model);
  EXPECT_EQ(stringAttr(resize, "coordinate_transformation_mode"), "half_pixel");
  EXPECT_EQ(stringAttr(resize, "nearest_mode"), "round_prefer_ceil");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 16, 16}));
}

TEST(Resize, NearestExact2dOpset17) {
  auto model = convertIR(kNearestExact, {"x:1x3x8x8"}, 17);
  EXPECT_EQ(stringAttr(resizeNode(model), "nearest_mode"), "round_prefer_ceil");
}

// aten::<op>(x, None, align_corners, [scales]) with %s = 1.5: the .vec overload of the linear modes.
std::string linearIR(const std::string& op, bool align_corners, const std::string& scales) {
  std::string ir = "graph(%x : Tensor):\n";
  ir += "  %none : NoneType = prim::Constant()\n";
  ir += std::string("  %align : bool = prim::Constant[value=") + (align_corners ? "1" : "0") + "]()\n";
  ir += "  %s : float = prim::Constant[value=1.5]()\n";
  ir += "  %scales : float[] = prim::ListConstruct(" + scales + ")\n";
  ir += "  %y : Tensor = aten::" + op + "(%x, %none, %align, %scales)\n";
  return ir + "  return (%y)";
}

TEST(Resize, Linear1dScaleOpset11) {
  auto model = convertIR(linearIR("upsample_linear1d", false, "%s"), {"x:1x3x8"}, 11);
  const auto& resize = resizeNode(model);
  EXPECT_EQ(stringAttr(resize, "mode"), "linear");
  EXPECT_EQ(stringAttr(resize, "coordinate_transformation_mode"), "half_pixel");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 12}));
}

TEST(Resize, Linear1dAlignCornersOpset17) {
  auto model = convertIR(linearIR("upsample_linear1d", true, "%s"), {"x:1x3x8"}, 17, {"x:2=l"});
  EXPECT_EQ(stringAttr(resizeNode(model), "coordinate_transformation_mode"), "align_corners");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, -1}));
}

TEST(Resize, Bilinear2dScaleOpset11) {
  auto model = convertIR(linearIR("upsample_bilinear2d", false, "%s, %s"), {"x:1x3x8x6"}, 11);
  EXPECT_EQ(stringAttr(resizeNode(model), "coordinate_transformation_mode"), "half_pixel");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 12, 9}));
}

TEST(Resize, Bilinear2dAlignCornersOpset17DynamicHW) {
  auto model = convertIR(linearIR("upsample_bilinear2d", true, "%s, %s"), {"x:1x3x8x6"}, 17, {"x:2=h,3=w"});
  EXPECT_EQ(stringAttr(resizeNode(model), "coordinate_transformation_mode"), "align_corners");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, -1, -1}));
}

// The plain overload with a size and no scales: upsample_bilinear2d(self, output_size, align_corners, None, None).
const char* kBilinearPlainSize = R"IR(
graph(%x : Tensor):
  %a : int = prim::Constant[value=5]()
  %b : int = prim::Constant[value=7]()
  %size : int[] = prim::ListConstruct(%a, %b)
  %align : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::upsample_bilinear2d(%x, %size, %align, %none, %none)
  return (%y))IR";

TEST(Resize, Bilinear2dPlainSizeOpset11) {
  auto model = convertIR(kBilinearPlainSize, {"x:1x3x8x6"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Resize"}));
  EXPECT_EQ(resizeNode(model).input_size(), 4);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 5, 7}));
}

TEST(Resize, Bilinear2dPlainSizeOpset17) {
  auto model = convertIR(kBilinearPlainSize, {"x:1x3x8x6"}, 17);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 5, 7}));
}

TEST(Resize, Trilinear3dScaleOpset11) {
  auto model = convertIR(linearIR("upsample_trilinear3d", false, "%s, %s, %s"), {"x:1x2x4x4x4"}, 11);
  EXPECT_EQ(stringAttr(resizeNode(model), "mode"), "linear");
  EXPECT_EQ(outputDims(model), (Dims{1, 2, 6, 6, 6}));
}

TEST(Resize, Trilinear3dAlignCornersOpset17) {
  auto model = convertIR(linearIR("upsample_trilinear3d", true, "%s, %s, %s"), {"x:1x2x4x4x4"}, 17);
  EXPECT_EQ(stringAttr(resizeNode(model), "coordinate_transformation_mode"), "align_corners");
  EXPECT_EQ(outputDims(model), (Dims{1, 2, 6, 6, 6}));
}

TEST(Resize, Bicubic2dScaleOpset11) {
  auto model = convertIR(linearIR("upsample_bicubic2d", false, "%s, %s"), {"x:1x3x8x8"}, 11, {"x:0=n,2=h,3=w"});
  const auto& resize = resizeNode(model);
  EXPECT_EQ(stringAttr(resize, "mode"), "cubic");
  EXPECT_FLOAT_EQ(floatAttr(resize, "cubic_coeff_a"), -0.75f);
  EXPECT_EQ(stringAttr(resize, "coordinate_transformation_mode"), "half_pixel");
  EXPECT_EQ(outputDims(model), (Dims{-1, 3, -1, -1}));
}

TEST(Resize, Bicubic2dAlignCornersOpset17) {
  auto model = convertIR(linearIR("upsample_bicubic2d", true, "%s, %s"), {"x:1x3x8x8"}, 17);
  const auto& resize = resizeNode(model);
  EXPECT_EQ(stringAttr(resize, "coordinate_transformation_mode"), "align_corners");
  EXPECT_FLOAT_EQ(floatAttr(resize, "cubic_coeff_a"), -0.75f);
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 12, 12}));
}

// Resize computes trunc(c * float(in)) in float32, where 1.3f is below 1.3 and 90 * 1.3f gives 116:
// the scale is stored one float32 step up so the output keeps PyTorch's 117.
TEST(Resize, ScaleKeepsPyTorchLengthInFloat32) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %align : bool = prim::Constant[value=0]()
  %s : float = prim::Constant[value=1.3]()
  %scales : float[] = prim::ListConstruct(%s)
  %y : Tensor = aten::upsample_linear1d(%x, %none, %align, %scales)
  return (%y))IR",
                         {"x:1x1x90"}, 17);
  auto scales = initializerFloats(model, resizeNode(model).input(2));
  ASSERT_EQ(scales.size(), 3u);
  EXPECT_GT(static_cast<double>(scales[2]), 1.3);
  EXPECT_EQ(outputDims(model), (Dims{1, 1, 117}));
}

// PyTorch's linear modes copy a dim whose length does not change (7 * 1.1 -> 7): scale 1 there.
TEST(Resize, LinearUnchangedLengthCopies) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %align : bool = prim::Constant[value=0]()
  %sh : float = prim::Constant[value=0.5]()
  %sw : float = prim::Constant[value=1.1]()
  %scales : float[] = prim::ListConstruct(%sh, %sw)
  %y : Tensor = aten::upsample_bilinear2d(%x, %none, %align, %scales)
  return (%y))IR",
                         {"x:1x1x6x7"}, 11);
  EXPECT_EQ(initializerFloats(model, resizeNode(model).input(2)), (std::vector<float>{1, 1, 0.5, 1}));
  EXPECT_EQ(outputDims(model), (Dims{1, 1, 3, 7}));
}

// On a dynamic axis with a factor in (1, 1.5) the length may or may not change, so the scale of
// that dim is picked in the graph (1 when it does not, like PyTorch).
TEST(Resize, LinearFactorBelowOneAndAHalfPicksScaleInGraph) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %align : bool = prim::Constant[value=0]()
  %sh : float = prim::Constant[value=2.]()
  %sw : float = prim::Constant[value=1.1]()
  %scales : float[] = prim::ListConstruct(%sh, %sw)
  %y : Tensor = aten::upsample_bilinear2d(%x, %none, %align, %scales)
  return (%y))IR",
                         {"x:1x1x6x7"}, 17, {"x:2=h,3=w"});
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(countOps(model, "Concat"), 1);
  EXPECT_EQ(outputDims(model), (Dims{1, 1, -1, -1}));
}

// Nearest at factor 0.6 over 20 rows: every float scale near 0.6 that gives PyTorch's 12 rows picks
// a different source row somewhere, so a Gather with PyTorch's indices replaces Resize.
const char* kNearestAwkward = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %s : float = prim::Constant[value=0.6]()
  %one : float = prim::Constant[value=1.]()
  %scales : float[] = prim::ListConstruct(%s, %one)
  %y : Tensor = aten::upsample_nearest2d(%x, %none, %scales)
  return (%y))IR";

TEST(Resize, NearestAwkwardFactorGathersOpset11) {
  auto model = convertIR(kNearestAwkward, {"x:1x2x20x4"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"Gather"}));
  EXPECT_EQ(outputDims(model), (Dims{1, 2, 12, 4}));
}

TEST(Resize, NearestAwkwardFactorGathersOpset17DynamicH) {
  auto model = convertIR(kNearestAwkward, {"x:1x2x20x4"}, 17, {"x:2=h"});
  EXPECT_EQ(countOps(model, "Resize"), 0);
  EXPECT_EQ(countOps(model, "Range"), 1);
  EXPECT_EQ(countOps(model, "Gather"), 2);  // the length of H and the rows
  EXPECT_EQ(outputDims(model), (Dims{1, 2, -1, 4}));
}

TEST(Resize, BilinearAntialiasUpscaleOpset11) {
  auto model = convertIR(linearIR("_upsample_bilinear2d_aa", false, "%s, %s"), {"x:1x3x8x8"}, 11);
  EXPECT_EQ(stringAttr(resizeNode(model), "mode"), "linear");
  EXPECT_EQ(outputDims(model), (Dims{1, 3, 12, 12}));
}

TEST(Resize, BilinearAntialiasDownscaleOpset17Fails) {
  const char* ir = R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %align : bool = prim::Constant[value=0]()
  %s : float = prim::Constant[value=0.5]()
  %scales : float[] = prim::ListConstruct(%s, %s)
  %y : Tensor = aten::_upsample_bilinear2d_aa(%x, %none, %align, %scales)
  return (%y))IR";
  try {
    convertIR(ir, {"x:1x3x8x8"}, 17);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("opset 18"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pt2onnx::test
