// Op tests: activation converters at their lowest and highest opsets.
#include <gtest/gtest.h>

#include "op_test_util.h"

namespace pt2onnx::test {
namespace {

const char* kHardswish = R"IR(
graph(%x : Tensor):
  %y : Tensor = aten::hardswish(%x)
  return (%y))IR";

TEST(Activation, HardswishOpset11Decomposes) {
  auto model = convertIR(kHardswish, {"x:2x3x4"}, 11);
  EXPECT_EQ(countOps(model, "HardSwish"), 0);
  EXPECT_EQ(countOps(model, "HardSigmoid"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 4}));
}

TEST(Activation, HardswishOpset17) {
  auto model = convertIR(kHardswish, {"x:2x3x4"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"HardSwish"}));
}

TEST(Activation, SoftmaxOpset11MovesInnerAxisLast) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::softmax(%x, %d, %none)
  return (%y))IR",
                         {"x:2x3x4"}, 11);
  EXPECT_EQ(countOps(model, "Transpose"), 2);
  EXPECT_EQ(countOps(model, "Softmax"), 1);
}

TEST(Activation, SoftmaxOpset17SingleNode) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::softmax(%x, %d, %none)
  return (%y))IR",
                         {"x:2x3x4"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Softmax"}));
}

TEST(Activation, GeluTanhApproximation) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %a : str = prim::Constant[value="tanh"]()
  %y : Tensor = aten::gelu(%x, %a)
  return (%y))IR",
                         {"x:5"}, 17);
  EXPECT_EQ(countOps(model, "Tanh"), 1);
  EXPECT_EQ(countOps(model, "Erf"), 0);
}

TEST(Activation, HardtanhBecomesClip) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %lo : float = prim::Constant[value=-2.]()
  %hi : float = prim::Constant[value=3.]()
  %y : Tensor = aten::hardtanh(%x, %lo, %hi)
  return (%y))IR",
                         {"x:4x4"}, 13);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Clip"}));
}

// Relu takes integers from opset 14; before, an int relu is Max(x, 0), in a type Max accepts.
TEST(Activation, ReluInt32Opset11IsMaxInDouble) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::relu(%x)\n  return (%y)", {"x:3x3:int32"}, 11);
  EXPECT_EQ(countOps(model, "Relu"), 0);
  EXPECT_EQ(countOps(model, "Max"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
}

TEST(Activation, ReluInt32Opset13IsMax) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::relu(%x)\n  return (%y)", {"x:3x3:int32"}, 13);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Max"}));
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
}

TEST(Activation, ReluInt32Opset14IsRelu) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::relu(%x)\n  return (%y)", {"x:3x3:int32"}, 14);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Relu"}));
}

TEST(Activation, ReluUint8IsIdentity) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::relu(%x)\n  return (%y)", {"x:3x3:uint8"}, 11);
  EXPECT_EQ(countOps(model, "Relu") + countOps(model, "Max"), 0);
}

const char* kPrelu = R"IR(
graph(%x : Tensor, %w : Tensor):
  %y : Tensor = aten::prelu(%x, %w)
  return (%y))IR";

// One slope becomes a 0-d tensor, which ONNX broadcasts to any input rank, 0-d included.
TEST(Activation, PreluOneSlopeOn0dInputOpset11) {
  auto model = convertIR(kPrelu, {"x:scalar", "w:1"}, 11);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Reshape", "PRelu"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{}));
}

TEST(Activation, PreluOneSlopeOn3dInputOpset17) {
  auto model = convertIR(kPrelu, {"x:2x3x5", "w:1"}, 17);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Reshape", "PRelu"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 5}));
}

// C slopes go along dim 1: [C] becomes [C, 1] for a rank-3 input, [C, 1, 1, 1] for rank 5.
TEST(Activation, PreluPerChannelRank3Opset11) {
  auto model = convertIR(kPrelu, {"x:2x3x5", "w:3"}, 11);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Reshape", "PRelu"}));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 5}));
}

TEST(Activation, PreluPerChannelRank5Opset17) {
  auto model = convertIR(kPrelu, {"x:2x3x2x2x2", "w:3"}, 17);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 3, 2, 2, 2}));
}

TEST(Activation, Relu6Int32Opset11ClipsInDouble) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::relu6(%x)\n  return (%y)", {"x:3:int32"}, 11);
  EXPECT_EQ(countOps(model, "Clip"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::INT32);
}

TEST(Activation, Relu6Int32Opset12ClipsNatively) {
  auto model = convertIR("graph(%x : Tensor):\n  %y : Tensor = aten::relu6(%x)\n  return (%y)", {"x:3:int32"}, 12);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"Clip"}));
}

const char* kRrelu = R"IR(
graph(%x : Tensor):
  %lo : float = prim::Constant[value=0.1]()
  %hi : float = prim::Constant[value=0.3]()
  %train : bool = prim::Constant[value=TRAIN]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::rrelu(%x, %lo, %hi, %train, %none)
  return (%y))IR";

std::string rreluIR(bool training) {
  std::string ir = kRrelu;
  ir.replace(ir.find("TRAIN"), 5, training ? "1" : "0");
  return ir;
}

// In eval rrelu is a leaky relu with the mean slope.
TEST(Activation, RreluEvalOpset11) {
  auto model = convertIR(rreluIR(false), {"x:3x4"}, 11);
  ASSERT_EQ(model.graph().node_size(), 1);
  EXPECT_EQ(model.graph().node(0).op_type(), "LeakyRelu");
  EXPECT_FLOAT_EQ(model.graph().node(0).attribute(0).f(), 0.2f);
}

TEST(Activation, RreluEvalOpset17) {
  auto model = convertIR(rreluIR(false), {"x:3x4"}, 17, {"x:0=n"});
  EXPECT_EQ(countOps(model, "LeakyRelu"), 1);
}

TEST(Activation, RreluTrainingIsRefused) { EXPECT_THROW(convertIR(rreluIR(true), {"x:3x4"}, 17), std::exception); }

// ONNX Runtime has no float64 Elu kernel: float64 elu is written out.
TEST(Activation, EluFloat64IsDecomposedOpset11) {
  auto model = convertIR(R"IR(
graph(%x : Tensor):
  %a : float = prim::Constant[value=0.5]()
  %one : int = prim::Constant[value=1]()
  %y : Tensor = aten::elu(%x, %a, %one, %one)
  return (%y))IR",
                         {"x:2x3:float64"}, 11);
  EXPECT_EQ(countOps(model, "Elu"), 0);
  EXPECT_EQ(countOps(model, "Where"), 1);
  EXPECT_EQ(outputType(model), onnx::TensorProto::DOUBLE);
}

// A traced LSTMCell: sigmoid_/tanh_ written into the parts of unsafe_chunk, which nothing else
// reads, are the functional operators.
std::string gatesIR(const std::string& tail) {
  return R"IR(
graph(%x : Tensor):
  %four : int = prim::Constant[value=4]()
  %one : int = prim::Constant[value=1]()
  %l : Tensor[] = aten::unsafe_chunk(%x, %four, %one)
  %i : Tensor, %f : Tensor, %g : Tensor, %o : Tensor = prim::ListUnpack(%l)
  %si : Tensor = aten::sigmoid_(%i)
  %sf : Tensor = aten::sigmoid_(%f)
  %tg : Tensor = aten::tanh_(%g)
  %ro : Tensor = aten::relu_(%o)
)IR" + tail;
}

TEST(Activation, InPlaceOnSplitPartsOpset11) {
  auto model = convertIR(gatesIR("  return (%si, %sf, %tg, %ro)"), {"x:2x8"}, 11);
  EXPECT_EQ(countOps(model, "Sigmoid"), 2);
  EXPECT_EQ(countOps(model, "Tanh"), 1);
  EXPECT_EQ(countOps(model, "Relu"), 1);
}

// When the split tensor is read after the writes, they would show in it: refused.
TEST(Activation, InPlaceOnSplitPartsReadElsewhereIsRefused) {
  EXPECT_THROW(
      convertIR(gatesIR("  %y : Tensor = aten::mul(%x, %x)\n  return (%si, %sf, %tg, %ro, %y)"), {"x:2x8"}, 17),
      std::exception);
}

}  // namespace
}  // namespace pt2onnx::test
