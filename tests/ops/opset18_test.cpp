// Op tests: the operator forms of opsets 18-22, on a build whose ONNX knows them (ONNX 1.13+ for
// 18 ... 1.17 for 22); a build that stops lower reports these tests skipped with the opset needed.
#include <gtest/gtest.h>

#include "frontend/torchvision_schemas.h"
#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

#define REQUIRE_OPSET(n)                                                                                          \
  if (maxOpset() < (n))                                                                                           \
  GTEST_SKIP() << "opset " << (n) << " needs a build against ONNX 1." << (n)-5 << " or later; this one stops at " \
               << maxOpset()

std::string stringAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.s();
  return "";
}

constexpr const char* kMish = R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::mish(%x)
  return (%y))IR";

TEST(Opset18, MishIsOneOperator) {
  REQUIRE_OPSET(18);
  EXPECT_EQ(opTypes(convertIR(kMish, {"x:2x3"}, 18)), (std::vector<std::string>{"Mish"}));
  EXPECT_EQ(countOps(convertIR(kMish, {"x:2x3"}, 17), "Mish"), 0);
}

// nn.Fold is ONNX's Col2Im from opset 18 (a sum of padded blocks before).
TEST(Opset18, Col2imIsOneOperator) {
  REQUIRE_OPSET(18);
  const char* fold = R"IR(
graph(%x : Tensor):
  %1 : int = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=2]()
  %4 : int = prim::Constant[value=4]()
  %size : int[] = prim::ListConstruct(%4, %4)
  %k : int[] = prim::ListConstruct(%2, %2)
  %d : int[] = prim::ListConstruct(%1, %1)
  %p : int[] = prim::ListConstruct(%1, %1)
  %y : Tensor = aten::col2im(%x, %size, %k, %d, %p, %k)
  return (%y))IR";
  auto model = convertIR(fold, {"x:1x12x9"}, 18);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Col2Im"}));
}

// Antialiased interpolation is Resize with antialias=1 from opset 18: a shrinking bilinear one
// (refused before 18) and bicubic with PIL's A = -0.5 (no converter before 18).
TEST(Opset18, AntialiasedResize) {
  REQUIRE_OPSET(18);
  for (const char* kind : {"aten::_upsample_bilinear2d_aa", "aten::_upsample_bicubic2d_aa"}) {
    const std::string ir = std::string(R"IR(
graph(%x : Tensor):
  %none : NoneType = prim::Constant()
  %align : bool = prim::Constant[value=0]()
  %s : float = prim::Constant[value=0.5]()
  %scales : float[] = prim::ListConstruct(%s, %s)
  %y : Tensor = )IR") + kind +
                           R"IR((%x, %none, %align, %scales)
  return (%y))IR";
    auto model = convertIR(ir, {"x:1x3x8x8"}, 18);
    const auto& resize = firstNode(model, "Resize");
    int64_t antialias = 0;
    float a = 0;
    for (const auto& attr : resize.attribute()) {
      if (attr.name() == "antialias") antialias = attr.i();
      if (attr.name() == "cubic_coeff_a") a = attr.f();
    }
    EXPECT_EQ(antialias, 1) << kind;
    EXPECT_EQ(stringAttr(resize, "mode"), std::string(kind).find("bicubic") != std::string::npos ? "cubic" : "linear");
    if (stringAttr(resize, "mode") == "cubic") EXPECT_FLOAT_EQ(a, -0.5f);
    EXPECT_EQ(outputDims(model), (std::vector<int64_t>{1, 3, 4, 4})) << kind;
  }
}

// Every reduction takes its axes as an input from opset 18 (ReduceSum already from 13).
TEST(Opset18, ReduceAxesAreAnInput) {
  REQUIRE_OPSET(18);
  const char* amax = R"IR(
graph(%x : Tensor):
  %dims : int[] = prim::Constant[value=[1]]()
  %keep : bool = prim::Constant[value=0]()
  %y : Tensor = aten::amax(%x, %dims, %keep)
  return (%y))IR";
  auto model = convertIR(amax, {"x:2x3x4"}, 18);
  const auto& node = firstNode(model, "ReduceMax");
  EXPECT_EQ(node.input_size(), 2);
  for (const auto& a : node.attribute()) EXPECT_NE(a.name(), "axes");
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(firstNode(convertIR(amax, {"x:2x3x4"}, 17), "ReduceMax").input_size(), 1);
}

std::string bitwiseIR(const std::string& kind) {
  return "graph(%x : Tensor, %y : Tensor):\n  %z : Tensor = " + kind + "(%x, %y)\n  return (%z)";
}

TEST(Opset18, BitwiseOperatorsOnIntegers) {
  REQUIRE_OPSET(18);
  for (auto [kind, op] : {std::pair{"aten::bitwise_and", "BitwiseAnd"}, std::pair{"aten::bitwise_or", "BitwiseOr"},
                          std::pair{"aten::bitwise_xor", "BitwiseXor"}}) {
    auto model = convertIR(bitwiseIR(kind), {"x:2x3:int32", "y:2x3:int32"}, 18);
    EXPECT_EQ(opTypes(model), (std::vector<std::string>{op})) << kind;
    EXPECT_EQ(countOps(convertIR(bitwiseIR(kind), {"x:2x3:bool", "y:2x3:bool"}, 18), op), 0) << kind;
  }
  const char* bit_not = R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::bitwise_not(%x)
  return (%y))IR";
  EXPECT_EQ(opTypes(convertIR(bit_not, {"x:4:int64"}, 18)), (std::vector<std::string>{"BitwiseNot"}));
  EXPECT_EQ(opTypes(convertIR(bit_not, {"x:4:bool"}, 18)), (std::vector<std::string>{"Not"}));
}

TEST(Opset20, GeluIsOneOperatorWithItsApproximation) {
  REQUIRE_OPSET(20);
  for (const char* approximate : {"none", "tanh"}) {
    std::string ir = std::string("graph(%x : Tensor):\n  %a : str = prim::Constant[value=\"") + approximate +
                     "\"]()\n  %y : Tensor = aten::gelu(%x, %a)\n  return (%y)";
    auto model = convertIR(ir, {"x:2x3"}, 20);
    EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Gelu"})) << approximate;
    EXPECT_EQ(stringAttr(firstNode(model, "Gelu"), "approximate"), approximate);
    EXPECT_EQ(countOps(convertIR(ir, {"x:2x3"}, 19), "Gelu"), 0) << approximate;
  }
}

// GridSample's modes are called linear and cubic from opset 20 (bilinear and bicubic before).
TEST(Opset20, GridSampleModeNames) {
  REQUIRE_OPSET(20);
  const char* ir = R"IR(
graph(%x : Tensor, %g : Tensor):
  %zero : int = prim::Constant[value=0]()
  %mode : int = prim::Constant[value=2]()
  %align : bool = prim::Constant[value=0]()
  %y : Tensor = aten::grid_sampler(%x, %g, %zero, %zero, %align)
  %z : Tensor = aten::grid_sampler(%x, %g, %mode, %zero, %align)
  %s : Tensor = aten::add(%y, %z, %mode)
  return (%s))IR";
  auto names = [](const onnx::ModelProto& model) {
    std::vector<std::string> out;
    for (const auto& node : model.graph().node())
      if (node.op_type() == "GridSample") out.push_back(stringAttr(node, "mode"));
    return out;
  };
  EXPECT_EQ(names(convertIR(ir, {"x:1x2x4x4", "g:1x3x3x2"}, 20)), (std::vector<std::string>{"linear", "cubic"}));
  EXPECT_EQ(names(convertIR(ir, {"x:1x2x4x4", "g:1x3x3x2"}, 19)), (std::vector<std::string>{"bilinear", "bicubic"}));
}

std::string groupNormIR(bool affine) {
  std::string ir = "graph(%x : Tensor" + std::string(affine ? ", %w : Tensor, %b : Tensor" : "") + "):\n";
  ir += "  %groups : int = prim::Constant[value=2]()\n  %eps : float = prim::Constant[value=1e-05]()\n";
  ir += "  %cudnn : bool = prim::Constant[value=0]()\n  %none : NoneType = prim::Constant()\n";
  ir += std::string("  %y : Tensor = aten::group_norm(%x, %groups, ") + (affine ? "%w, %b" : "%none, %none") +
        ", %eps, %cudnn)\n  return (%y)";
  return ir;
}

TEST(Opset21, GroupNormalizationWithPerChannelScale) {
  REQUIRE_OPSET(21);
  auto model = convertIR(groupNormIR(true), {"x:2x4x3x3", "w:4", "b:4"}, 21, {"x:0=batch,2=h"});
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"GroupNormalization"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{-1, 4, -1, 3}));
  // Without weights: ones and zeros of the channel count.
  auto plain = convertIR(groupNormIR(false), {"x:2x4x3x3"}, 21);
  EXPECT_EQ(opTypes(plain), (std::vector<std::string>{"GroupNormalization"}));
  EXPECT_EQ(plain.graph().initializer_size(), 2);
  // Opset 18's GroupNormalization (scale per group) is not used: the decomposition up to 20.
  EXPECT_EQ(countOps(convertIR(groupNormIR(true), {"x:2x4x3x3", "w:4", "b:4"}, 20), "GroupNormalization"), 0);
  // Double inputs keep the decomposition (GroupNormalization would compute in float32).
  EXPECT_EQ(countOps(convertIR(groupNormIR(false), {"x:2x4x3x3:float64"}, 21), "GroupNormalization"), 0);
}

// torchvision's deform_conv2d: DeformConv with its strides, pads, dilations and groups; the mask
// input only with use_mask (torchvision passes an empty one otherwise). Below 19 it is refused.
std::string deformIR(bool use_mask) {
  return std::string(R"IR(
graph(%x : Tensor, %w : Tensor, %off : Tensor, %mask : Tensor, %b : Tensor):
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %use_mask : bool = prim::Constant[value=)IR") +
         (use_mask ? "1" : "0") + R"IR(]()
  %y : Tensor = torchvision::deform_conv2d(%x, %w, %off, %mask, %b, %two, %one, %one, %two, %one, %two, %two, %one, %use_mask)
  return (%y))IR";
}

TEST(Opset19, DeformConvKeepsTorchvisionsArguments) {
  REQUIRE_OPSET(19);
  registerTorchvisionSchemas();  // parseIR needs the schema
  // x 1x4x7x6, weight 6x2x3x3 (groups 2): out h (7 + 2 - 3) / 2 + 1 = 4, w (6 + 4 - 5) / 1 + 1 = 6.
  const std::vector<std::string> inputs = {"x:1x4x7x6", "w:6x2x3x3", "off:1x18x4x6", "mask:1x9x4x6", "b:6"};
  for (bool use_mask : {true, false}) {
    auto model = convertIR(deformIR(use_mask), inputs, 19);
    const auto& node = firstNode(model, "DeformConv");
    EXPECT_EQ(node.input_size(), use_mask ? 5 : 4);
    auto ints = [&](const char* name) {
      const auto* a = attribute(node, name);
      return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
    };
    EXPECT_EQ(ints("strides"), (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(ints("pads"), (std::vector<int64_t>{1, 2, 1, 2}));
    EXPECT_EQ(ints("dilations"), (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(attribute(node, "group")->i(), 2);
    EXPECT_EQ(attribute(node, "offset_group")->i(), 1);
    EXPECT_EQ(outputDims(model), (std::vector<int64_t>{1, 6, 4, 6}));
  }
  EXPECT_NE(conversionError(deformIR(true), inputs, 18).find("needs opset 19"), std::string::npos);
}

}  // namespace
}  // namespace pt2onnx::test
