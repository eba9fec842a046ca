// Op tests: torchvision::nms, roi_align and roi_pool converters (schemas from
// src/frontend/torchvision_schemas.cpp), at the lowest and highest opsets.
#include <gtest/gtest.h>

#include "frontend/torchvision_schemas.h"
#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

const onnx::NodeProto* findNode(const onnx::ModelProto& model, const std::string& op) {
  for (const auto& node : model.graph().node())
    if (node.op_type() == op) return &node;
  return nullptr;
}

const onnx::AttributeProto* attr(const onnx::NodeProto* node, const std::string& name) {
  for (const auto& a : node->attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::string nmsIR(const std::string& iou) {
  registerTorchvisionSchemas();  // parseIR needs the schemas
  return "graph(%b : Tensor, %s : Tensor):\n"
         "  %t : float = prim::Constant[value=" +
         iou +
         "]()\n"
         "  %k : Tensor = torchvision::nms(%b, %s, %t)\n"
         "  return (%k)";
}

// rois [K, 5] built from a batch column of zeros and boxes %b [K, 4].
std::string roiIR(const std::string& call) {
  registerTorchvisionSchemas();
  return "graph(%x : Tensor, %b : Tensor):\n"
         "  %zero : float = prim::Constant[value=0.]()\n"
         "  %one : int = prim::Constant[value=1]()\n"
         "  %col : Tensor = aten::mul(%b, %zero)\n"
         "  %izero : int = prim::Constant[value=0]()\n"
         "  %batch : Tensor = aten::slice(%col, %one, %izero, %one, %one)\n"
         "  %list : Tensor[] = prim::ListConstruct(%batch, %b)\n"
         "  %rois : Tensor = aten::cat(%list, %one)\n"
         "  %scale : float = prim::Constant[value=0.5]()\n"
         "  %two : int = prim::Constant[value=2]()\n"
         "  %three : int = prim::Constant[value=3]()\n"
         "  %neg : int = prim::Constant[value=-1]()\n"
         "  %t : bool = prim::Constant[value=1]()\n"
         "  %f : bool = prim::Constant[value=0]()\n" +
         call + "\n  return (%y)";
}

TEST(TorchvisionNms, Opset11IsNonMaxSuppressionColumn2) {
  auto model = convertIR(nmsIR("0.5"), {"b:6x4", "s:6"}, 11);
  EXPECT_EQ(countOps(model, "NonMaxSuppression"), 1);
  const auto* nms = findNode(model, "NonMaxSuppression");
  ASSERT_EQ(nms->input_size(), 4);  // boxes, scores, max_output_boxes_per_class = N, iou_threshold
  EXPECT_EQ(outputType(model), onnx::TensorProto_DataType_INT64);
  EXPECT_EQ(outputDims(model), (Dims{-1}));  // the count follows the data
}

TEST(TorchvisionNms, Opset17DynamicBoxCount) {
  auto model = convertIR(nmsIR("0.7"), {"b:6x4", "s:6"}, 17, {"b:0=n", "s:0=n"});
  EXPECT_EQ(countOps(model, "NonMaxSuppression"), 1);
  EXPECT_EQ(outputDims(model), (Dims{-1}));
}

TEST(TorchvisionNms, NegativeThresholdIsRefused) {
  try {
    convertIR(nmsIR("-0.1"), {"b:6x4", "s:6"}, 17);
    FAIL() << "converted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kConversion);
    EXPECT_NE(std::string(e.what()).find("IoU threshold below 0"), std::string::npos) << e.what();
  }
}

const char* kRoiAlign = "  %y : Tensor = torchvision::roi_align(%x, %rois, %scale, %three, %two, %neg, %f)";
const char* kRoiAlignAligned = "  %y : Tensor = torchvision::roi_align(%x, %rois, %scale, %two, %two, %two, %t)";

TEST(TorchvisionRoiAlign, Opset11AdaptiveSampling) {
  auto model = convertIR(roiIR(kRoiAlign), {"x:1x4x8x8", "b:5x4"}, 11);
  const auto* node = findNode(model, "RoiAlign");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(attr(node, "sampling_ratio")->i(), 0);
  EXPECT_EQ(attr(node, "output_height")->i(), 3);
  EXPECT_EQ(attr(node, "output_width")->i(), 2);
  EXPECT_FLOAT_EQ(attr(node, "spatial_scale")->f(), 0.5f);
  EXPECT_EQ(attr(node, "coordinate_transformation_mode"), nullptr);  // opset 10's model: output_half_pixel
  EXPECT_EQ(outputDims(model), (Dims{5, 4, 3, 2}));
}

TEST(TorchvisionRoiAlign, Opset17NotAlignedIsOutputHalfPixel) {
  auto model = convertIR(roiIR(kRoiAlign), {"x:1x4x8x8", "b:5x4"}, 17, {"b:0=k"});
  const auto* node = findNode(model, "RoiAlign");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(attr(node, "coordinate_transformation_mode")->s(), "output_half_pixel");
  EXPECT_EQ(outputDims(model), (Dims{-1, 4, 3, 2}));
}

TEST(TorchvisionRoiAlign, Opset16AlignedIsHalfPixel) {
  auto model = convertIR(roiIR(kRoiAlignAligned), {"x:1x4x8x8", "b:5x4"}, 16);
  const auto* node = findNode(model, "RoiAlign");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(attr(node, "coordinate_transformation_mode")->s(), "half_pixel");
  EXPECT_EQ(attr(node, "sampling_ratio")->i(), 2);
}

TEST(TorchvisionRoiAlign, AlignedBeforeOpset16IsRefused) {
  try {
    convertIR(roiIR(kRoiAlignAligned), {"x:1x4x8x8", "b:5x4"}, 15);
    FAIL() << "converted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kConversion);
    EXPECT_NE(std::string(e.what()).find("aligned=True needs opset 16"), std::string::npos) << e.what();
  }
}

TEST(TorchvisionRoiPool, Opset11IsMaxRoiPool) {
  auto model = convertIR(roiIR("  %y : Tensor, %arg : Tensor = torchvision::roi_pool(%x, %rois, %scale, %two, %three)"),
                         {"x:1x4x8x8", "b:5x4"}, 11);
  const auto* node = findNode(model, "MaxRoiPool");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(attr(node, "pooled_shape")->ints_size(), 2);
  EXPECT_EQ(attr(node, "pooled_shape")->ints(1), 3);
  EXPECT_EQ(outputDims(model), (Dims{5, 4, 2, 3}));
}

TEST(TorchvisionRoiPool, Opset17ArgmaxReadIsRefused) {
  try {
    convertIR(roiIR("  %y0 : Tensor, %arg : Tensor = torchvision::roi_pool(%x, %rois, %scale, %two, %three)\n"
                    "  %y : Tensor = aten::add(%y0, %arg, %one)"),
              {"x:1x4x8x8", "b:5x4"}, 17);
    FAIL() << "converted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("argmax output of roi_pool"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pt2onnx::test
