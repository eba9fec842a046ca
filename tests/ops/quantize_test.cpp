// Op tests: quantize/dequantize and fake quantization at their lowest and highest opsets.
#include <gtest/gtest.h>

#include "op_test_util.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx::test {
namespace {

using Dims = std::vector<int64_t>;
using Ops = std::vector<std::string>;

// dequantize(quantize_per_tensor(x, 0.05, 10, torch.quint8))
const char* kQdq = R"IR(
graph(%x : Tensor):
  %s : float = prim::Constant[value=0.05]()
  %z : int = prim::Constant[value=10]()
  %t : int = prim::Constant[value=13]()
  %q : Tensor = aten::quantize_per_tensor(%x, %s, %z, %t)
  %y : Tensor = aten::dequantize(%q)
  return (%y))IR";

TEST(Quantize, PerTensorOpset10) {
  auto model = convertIR(kQdq, {"x:2x3"}, 10);
  EXPECT_EQ(opTypes(model), (Ops{"QuantizeLinear", "DequantizeLinear"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::FLOAT);
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

TEST(Quantize, PerTensorOpset17) {
  auto model = convertIR(kQdq, {"x:2x3"}, 17, {"x:0=b"});
  EXPECT_EQ(opTypes(model), (Ops{"QuantizeLinear", "DequantizeLinear"}));
  EXPECT_EQ(outputDims(model), (Dims{-1, 3}));
}

// quantize_per_channel(x, scales, zero_points, axis=1, torch.qint8)
std::string perChannel(int opset_axis_dim = 1) {
  return R"IR(
graph(%x : Tensor, %s : Tensor, %z : Tensor):
  %a : int = prim::Constant[value=)IR" +
         std::to_string(opset_axis_dim) + R"IR(]()
  %t : int = prim::Constant[value=12]()
  %q : Tensor = aten::quantize_per_channel(%x, %s, %z, %a, %t)
  %y : Tensor = aten::dequantize(%q)
  return (%y))IR";
}

TEST(Quantize, PerChannelOpset13) {
  auto model = convertIR(perChannel(), {"x:2x3x4", "s:3", "z:3:int64"}, 13);
  EXPECT_EQ(countOps(model, "QuantizeLinear"), 1);
  EXPECT_EQ(countOps(model, "DequantizeLinear"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 3, 4}));
}

TEST(Quantize, PerChannelBelowOpset13IsRefused) {
  try {
    convertIR(perChannel(), {"x:2x3x4", "s:3", "z:3:int64"}, 12);
    FAIL() << "expected a conversion error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("opset 13"), std::string::npos) << e.what();
  }
}

std::string fakeQuant(int qmin, int qmax) {
  return R"IR(
graph(%x : Tensor):
  %s : float = prim::Constant[value=0.03]()
  %z : int = prim::Constant[value=5]()
  %lo : int = prim::Constant[value=)IR" +
         std::to_string(qmin) + R"IR(]()
  %hi : int = prim::Constant[value=)IR" +
         std::to_string(qmax) +
         R"IR(]()
  %y : Tensor = aten::fake_quantize_per_tensor_affine(%x, %s, %z, %lo, %hi)
  return (%y))IR";
}

// An 8-bit range is a QDQ pair; a 7-bit one is written out with Round and Clip.
TEST(Quantize, FakeQuantUint8Opset11) {
  auto model = convertIR(fakeQuant(0, 255), {"x:2x3"}, 11);
  EXPECT_EQ(opTypes(model), (Ops{"QuantizeLinear", "DequantizeLinear"}));
}

TEST(Quantize, FakeQuant7BitOpset17) {
  auto model = convertIR(fakeQuant(0, 127), {"x:2x3"}, 17);
  EXPECT_EQ(countOps(model, "QuantizeLinear"), 0);
  EXPECT_EQ(countOps(model, "Round"), 1);
  EXPECT_EQ(countOps(model, "Clip"), 1);
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

// fake_quantize_per_channel_affine(x, scale, zero_point, axis=0, -128, 127)
const char* kFakePerChannel = R"IR(
graph(%x : Tensor, %s : Tensor, %z : Tensor):
  %a : int = prim::Constant[value=0]()
  %lo : int = prim::Constant[value=-128]()
  %hi : int = prim::Constant[value=127]()
  %y : Tensor = aten::fake_quantize_per_channel_affine(%x, %s, %z, %a, %lo, %hi)
  return (%y))IR";

// Below opset 13 QuantizeLinear has no axis: the per-channel rounding is written out.
TEST(Quantize, FakeQuantPerChannelOpset11) {
  auto model = convertIR(kFakePerChannel, {"x:4x3x2", "s:4", "z:4:int32"}, 11);
  EXPECT_EQ(countOps(model, "QuantizeLinear"), 0);
  EXPECT_EQ(countOps(model, "Round"), 1);
  EXPECT_EQ(outputDims(model), (Dims{4, 3, 2}));
}

TEST(Quantize, FakeQuantPerChannelOpset17) {
  auto model = convertIR(kFakePerChannel, {"x:4x3x2", "s:4", "z:4:int32"}, 17);
  EXPECT_EQ(countOps(model, "QuantizeLinear"), 1);
  EXPECT_EQ(countOps(model, "DequantizeLinear"), 1);
}

// dequantize of a float tensor returns it, as in LibTorch.
TEST(Quantize, DequantizeOfAFloatTensorIsItself) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::dequantize(%x)
  return (%y))IR",
                         {"x:2x3"}, 17);
  EXPECT_EQ(countOps(model, "DequantizeLinear"), 0);
  EXPECT_EQ(outputDims(model), (Dims{2, 3}));
}

// An operator on a quantized tensor computes on its dequantized values; its result goes back on
// the grid LibTorch gave it (average pooling keeps its input's scale and zero point), while a
// view (flatten) and max pooling keep the grid and get no second pair.
TEST(Quantize, ResultsOfQuantizedTensorsGoBackOnTheirGrid) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %s : float = prim::Constant[value=0.05]()
  %z : int = prim::Constant[value=10]()
  %t : int = prim::Constant[value=13]()
  %k : int[] = prim::Constant[value=[2, 2]]()
  %p : int[] = prim::Constant[value=[0, 0]]()
  %d : int[] = prim::Constant[value=[1, 1]]()
  %f : bool = prim::Constant[value=0]()
  %n : NoneType = prim::Constant()
  %one : int = prim::Constant[value=1]()
  %last : int = prim::Constant[value=-1]()
  %q : Tensor = aten::quantize_per_tensor(%x, %s, %z, %t)
  %m : Tensor = aten::max_pool2d(%q, %k, %k, %p, %d, %f)
  %a : Tensor = aten::avg_pool2d(%m, %k, %k, %p, %f, %f, %n)
  %v : Tensor = aten::flatten(%a, %one, %last)
  %y : Tensor = aten::dequantize(%v)
  return (%y))IR",
                         {"x:1x2x8x8"}, 13);
  EXPECT_EQ(countOps(model, "QuantizeLinear"), 2);
  EXPECT_EQ(countOps(model, "DequantizeLinear"), 2);
  EXPECT_EQ(countOps(model, "AveragePool"), 1);
  EXPECT_EQ(outputDims(model), (Dims{1, 8}));
}

// q_scale, q_zero_point and int_repr read the grid LibTorch recorded.
TEST(Quantize, GridQueries) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %s : float = prim::Constant[value=0.25]()
  %z : int = prim::Constant[value=3]()
  %t : int = prim::Constant[value=12]()
  %q : Tensor = aten::quantize_per_tensor(%x, %s, %z, %t)
  %r : Tensor = aten::int_repr(%q)
  %qs : float = aten::q_scale(%q)
  %qz : int = aten::q_zero_point(%q)
  return (%r, %qs, %qz))IR",
                         {"x:4"}, 13);
  EXPECT_EQ(outputType(model, 0), onnx::TensorProto::INT8);
  EXPECT_EQ(countOps(model, "QuantizeLinear"), 2);
}

}  // namespace
}  // namespace pt2onnx::test
