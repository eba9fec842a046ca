// Op tests: the converters CNN classifiers use, at opsets 9 and 10 (the forms those opsets take:
// Clip bounds as attributes, Slice bounds as attributes at 9, no ceil_mode at 9, Gemm with C).
#include "op_cases.h"

namespace pt2onnx::test {
namespace {

bool hasAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return true;
  return false;
}

const char* kHardtanh = R"IR(
graph(%x : Tensor):
  %lo : float = prim::Constant[value=-1.5]()
  %hi : float = prim::Constant[value=2.]()
  %y : Tensor = aten::hardtanh(%x, %lo, %hi)
  return (%y))IR";

TEST(LowOpset, HardtanhOpset9ClipTakesAttributes) {
  auto model = convertIR(kHardtanh, {"x:2x3"}, 9);
  const auto& clip = firstNode(model, "Clip");
  EXPECT_EQ(clip.input_size(), 1);
  EXPECT_TRUE(hasAttribute(clip, "min"));
  EXPECT_TRUE(hasAttribute(clip, "max"));
}

TEST(LowOpset, HardtanhOpset11ClipTakesInputs) {
  auto model = convertIR(kHardtanh, {"x:2x3"}, 11);
  EXPECT_EQ(firstNode(model, "Clip").input_size(), 3);
}

std::string maxPoolIR(bool ceil, int dilation) {
  return "graph(%x : Tensor):\n  %k : int = prim::Constant[value=3]()\n  %s : int = prim::Constant[value=2]()\n"
         "  %p : int = prim::Constant[value=1]()\n  %dl : int = prim::Constant[value=" +
         std::to_string(dilation) +
         "]()\n  %ks : int[] = prim::ListConstruct(%k, %k)\n  %ss : int[] = prim::ListConstruct(%s, %s)\n"
         "  %ps : int[] = prim::ListConstruct(%p, %p)\n  %ds : int[] = prim::ListConstruct(%dl, %dl)\n"
         "  %c : bool = prim::Constant[value=" +
         std::to_string(ceil ? 1 : 0) +
         "]()\n  %y : Tensor = aten::max_pool2d(%x, %ks, %ss, %ps, %ds, %c)\n  return (%y)";
}

TEST(LowOpset, MaxPoolOpset9LeavesOutCeilMode) {
  auto model = convertIR(maxPoolIR(false, 1), {"x:1x2x9x9"}, 9);
  const auto& pool = firstNode(model, "MaxPool");
  EXPECT_FALSE(hasAttribute(pool, "ceil_mode"));
  EXPECT_FALSE(hasAttribute(pool, "dilations"));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{1, 2, 5, 5}));
}

TEST(LowOpset, MaxPoolCeilModeOpset10) {
  auto model = convertIR(maxPoolIR(true, 1), {"x:1x2x8x8"}, 10);
  EXPECT_TRUE(hasAttribute(firstNode(model, "MaxPool"), "ceil_mode"));
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{1, 2, 5, 5}));
}

TEST(LowOpset, MaxPoolCeilModeOpset9IsRefusedNamingOpset10) {
  try {
    convertIR(maxPoolIR(true, 1), {"x:1x2x8x8"}, 9);
    ADD_FAILURE() << "converted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("needs opset 10"), std::string::npos) << e.what();
  }
}

TEST(LowOpset, MaxPoolDilationOpset9IsRefused) {
  EXPECT_THROW(convertIR(maxPoolIR(false, 2), {"x:1x2x9x9"}, 9), std::exception);
}

std::string adaptiveIR(int size) {
  return "graph(%x : Tensor):\n  %o : int = prim::Constant[value=" + std::to_string(size) +
         "]()\n  %os : int[] = prim::ListConstruct(%o, %o)\n"
         "  %y : Tensor = aten::adaptive_avg_pool2d(%x, %os)\n  return (%y)";
}

TEST(LowOpset, AdaptiveAvgPoolToOneOpset9IsGlobal) {
  auto model = convertIR(adaptiveIR(1), {"x:2x3x7x7"}, 9, {"x:0=batch"});
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"GlobalAveragePool"}));
}

TEST(LowOpset, AdaptiveAvgPoolUnevenOpset9SlicesWithAttributes) {
  auto model = convertIR(adaptiveIR(2), {"x:1x3x5x5"}, 9);
  EXPECT_EQ(firstNode(model, "Slice").input_size(), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{1, 3, 2, 2}));
}

TEST(LowOpset, AdaptiveAvgPoolUnevenOpset10SlicesWithInputs) {
  auto model = convertIR(adaptiveIR(2), {"x:1x3x5x5"}, 10);
  EXPECT_EQ(firstNode(model, "Slice").input_size(), 4);
}

const char* kFlattenDynamicTail = R"IR(
graph(%x : Tensor):
  %s : int = prim::Constant[value=0]()
  %e : int = prim::Constant[value=1]()
  %y : Tensor = aten::flatten(%x, %s, %e)
  return (%y))IR";

TEST(LowOpset, FlattenDynamicTailOpset9) {
  auto model = convertIR(kFlattenDynamicTail, {"x:2x3x4"}, 9, {"x:2=w"});
  EXPECT_EQ(firstNode(model, "Slice").input_size(), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{6, -1}));
}

const char* kLinear = R"IR(
graph(%x : Tensor, %w : Tensor, %b : Tensor):
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::linear(%x, %w, %none)
  %z : Tensor = aten::linear(%x, %w, %b)
  return (%y, %z))IR";

TEST(LowOpset, LinearOpset9WithoutBiasIsMatMul) {
  auto model = convertIR(kLinear, {"x:2x4", "w:3x4", "b:3"}, 9);
  EXPECT_EQ(countOps(model, "Gemm"), 1);  // only the biased one: Gemm's C is required before opset 11
  EXPECT_EQ(countOps(model, "MatMul"), 1);
}

TEST(LowOpset, LinearOpset11IsGemmTwice) {
  auto model = convertIR(kLinear, {"x:2x4", "w:3x4", "b:3"}, 11);
  EXPECT_EQ(countOps(model, "Gemm"), 2);
}

const char* kHardswish = "graph(%x : Tensor):\n  %y : Tensor = aten::hardswish(%x)\n  return (%y)";

TEST(LowOpset, HardswishOpset9IsMulOfHardSigmoid) {
  auto model = convertIR(kHardswish, {"x:2x3"}, 9);
  EXPECT_EQ(opTypes(model), (std::vector<std::string>{"HardSigmoid", "Mul"}));
}

const std::vector<OpCase> kCases = {
    {"Conv2d",
     "graph(%x : Tensor, %w : Tensor):\n  %none : NoneType = prim::Constant()\n  %o : int = prim::Constant[value=1]()\n"
     "  %z : int = prim::Constant[value=0]()\n  %s : int[] = prim::ListConstruct(%o, %o)\n"
     "  %p : int[] = prim::ListConstruct(%z, %z)\n  %y : Tensor = aten::conv2d(%x, %w, %none, %s, %p, %s, %o)\n"
     "  return (%y)",
     {"x:1x2x5x5", "w:4x2x3x3"},
     9,
     "Conv",
     {1, 4, 3, 3}},
    {"BatchNormEval",
     "graph(%x : Tensor, %w : Tensor, %b : Tensor, %m : Tensor, %v : Tensor):\n"
     "  %f : bool = prim::Constant[value=0]()\n  %mo : float = prim::Constant[value=0.1]()\n"
     "  %e : float = prim::Constant[value=1e-05]()\n"
     "  %y : Tensor = aten::batch_norm(%x, %w, %b, %m, %v, %f, %mo, %e, %f)\n  return (%y)",
     {"x:2x3x4x4", "w:3", "b:3", "m:3", "v:3"},
     9,
     "BatchNormalization",
     {2, 3, 4, 4}},
    {"NativeBatchNorm",
     "graph(%x : Tensor, %w : Tensor, %b : Tensor, %m : Tensor, %v : Tensor):\n"
     "  %f : bool = prim::Constant[value=0]()\n  %mo : float = prim::Constant[value=0.1]()\n"
     "  %e : float = prim::Constant[value=1e-05]()\n"
     "  %y : Tensor, %sm : Tensor, %si : Tensor = aten::native_batch_norm(%x, %w, %b, %m, %v, %f, %mo, %e)\n"
     "  return (%y)",
     {"x:2x3x4", "w:3", "b:3", "m:3", "v:3"},
     9,
     "BatchNormalization",
     {2, 3, 4}},
    {"WeightNorm",
     "graph(%v : Tensor, %g : Tensor):\n  %d : int = prim::Constant[value=0]()\n"
     "  %y : Tensor = aten::_weight_norm(%v, %g, %d)\n  return (%y)",
     {"v:4x3x2", "g:4x1x1"},
     9,
     "ReduceL2",
     {4, 3, 2}},
    {"Relu6", "graph(%x : Tensor):\n  %y : Tensor = aten::relu6(%x)\n  return (%y)", {"x:2x3"}, 9, "Clip", {2, 3}},
    {"Hardswish", kHardswish, {"x:2x3"}, 9, "", {2, 3}},
    {"SoftmaxMiddleAxis",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %none : NoneType = prim::Constant()\n"
     "  %y : Tensor = aten::softmax(%x, %d, %none)\n  return (%y)",
     {"x:2x3x4"},
     9,
     "Softmax",
     {2, 3, 4}},
    {"CatNegativeDim",
     "graph(%a : Tensor, %b : Tensor):\n  %l : Tensor[] = prim::ListConstruct(%a, %b)\n"
     "  %d : int = prim::Constant[value=-1]()\n  %y : Tensor = aten::cat(%l, %d)\n  return (%y)",
     {"a:2x3", "b:2x4"},
     9,
     "Concat",
     {2, 7}},
    {"MeanKeepdim",
     "graph(%x : Tensor):\n  %a : int = prim::Constant[value=-1]()\n  %b : int = prim::Constant[value=-2]()\n"
     "  %l : int[] = prim::ListConstruct(%a, %b)\n  %k : bool = prim::Constant[value=1]()\n"
     "  %none : NoneType = prim::Constant()\n  %y : Tensor = aten::mean(%x, %l, %k, %none)\n  return (%y)",
     {"x:2x3x4x4"},
     9,
     "ReduceMean",
     {2, 3, 1, 1}},
    {"ViewComputed",
     "graph(%x : Tensor):\n  %z : int = prim::Constant[value=0]()\n  %n : int = aten::size(%x, %z)\n"
     "  %m : int = prim::Constant[value=-1]()\n  %s : int[] = prim::ListConstruct(%n, %m)\n"
     "  %y : Tensor = aten::view(%x, %s)\n  return (%y)",
     {"x:2x3x4"},
     9,
     "Reshape",
     {-1, 12},
     {"x:0=batch"}},
    {"Glu",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=-1]()\n  %y : Tensor = aten::glu(%x, %d)\n  return (%y)",
     {"x:2x6"},
     9,
     "Split",
     {2, 3}},
    // Indexing, stacking and selection at opsets 9 and 10 (e2e.low_opset_ops runs them in ONNX Runtime).
    {"SliceConstBounds",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %a : int = prim::Constant[value=1]()\n"
     "  %b : int = prim::Constant[value=4]()\n  %s : int = prim::Constant[value=1]()\n"
     "  %y : Tensor = aten::slice(%x, %d, %a, %b, %s)\n  return (%y)",
     {"x:2x6"},
     9,
     "Slice",
     {2, 3}},
    {"SliceStep",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %a : int = prim::Constant[value=1]()\n"
     "  %b : int = prim::Constant[value=5]()\n  %s : int = prim::Constant[value=2]()\n"
     "  %y : Tensor = aten::slice(%x, %d, %a, %b, %s)\n  return (%y)",
     {"x:2x6"},
     10,
     "Slice",
     {2, 2}},
    {"SelectNegative",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %i : int = prim::Constant[value=-1]()\n"
     "  %y : Tensor = aten::select(%x, %d, %i)\n  return (%y)",
     {"x:2x6"},
     9,
     "Gather",
     {2}},
    {"Flip",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %l : int[] = prim::ListConstruct(%d)\n"
     "  %y : Tensor = aten::flip(%x, %l)\n  return (%y)",
     {"x:2x6"},
     10,
     "Slice",
     {2, 6}},
    {"IndexSelect",
     "graph(%x : Tensor, %i : Tensor):\n  %d : int = prim::Constant[value=1]()\n"
     "  %y : Tensor = aten::index_select(%x, %d, %i)\n  return (%y)",
     {"x:2x12", "i:3:int64"},  // (made-up indices are 1 to 9)
     9,
     "Gather",
     {2, 3}},
    {"Stack",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %l : Tensor[] = prim::ListConstruct(%x, %x)\n"
     "  %y : Tensor = aten::stack(%l, %d)\n  return (%y)",
     {"x:2x6"},
     9,
     "Concat",
     {2, 2, 6}},
    {"MaskedFill",
     "graph(%x : Tensor, %m : Tensor):\n  %v : float = prim::Constant[value=-1.]()\n"
     "  %y : Tensor = aten::masked_fill(%x, %m, %v)\n  return (%y)",
     {"x:2x6", "m:2x6:bool"},
     9,
     "Where",
     {2, 6}},
    {"ArgmaxKeepdim",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=-1]()\n  %k : bool = prim::Constant[value=1]()\n"
     "  %y : Tensor = aten::argmax(%x, %d, %k)\n  return (%y)",
     {"x:2x6"},
     9,
     "ArgMax",
     {2, 1}},
    {"TopkSmallest",
     "graph(%x : Tensor):\n  %k : int = prim::Constant[value=2]()\n  %d : int = prim::Constant[value=1]()\n"
     "  %f : bool = prim::Constant[value=0]()\n  %t : bool = prim::Constant[value=1]()\n"
     "  %v : Tensor, %i : Tensor = aten::topk(%x, %k, %d, %f, %t)\n  return (%v)",
     {"x:2x6"},
     10,
     "TopK",
     {2, 2}},
    {"Nonzero",
     "graph(%x : Tensor):\n  %y : Tensor = aten::nonzero(%x)\n  return (%y)",
     {"x:2x6"},
     9,
     "NonZero",
     {-1, 2}},
    {"GluDynamic",
     "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %y : Tensor = aten::glu(%x, %d)\n  return (%y)",
     {"x:2x6"},
     9,
     "Split",
     {2, -1},
     {"x:1=c"}},
};

class LowOpset : public ::testing::TestWithParam<OpCaseAt> {};

TEST_P(LowOpset, Converts) { checkCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Ops, LowOpset, ::testing::ValuesIn(atLowestAndHighest(kCases)), caseName);

// Below opset 11 Gather has no negative indices: select(x, 1, -1) reads index 5 of 6.
TEST(LowOpset, SelectNegativeIndexCountsFromTheEndOpset9) {
  auto model = convertIR(
      "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %i : int = prim::Constant[value=-1]()\n"
      "  %y : Tensor = aten::select(%x, %d, %i)\n  return (%y)",
      {"x:2x6"}, 9);
  const auto& gather = firstNode(model, "Gather");
  for (const auto& init : model.graph().initializer())
    if (init.name() == gather.input(1)) {
      ASSERT_EQ(init.int64_data_size() + init.raw_data().size() / 8, 1u);
      const int64_t index =
          init.int64_data_size() ? init.int64_data(0) : *reinterpret_cast<const int64_t*>(init.raw_data().data());
      EXPECT_EQ(index, 5);
    }
}

// A slice with a step at opset 9 (Slice-1 has none) gathers every second index: x[:, 1:5:2].
TEST(LowOpset, SliceWithStepOpset9GathersARange) {
  auto model = convertIR(
      "graph(%x : Tensor):\n  %d : int = prim::Constant[value=1]()\n  %a : int = prim::Constant[value=1]()\n"
      "  %b : int = prim::Constant[value=5]()\n  %s : int = prim::Constant[value=2]()\n"
      "  %y : Tensor = aten::slice(%x, %d, %a, %b, %s)\n  return (%y)",
      {"x:2x6"}, 9);
  EXPECT_EQ(countOps(model, "Gather"), 1);
  EXPECT_EQ(outputDims(model), (std::vector<int64_t>{2, 2}));
}

TEST(LowOpset, OperatorNeedingOpset11NamesIt) {
  const char* ir = "graph(%x : Tensor):\n  %z : Tensor = aten::logdet(%x)\n  return (%z)";
  try {
    convertIR(ir, {"x:2x2"}, 10);
    ADD_FAILURE() << "converted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("aten::logdet"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("needs opset 11 or later; try --opset 11"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pt2onnx::test
